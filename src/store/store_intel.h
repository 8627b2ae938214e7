/* store_intel.h - the observable index, access-class counts and sightings (tables in
 * migrations_intel.c, which explains the invariants the triggers keep).
 *
 * Writing: pi_store_intel_put stores objects exactly as pi_store_objects_put does and, in the
 * SAME durable transaction, the index rows the caller computed for each added object
 * (struct pi_intel_facts: its normalised observables, revoked / valid_until, and for a
 * sighting its target and counts). Deleting objects (pi_store_objects_delete), new versions
 * and version-flag changes keep the index current through triggers.
 *
 * Reading: callers filter every row or group through pi_access_allows with the acl given
 * here; nothing in this file decides visibility. Row callbacks get pointers valid only during
 * the call. Every scan has a caller-given cap.
 */
#ifndef PI_STORE_STORE_INTEL_H
#define PI_STORE_STORE_INTEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/observable.h"
#include "store/store.h"

#define PI_INTEL_VALUE_MAX PI_OBSERVABLE_MAX_OUTPUT

struct pi_intel_obs {
	enum pi_observable_kind kind;
	const char *value; /* normalised, NUL-terminated, under PI_INTEL_VALUE_MAX bytes */
};

/* What the index keeps about one object (the caller derives it from the object's JSON). */
struct pi_intel_facts {
	const struct pi_intel_obs *obs; /* may repeat a value: stored once */
	size_t n_obs;
	int revoked;
	int64_t valid_until;     /* microseconds; 0 = none */
	const char *sighting_of; /* sightings: sighting_of_ref; NULL for other objects */
	int64_t sighting_count;  /* 1 when the sighting gives none */
	int64_t first_seen;      /* microseconds; 0 = not given */
	int64_t last_seen;
	int false_positive;
	const char *name; /* the object's "name" when it is a string, else NULL: shown by
	                   * look-ups without parsing the stored body */
};

/* pi_store_objects_put plus the index rows of facts[i] for each object added (results[i] ==
 * PI_PUT_ADDED), all in one durable transaction. facts may be NULL (nothing indexed). */
pi_status pi_store_intel_put(pi_store *store, int64_t collection_id, int64_t owner_org,
        int64_t owner_user, const struct pi_object_in *objs, const struct pi_intel_facts *facts,
        size_t n, enum pi_put_result *results, int64_t *date_added, struct pi_error *err);

/* The id of an indexed value; PI_ERR_NOTFOUND when nothing ever mentioned it. */
pi_status pi_store_intel_obs_find(pi_store *store, enum pi_observable_kind kind, const char *value,
        int64_t *obs_id, struct pi_error *err);

/* The CIDR prefix lengths ever indexed for kind (IPV4_CIDR or IPV6_CIDR), ascending, at most
 * max (129 always fits). */
pi_status pi_store_intel_prefixes(pi_store *store, enum pi_observable_kind kind, int *prefixes,
        size_t max, size_t *n, struct pi_error *err);

/* One access class of the latest versions that mention a value. */
struct pi_intel_group {
	int64_t collection_id;
	struct pi_acl acl;               /* recipients valid during the callback only */
	int64_t n;                       /* objects */
	int64_t n_live;                  /* of which not revoked */
	int64_t n_timed;                 /* of which live with a valid_until */
	int64_t min_vu, max_vu;          /* bounds of those valid_until (when n_timed > 0) */
	int64_t first_added, last_added; /* bounds of date_added */
};

/* Calls fn for each access class of obs_id (at most max groups); fn returns nonzero to stop. */
pi_status pi_store_intel_groups(pi_store *store, int64_t obs_id, size_t max,
        int (*fn)(void *arg, const struct pi_intel_group *g), void *arg, struct pi_error *err);

/* Exactly how many live objects of group g that mention obs_id have valid_until <= now_us. */
pi_status pi_store_intel_expired(pi_store *store, int64_t obs_id, const struct pi_intel_group *g,
        int64_t now_us, int64_t *expired, struct pi_error *err);

/* A latest object version that mentions a value. */
struct pi_intel_ref {
	int64_t seq;
	const char *stix_id;
	const char *type;
	const char *version;
	const char *collection_uuid;
	int64_t date_added;
	struct pi_acl acl;
	int revoked;
	int64_t valid_until;
	const char *name;  /* the object's "name" (NULL when it has none) */
	int has_sightings; /* 0: no sighting (of any access class) points at an indicator */
};

/* Calls fn for the latest versions mentioning obs_id, newest first, examining at most
 * max_rows rows; fn returns nonzero to stop. *examined (may be NULL) gets the rows passed.
 * has_sightings is computed for indicators only (0 for other types): when it is 0,
 * pi_store_intel_sightings would call nothing for that indicator, so callers may skip it. */
pi_status pi_store_intel_refs(pi_store *store, int64_t obs_id, size_t max_rows,
        int (*fn)(void *arg, const struct pi_intel_ref *r), void *arg, size_t *examined,
        struct pi_error *err);

/* A latest-version sighting of some object. */
struct pi_intel_sighting {
	int64_t seq;
	const char *stix_id;
	struct pi_acl acl;
	int64_t count;
	int64_t first_seen, last_seen; /* microseconds; 0 = not given */
	int false_positive;
};

/* Calls fn for the sightings whose sighting_of_ref is target, newest first, at most max_rows. */
pi_status pi_store_intel_sightings(pi_store *store, const char *target, size_t max_rows,
        int (*fn)(void *arg, const struct pi_intel_sighting *s), void *arg, struct pi_error *err);

/* Calls fn for every stored version of stix_id in every collection (collection by collection,
 * newest version first), at most max_rows rows. row->acl is complete. collection_uuid is the
 * TAXII id of the row's collection. */
pi_status pi_store_intel_object_rows(pi_store *store, const char *stix_id, size_t max_rows,
        int (*fn)(void *arg, const struct pi_object_row *row, const char *collection_uuid),
        void *arg, struct pi_error *err);

#endif
