/* audit.c - audit-log hash chain: hashing and verification (contract in audit.h).
 *
 * The verifier keeps O(1) state apart from a short list of seq gaps that are still
 * ambiguous (an entry missing here may turn up later, which makes it a reordering,
 * not a removal). It never holds the log in memory.
 */
#include "core/audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define DOMAIN "postisac-audit-v1"
#define MAX_GAPS 64

const char *pi_audit_problem_name(enum pi_audit_problem problem)
{
	switch (problem) {
	case PI_AUDIT_INTACT: return "intact";
	case PI_AUDIT_EDITED: return "edited";
	case PI_AUDIT_REMOVED: return "removed";
	case PI_AUDIT_REORDERED: return "reordered";
	}
	return "?";
}

static void put_u64(unsigned char out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static pi_status hash_text(crypto_hash_sha256_state *h, const char *s)
{
	unsigned char len[4];
	size_t n = s ? strlen(s) : 0;

	if (n > PI_AUDIT_MAX_FIELD)
		return PI_ERR_TOOBIG;
	len[0] = (unsigned char)(n >> 24);
	len[1] = (unsigned char)(n >> 16);
	len[2] = (unsigned char)(n >> 8);
	len[3] = (unsigned char)n;
	crypto_hash_sha256_update(h, len, sizeof(len));
	if (n)
		crypto_hash_sha256_update(h, (const unsigned char *)s, n);
	return PI_OK;
}

pi_status pi_audit_hash(const struct pi_audit_entry *e, unsigned char out[PI_AUDIT_HASH_LEN])
{
	crypto_hash_sha256_state h;
	unsigned char num[8];
	pi_status st;

	if (sodium_init() < 0)
		return PI_ERR_INTERNAL;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)DOMAIN, sizeof(DOMAIN)); /* with NUL */
	put_u64(num, e->seq);
	crypto_hash_sha256_update(&h, num, sizeof(num));
	put_u64(num, (uint64_t)e->at);
	crypto_hash_sha256_update(&h, num, sizeof(num));
	if ((st = hash_text(&h, e->actor)) != PI_OK || (st = hash_text(&h, e->action)) != PI_OK ||
	        (st = hash_text(&h, e->target)) != PI_OK ||
	        (st = hash_text(&h, e->detail)) != PI_OK)
		return st;
	crypto_hash_sha256_update(&h, e->prev_hash, PI_AUDIT_HASH_LEN);
	crypto_hash_sha256_final(&h, out);
	return PI_OK;
}

pi_status pi_audit_chain(struct pi_audit_entry *e, const struct pi_audit_entry *prev)
{
	e->seq = prev ? prev->seq + 1 : 1;
	if (prev)
		memcpy(e->prev_hash, prev->hash, PI_AUDIT_HASH_LEN);
	else
		memset(e->prev_hash, 0, PI_AUDIT_HASH_LEN);
	return pi_audit_hash(e, e->hash);
}

struct gap {
	uint64_t from, to; /* missing seqs [from, to) */
};

static void report(struct pi_audit_report *r, enum pi_audit_problem p, uint64_t seq,
        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(
        struct pi_audit_report *r, enum pi_audit_problem p, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	r->problem = p;
	r->seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

static void report_gap(struct pi_audit_report *r, const struct gap *g)
{
	if (g->to - g->from == 1)
		report(r, PI_AUDIT_REMOVED, g->from,
		        "entry %llu was removed (seq jumps from %llu to %llu)",
		        (unsigned long long)g->from, (unsigned long long)(g->from - 1),
		        (unsigned long long)g->to);
	else
		report(r, PI_AUDIT_REMOVED, g->from,
		        "entries %llu to %llu were removed (seq jumps from %llu to %llu)",
		        (unsigned long long)g->from, (unsigned long long)(g->to - 1),
		        (unsigned long long)(g->from - 1), (unsigned long long)g->to);
}

pi_status pi_audit_verify(pi_audit_next_fn next, void *ctx, const struct pi_audit_expect *expect,
        struct pi_audit_report *r)
{
	static const unsigned char zeros[PI_AUDIT_HASH_LEN];
	struct gap gaps[MAX_GAPS];
	size_t ngaps = 0;
	uint64_t expected = 1;
	bool have_prev = false;
	unsigned char prev_hash[PI_AUDIT_HASH_LEN];

	memset(r, 0, sizeof(*r));
	r->problem = PI_AUDIT_INTACT;
	for (;;) {
		struct pi_audit_entry e;
		unsigned char h[PI_AUDIT_HASH_LEN];
		bool done = false, after_gap = false;
		pi_status st;

		memset(&e, 0, sizeof(e));
		if ((st = next(ctx, &e, &done)) != PI_OK)
			return st;
		if (done)
			break;
		r->entries++;
		if (e.seq == 0) {
			report(r, PI_AUDIT_EDITED, 0, "an entry has seq 0 (seqs start at 1)");
			return PI_OK;
		}
		if (e.seq < expected) {
			for (size_t i = 0; i < ngaps; i++)
				if (e.seq >= gaps[i].from && e.seq < gaps[i].to) {
					report(r, PI_AUDIT_REORDERED, e.seq,
					        "entry %llu appears after entry %llu (entries were "
					        "reordered)",
					        (unsigned long long)e.seq,
					        (unsigned long long)r->last_seq);
					return PI_OK;
				}
			report(r, PI_AUDIT_REORDERED, e.seq,
			        "entry %llu appears again after entry %llu (reordered or "
			        "duplicated)",
			        (unsigned long long)e.seq, (unsigned long long)r->last_seq);
			return PI_OK;
		}
		if (e.seq > expected) {
			if (ngaps == MAX_GAPS) {
				report_gap(r, &gaps[0]);
				return PI_OK;
			}
			gaps[ngaps++] = (struct gap){expected, e.seq};
			after_gap = true;
		}
		if (pi_audit_hash(&e, h) != PI_OK || sodium_memcmp(h, e.hash, sizeof(h)) != 0) {
			report(r, PI_AUDIT_EDITED, e.seq,
			        "entry %llu was edited: its content does not match its hash",
			        (unsigned long long)e.seq);
			return PI_OK;
		}
		if (!have_prev && e.seq == 1 && sodium_memcmp(e.prev_hash, zeros, sizeof(zeros))) {
			report(r, PI_AUDIT_EDITED, 1,
			        "entry 1 was edited: the first entry must link to 32 zero bytes");
			return PI_OK;
		}
		if (have_prev && !after_gap &&
		        sodium_memcmp(e.prev_hash, prev_hash, sizeof(prev_hash)) != 0) {
			report(r, PI_AUDIT_EDITED, e.seq - 1,
			        "entry %llu does not link to entry %llu: entry %llu was rewritten "
			        "with "
			        "a new hash (or entry %llu's link was)",
			        (unsigned long long)e.seq, (unsigned long long)(e.seq - 1),
			        (unsigned long long)(e.seq - 1), (unsigned long long)e.seq);
			return PI_OK;
		}
		if (expect && expect->last_hash && e.seq == expect->last_seq &&
		        sodium_memcmp(e.hash, expect->last_hash, PI_AUDIT_HASH_LEN) != 0) {
			report(r, PI_AUDIT_EDITED, e.seq,
			        "entry %llu is not the entry recorded earlier (its hash differs "
			        "from the "
			        "known tip)",
			        (unsigned long long)e.seq);
			return PI_OK;
		}
		memcpy(prev_hash, e.hash, sizeof(prev_hash));
		memcpy(r->last_hash, e.hash, sizeof(r->last_hash));
		have_prev = true;
		r->last_seq = e.seq;
		expected = e.seq + 1;
	}
	if (ngaps) {
		report_gap(r, &gaps[0]);
		return PI_OK;
	}
	if (expect && expect->last_seq > r->last_seq) {
		report(r, PI_AUDIT_REMOVED, r->last_seq + 1,
		        "the log ends at entry %llu but entry %llu was recorded before (entries "
		        "from "
		        "%llu on were removed)",
		        (unsigned long long)r->last_seq, (unsigned long long)expect->last_seq,
		        (unsigned long long)(r->last_seq + 1));
		return PI_OK;
	}
	snprintf(r->message, sizeof(r->message), "%llu entries, chain intact",
	        (unsigned long long)r->entries);
	return PI_OK;
}
