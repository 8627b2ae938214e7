/* hub.h - what `postisac scan` exchanges with a hub over TAXII 2.1: indicators in, sightings
 * out.
 *
 * Pull. A SOURCE URL is either a hub ("http://127.0.0.1:8080", "https://hub.example") or one
 * collection ("https://hub.example/taxii2/hub/collections/ID/"). For a hub, every collection
 * the token may read (GET /taxii2/hub/collections/) is pulled. Pages come from
 * /taxii2/hub/collections/{id}/objects/?match[type]=indicator&limit=1000, following "more"
 * and "next"; with added_after only objects added after that time come. The largest
 * X-TAXII-Date-Added-Last seen is the added_after of the next refresh. Answers are capped at
 * PI_SCAN_HUB_MAX_PAGE bytes and parsed strictly (core/json.h).
 *
 * Sightings. Hits are aggregated per (indicator, observable): count, first and last seen.
 * pi_scan_sightings_post sends what was aggregated since the last successful post as STIX
 * 2.1 sighting objects, PI_SCAN_SIGHTINGS_BATCH per TAXII POST, to one collection, as the
 * token's user. Each sighting has sighting_of_ref (the indicator), count, first_seen,
 * last_seen, a description naming the observable, x_postisac_observable {kind, value} and the
 * TLP marking given (default GREEN). Indicators without a STIX id (plain lists) are not
 * sighted. The aggregation holds at most PI_SCAN_SIGHTINGS_MAX pairs; further new pairs are
 * counted as dropped.
 *
 * Not thread-safe: one thread uses a pi_scan_sightings at a time.
 */
#ifndef PI_SCAN_HUB_H
#define PI_SCAN_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/tlp.h"
#include "scan/indset.h"
#include "scan/scan.h"

#define PI_SCAN_HUB_MAX_PAGE ((size_t)256 << 20)
#define PI_SCAN_SIGHTINGS_BATCH 500
#define PI_SCAN_SIGHTINGS_MAX 200000

/* Nonzero if source looks like a hub URL (http:// or https://). */
int pi_scan_hub_is_url(const char *source);

/* Pulls indicators from the hub or collection at url into set. added_after (may be NULL) is
 * a STIX timestamp; *next_added_after (caller frees; may be NULL if nothing came) gets the
 * value for the next refresh. *objects (may be NULL) counts objects received. Errors:
 * PI_ERR_AUTH (401), PI_ERR_DENIED (403), PI_ERR_NOTFOUND (404), PI_ERR_IO (network,
 * other statuses), PI_ERR_INVALID (an answer that is not a TAXII envelope). */
pi_status pi_scan_hub_pull(const char *url, const char *token, const char *added_after,
        pi_scan_set *set, char **next_added_after, size_t *objects, struct pi_error *err);

typedef struct pi_scan_sightings pi_scan_sightings;

pi_status pi_scan_sightings_new(pi_scan_sightings **out);
void pi_scan_sightings_free(pi_scan_sightings *s);

/* Counts one hit (indicators without an id are ignored). */
void pi_scan_sightings_add(pi_scan_sightings *s, const struct pi_scan_hit *hit);

/* Pairs with hits not yet posted; pairs dropped over the cap. */
size_t pi_scan_sightings_pending(const pi_scan_sightings *s);
size_t pi_scan_sightings_dropped(const pi_scan_sightings *s);

/* Posts pending sightings to hub_url's collection collection_id with token. tlp marks them.
 * On success their counts restart from zero; on failure they stay pending for the next call.
 * *posted (may be NULL) gets the number the hub accepted. */
pi_status pi_scan_sightings_post(pi_scan_sightings *s, const char *hub_url, const char *token,
        const char *collection_id, enum pi_tlp tlp, size_t *posted, struct pi_error *err);

/* Counts per indicator for --summary: calls fn for each indicator with its total hits and
 * number of distinct observables, in the order indicators were first hit. */
void pi_scan_sightings_each_indicator(const pi_scan_sightings *s,
        void (*fn)(void *arg, const char *id, const char *tlp, uint64_t hits, size_t observables),
        void *arg);

#endif
