/* audit.h - hash-chain arithmetic for the audit log (no storage).
 *
 * Every change is appended to the audit log as an entry (seq, at, actor, action,
 * target, detail, prev_hash); its hash is SHA-256 over a canonical encoding of all of
 * these, prev_hash included, so each entry commits to the whole log before it. The
 * store keeps the entries; this module computes hashes and checks a chain.
 *
 * Canonical encoding (all integers big-endian):
 *   "postisac-audit-v1" 0x00
 *   seq (8 bytes, unsigned)  at (8 bytes, two's complement microseconds since the epoch)
 *   for actor, action, target, detail: length (4 bytes) then the UTF-8 bytes, exactly
 *   as stored (detail is JSON text, hashed byte for byte, not re-serialised)
 *   prev_hash (32 bytes; 32 zero bytes for the first entry)
 *
 * Verification walks the entries in the order the store returns them (by seq) and
 * reports the first problem:
 *   EDITED    an entry's content no longer matches its hash, or an entry does not
 *             link to the one before it (that one was rewritten with a new hash)
 *   REMOVED   seq jumps (an entry is missing), or the log ends before the expected tip
 *   REORDERED an entry appears after entries with a higher seq, or a seq repeats
 * A jump in seq is only called REMOVED once the walk has ended without the missing
 * entry turning up later (then it is REORDERED).
 */
#ifndef PI_CORE_AUDIT_H
#define PI_CORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PI_AUDIT_HASH_LEN 32
#define PI_AUDIT_MAX_FIELD (1024 * 1024) /* bytes of actor, action, target or detail */

struct pi_audit_entry {
	uint64_t seq; /* 1, 2, 3, ... */
	int64_t at;   /* microseconds since the epoch */
	const char *actor;
	const char *action;
	const char *target;
	const char *detail; /* JSON text; NULL is hashed as "" */
	unsigned char prev_hash[PI_AUDIT_HASH_LEN];
	unsigned char hash[PI_AUDIT_HASH_LEN];
};

/* Computes the hash of e (every field but e->hash) into out. PI_ERR_TOOBIG when a
 * field is over PI_AUDIT_MAX_FIELD. */
pi_status pi_audit_hash(const struct pi_audit_entry *e, unsigned char out[PI_AUDIT_HASH_LEN]);

/* Makes e the entry after prev: sets e->seq = prev ? prev->seq + 1 : 1,
 * e->prev_hash = prev ? prev->hash : zeros, and e->hash. */
pi_status pi_audit_chain(struct pi_audit_entry *e, const struct pi_audit_entry *prev);

/* Gives the next entry in storage order into *entry and returns PI_OK, or sets *done.
 * Strings in *entry must stay valid until the next call. Any other status stops the
 * walk and is returned by pi_audit_verify. */
typedef pi_status (*pi_audit_next_fn)(void *ctx, struct pi_audit_entry *entry, bool *done);

enum pi_audit_problem {
	PI_AUDIT_INTACT,
	PI_AUDIT_EDITED,
	PI_AUDIT_REMOVED,
	PI_AUDIT_REORDERED,
};

struct pi_audit_report {
	enum pi_audit_problem problem;
	uint64_t seq;      /* the entry concerned (first missing seq for REMOVED) */
	uint64_t entries;  /* entries read */
	uint64_t last_seq; /* seq of the last entry read */
	unsigned char last_hash[PI_AUDIT_HASH_LEN];
	char message[256];
};

/* Optional knowledge from outside the log (a published or previously seen tip): the
 * log must reach expect_last_seq, and the entry with that seq must have
 * expect_last_hash (when not NULL). Zero / NULL for none. */
struct pi_audit_expect {
	uint64_t last_seq;
	const unsigned char *last_hash;
};

/* Walks the log through next(ctx) and fills report. Returns PI_OK when the walk
 * completed (whatever it found: see report->problem), or the iterator's status. */
pi_status pi_audit_verify(pi_audit_next_fn next, void *ctx, const struct pi_audit_expect *expect,
        struct pi_audit_report *report);

/* "intact", "edited", "removed", "reordered". */
const char *pi_audit_problem_name(enum pi_audit_problem problem);

#endif
