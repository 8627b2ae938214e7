/* warninglist.h - lists of known-benign values (private address ranges, public resolvers,
 * CDN and cloud apex domains, postal operators' own domains), so that sharing "8.8.8.8" or
 * "usps.com" as an indicator is flagged on input and left out of feeds by default.
 *
 * File format (data/warninglists/NAME.json, described in docs/api.md):
 *   {"name": "rfc1918", "description": "...", "type": "cidr" | "hostname" | "exact",
 *    "kind": "sha256" (only for "exact": the observable kind of the values),
 *    "values": ["10.0.0.0/8", ...]}
 *   cidr      IPv4/IPv6 blocks; matches an address inside one or a block within one
 *   hostname  domains; matches the domain, any subdomain, and URLs / e-mail addresses on them
 *   exact     normalised values of one kind
 * Every value is normalised as core/observable.h does; a value that does not normalise, an
 * unknown key or type, or a duplicate list name is refused with the file and the position.
 *
 * Lifecycle: pi_warninglists_load_dir builds an immutable set (read from any thread
 * without locks) -> pi_warninglists_free. The server uses one process-wide set:
 * pi_warninglists_install (at start-up, before serving) or, when nothing was installed, the
 * first call to pi_warninglists_current loads the folder $POSTISAC_WARNINGLISTS (default
 * "data/warninglists", relative to the working directory) plus the file
 * $POSTISAC_WARNINGLIST_EXTRA when set; a set that does not load is logged and replaced by an
 * empty one (install, by contrast, refuses with the error).
 */
#ifndef PI_INTEL_WARNINGLIST_H
#define PI_INTEL_WARNINGLIST_H

#include <stddef.h>

#include "core/error.h"
#include "core/observable.h"

struct pi_warninglists;

#define PI_WARNINGLIST_FILE_MAX (8u << 20)
#define PI_WARNINGLIST_VALUES_MAX 200000

/* An empty set. Free with pi_warninglists_free. */
struct pi_warninglists *pi_warninglists_new(void);
void pi_warninglists_free(struct pi_warninglists *w);
/* Adds the list in text (file_name is used in errors). On error w is unchanged. */
pi_status pi_warninglists_add(struct pi_warninglists *w, const char *file_name, const char *text,
        size_t len, struct pi_error *err);
/* Adds one file. */
pi_status pi_warninglists_add_file(
        struct pi_warninglists *w, const char *path, struct pi_error *err);
/* Loads every *.json of dir (sorted by name) into a new set; *out freed by the caller. */
pi_status pi_warninglists_load_dir(
        const char *dir, struct pi_warninglists **out, struct pi_error *err);
size_t pi_warninglists_count(const struct pi_warninglists *w);

/* Nonzero if the normalised value of kind is on a list; *list_name (may be NULL) gets the
 * first matching list's name (valid as long as w). w may be NULL (no match). */
int pi_warninglist_match(const struct pi_warninglists *w, enum pi_observable_kind kind,
        const char *normalised, const char **list_name);

/* Process-wide set. install loads dir (and extra_file, may be NULL or "") and makes it
 * current; call before serving. current never returns NULL (an empty set at worst, with a
 * warning logged when the default folder does not load). */
pi_status pi_warninglists_install(const char *dir, const char *extra_file, struct pi_error *err);
const struct pi_warninglists *pi_warninglists_current(void);

#endif
