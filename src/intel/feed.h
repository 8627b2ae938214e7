/* feed.h - indicator feeds: the hub's indicators written as a STIX bundle, CSV, a plain list,
 * Suricata rules, a DNS RPZ zone or a Zeek intel file, streamed.
 *
 * Two layers.
 *   Writers (pi_feed_writer_*): pure text generation, one indicator value (or, for STIX, one
 *   object) at a time into a caller's pi_buf. No store, no allocation beyond the buffer.
 *   Cursor (pi_feed_open / pi_feed_next / pi_feed_close): walks the latest version of every
 *   indicator in the collections the principal may read, page by page (keyset on date_added,
 *   never the whole feed in memory), and feeds what survives the filters to a writer. Each
 *   pi_feed_next appends at most one page of output, so the HTTP server and the CLI can
 *   stream a feed of any size in constant memory.
 *
 * What leaves (in this order; the first "no" wins):
 *   pi_access_allows(who, row, PI_PURPOSE_EXPORT)  - RED never leaves, AMBER only to its audience
 *   TLP ceiling (tlp_max)                           - unmarked ranks as AMBER+STRICT
 *   revoked = true, or valid_until at or before now - expired indicators leave the feed
 *   label filter                                    - the indicator's labels contain it
 *   values: pi_extract_observables (the one meaning of an indicator), valid ones only, of the
 *   kinds asked for, not on a warninglist unless include_warninglisted.
 * STIX: an indicator is written once if any of its values survives (or, with no kind filter,
 * if it pins no value at all). Other formats: one entry per surviving value the format can
 * express (Suricata: domains, addresses, http/https URLs; RPZ: domains and addresses; Zeek:
 * all but phone numbers and SMS senders; CSV and list: all).
 */
#ifndef PI_INTEL_FEED_H
#define PI_INTEL_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/observable.h"
#include "core/tlp.h"
#include "store/store.h"

enum pi_feed_format {
	PI_FEED_STIX = 0,
	PI_FEED_CSV,
	PI_FEED_LIST,
	PI_FEED_SURICATA,
	PI_FEED_RPZ,
	PI_FEED_ZEEK,
};

/* "stix", "csv", "list", "suricata", "rpz", "zeek". parse returns 0 or -1 if unknown. */
const char *pi_feed_format_name(enum pi_feed_format f);
int pi_feed_format_parse(const char *name, enum pi_feed_format *out);
/* The HTTP Content-Type and a download file name ("postisac-indicators.rules"). */
const char *pi_feed_content_type(enum pi_feed_format f);
const char *pi_feed_file_name(enum pi_feed_format f);

#define PI_FEED_ZONE_MAX 200
#define PI_FEED_DEFAULT_ZONE "rpz.postisac.local"
#define PI_FEED_DEFAULT_SID 1000000u

/* One value of one indicator, as the writers need it. All strings are the caller's. */
struct pi_feed_value {
	enum pi_observable_kind kind;
	const char *value;        /* normalised (core/observable.h) */
	const char *indicator_id; /* indicator--... */
	const char *name;         /* the indicator's name, may be NULL */
	enum pi_tlp tlp;
	const char *labels;      /* comma-joined labels, may be NULL */
	const char *valid_from;  /* as written, may be NULL */
	const char *valid_until; /* as written, may be NULL */
};

/* Writer state; plain storage, nothing to free. */
struct pi_feed_writer {
	enum pi_feed_format format;
	char zone[PI_FEED_ZONE_MAX + 1]; /* RPZ origin */
	uint32_t next_sid;               /* Suricata */
	int64_t now_us;                  /* RPZ serial, STIX bundle: time of the export */
	uint64_t entries;                /* rules, records, lines or objects written */
};

/* Sets up a writer. zone NULL: PI_FEED_DEFAULT_ZONE; sid_base 0: PI_FEED_DEFAULT_SID.
 * PI_ERR_INVALID if zone is not a domain name. */
pi_status pi_feed_writer_init(struct pi_feed_writer *w, enum pi_feed_format f, const char *zone,
        uint32_t sid_base, int64_t now_us, struct pi_error *err);
/* The file's opening (bundle head, CSV header row, RPZ SOA/NS, Zeek #fields line, comments). */
pi_status pi_feed_writer_begin(struct pi_feed_writer *w, struct pi_buf *out);
/* One value. Values the format cannot express are skipped (PI_OK, nothing written). */
pi_status pi_feed_writer_value(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out);
/* STIX only: one object's JSON text, written as it is. */
pi_status pi_feed_writer_object(
        struct pi_feed_writer *w, const char *json, size_t len, struct pi_buf *out);
/* The file's end (bundle close). */
pi_status pi_feed_writer_end(struct pi_feed_writer *w, struct pi_buf *out);

/* Appends s as an RFC 4180 field: quoted (with "" for ") when it holds , " CR or LF, or
 * begins or ends with a space; as is otherwise. */
pi_status pi_feed_csv_field(struct pi_buf *out, const char *s);

/* ---- the cursor ---- */

#define PI_FEED_MAX_COLLECTIONS 64
#define PI_FEED_PAGE_ROWS 500

struct pi_feed_query {
	enum pi_feed_format format;
	/* collection ids to read; n_collections 0 = every collection the principal may read */
	int64_t collections[PI_FEED_MAX_COLLECTIONS];
	size_t n_collections;
	int64_t since_us; /* only indicators added (date_added) after this; 0 none */
	unsigned kinds;   /* bit (1u << pi_observable_kind) per kind wanted; 0 all */
	int has_tlp_max;
	enum pi_tlp tlp_max; /* ceiling: CLEAR < GREEN < AMBER < AMBER+STRICT < RED */
	const char *label;   /* NULL: any; the string is the caller's and must outlive the cursor */
	int include_warninglisted;
	const char *zone;  /* RPZ origin, NULL for the default */
	uint32_t sid_base; /* Suricata first sid, 0 for the default */
	int64_t now_us;    /* "now" for expiry; 0 = the clock */
};

struct pi_feed_stats {
	uint64_t rows;          /* indicator rows examined */
	uint64_t denied;        /* left out by the access decision or the TLP ceiling */
	uint64_t expired;       /* revoked or past valid_until */
	uint64_t warninglisted; /* values left out as warninglisted */
	uint64_t indicators;    /* indicators with at least one entry written */
	uint64_t entries;       /* rules, records, lines or objects written */
};

typedef struct pi_feed_cursor pi_feed_cursor;

/* Resolves a collection name as the CLI and API accept it: a collection uuid, "community",
 * a sharing group's name or an organisation's slug (its private collection). */
pi_status pi_feed_collection_resolve(
        pi_store *store, const char *name, struct pi_collection *out, struct pi_error *err);

/* Opens a feed for who. Refuses (PI_ERR_NOTFOUND) a listed collection the principal may not
 * read, exactly like one that does not exist. The cursor copies the principal and the query
 * (not label: see above). Close it with pi_feed_close. */
pi_status pi_feed_open(pi_store *store, const struct pi_principal *who,
        const struct pi_feed_query *q, pi_feed_cursor **out, struct pi_error *err);
/* Appends the next piece of the feed to out (the opening, one page, or the end) and sets *done
 * once the end has been written. Call until *done. */
pi_status pi_feed_next(pi_feed_cursor *c, struct pi_buf *out, int *done, struct pi_error *err);
void pi_feed_stats_get(const pi_feed_cursor *c, struct pi_feed_stats *out);
void pi_feed_close(pi_feed_cursor *c);

#endif
