/* Unit tests for the audit hash chain (core/audit.h): every kind of tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/audit.h"

#define N 10

static struct pi_audit_entry log_[N];
static char details[N][64];

/* Iterates over log_ in the order given by order[0..count). */
struct walk {
	const int *order;
	size_t count, pos;
	const struct pi_audit_entry *entries;
};

static pi_status next(void *ctx, struct pi_audit_entry *e, bool *done)
{
	struct walk *w = ctx;

	if (w->pos == w->count) {
		*done = true;
		return PI_OK;
	}
	*e = w->entries[w->order[w->pos++]];
	return PI_OK;
}

static void build(void)
{
	for (int i = 0; i < N; i++) {
		memset(&log_[i], 0, sizeof(log_[i]));
		snprintf(details[i], sizeof(details[i]), "{\"n\":%d}", i + 1);
		log_[i].at = INT64_C(1830000000000000) + i;
		log_[i].actor = "user:alice";
		log_[i].action = i % 2 ? "case.update" : "case.file_stage";
		log_[i].target = "case-42";
		log_[i].detail = details[i];
		assert_int_equal(pi_audit_chain(&log_[i], i ? &log_[i - 1] : NULL), PI_OK);
	}
}

static struct pi_audit_report run(
        const int *order, size_t count, const struct pi_audit_expect *expect)
{
	struct walk w = {order, count, 0, log_};
	struct pi_audit_report r;

	assert_int_equal(pi_audit_verify(next, &w, expect, &r), PI_OK);
	return r;
}

static const int in_order[N] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

static void intact_chain(void **state)
{
	struct pi_audit_report r;
	struct pi_audit_expect tip;

	(void)state;
	build();
	assert_int_equal(log_[0].seq, 1);
	assert_int_equal(log_[9].seq, 10);
	assert_memory_equal(log_[5].prev_hash, log_[4].hash, PI_AUDIT_HASH_LEN);
	r = run(in_order, N, NULL);
	assert_int_equal(r.problem, PI_AUDIT_INTACT);
	assert_int_equal(r.entries, 10);
	assert_int_equal(r.last_seq, 10);
	assert_memory_equal(r.last_hash, log_[9].hash, PI_AUDIT_HASH_LEN);
	assert_string_equal(r.message, "10 entries, chain intact");
	tip.last_seq = 10;
	tip.last_hash = log_[9].hash;
	assert_int_equal(run(in_order, N, &tip).problem, PI_AUDIT_INTACT);
	r = run(in_order, 0, NULL);
	assert_int_equal(r.problem, PI_AUDIT_INTACT);
	assert_int_equal(r.entries, 0);
}

static void hash_covers_every_field(void **state)
{
	unsigned char h[PI_AUDIT_HASH_LEN];
	struct pi_audit_entry e;

	(void)state;
	build();
	e = log_[3];
	assert_int_equal(pi_audit_hash(&e, h), PI_OK);
	assert_memory_equal(h, e.hash, sizeof(h));
	e.at++;
	assert_int_equal(pi_audit_hash(&e, h), PI_OK);
	assert_memory_not_equal(h, e.hash, sizeof(h));
	e = log_[3];
	e.actor = "user:mallory";
	pi_audit_hash(&e, h);
	assert_memory_not_equal(h, e.hash, sizeof(h));
	e = log_[3];
	e.prev_hash[31] ^= 1;
	pi_audit_hash(&e, h);
	assert_memory_not_equal(h, e.hash, sizeof(h));
	/* field boundaries are unambiguous: moving a character between fields changes the hash */
	e = log_[3];
	e.actor = "user:alicec";
	e.action = "ase.update";
	pi_audit_hash(&e, h);
	assert_memory_not_equal(h, e.hash, sizeof(h));
}

static void detects_an_edited_entry(void **state)
{
	struct pi_audit_report r;

	(void)state;
	build();
	log_[4].detail = "{\"n\":500}";
	r = run(in_order, N, NULL);
	assert_int_equal(r.problem, PI_AUDIT_EDITED);
	assert_int_equal(r.seq, 5);
	assert_string_equal(r.message, "entry 5 was edited: its content does not match its hash");
	assert_string_equal(pi_audit_problem_name(r.problem), "edited");
	assert_int_equal(r.last_seq, 4);
}

static void detects_an_edit_with_recomputed_hash(void **state)
{
	struct pi_audit_report r;

	(void)state;
	build();
	log_[4].detail = "{\"n\":500}";
	assert_int_equal(pi_audit_hash(&log_[4], log_[4].hash), PI_OK);
	r = run(in_order, N, NULL);
	assert_int_equal(r.problem, PI_AUDIT_EDITED);
	assert_int_equal(r.seq, 5);
	assert_non_null(strstr(r.message, "entry 6 does not link to entry 5"));

	/* rewriting the last entry is only visible against a known tip */
	build();
	log_[9].actor = "user:mallory";
	pi_audit_hash(&log_[9], log_[9].hash);
	assert_int_equal(run(in_order, N, NULL).problem, PI_AUDIT_INTACT);
	{
		unsigned char known[PI_AUDIT_HASH_LEN];
		struct pi_audit_expect tip = {10, known};

		build();
		memcpy(known, log_[9].hash, sizeof(known));
		log_[9].actor = "user:mallory";
		pi_audit_hash(&log_[9], log_[9].hash);
		r = run(in_order, N, &tip);
		assert_int_equal(r.problem, PI_AUDIT_EDITED);
		assert_int_equal(r.seq, 10);
	}
}

static void detects_a_removed_entry(void **state)
{
	static const int without_5[] = {0, 1, 2, 3, 5, 6, 7, 8, 9};
	static const int without_4_to_6[] = {0, 1, 2, 6, 7, 8, 9};
	static const int without_1[] = {1, 2, 3};
	struct pi_audit_expect tip = {10, NULL};
	struct pi_audit_report r;

	(void)state;
	build();
	r = run(without_5, 9, NULL);
	assert_int_equal(r.problem, PI_AUDIT_REMOVED);
	assert_int_equal(r.seq, 5);
	assert_string_equal(r.message, "entry 5 was removed (seq jumps from 4 to 6)");
	assert_string_equal(pi_audit_problem_name(r.problem), "removed");
	r = run(without_4_to_6, 7, NULL);
	assert_int_equal(r.problem, PI_AUDIT_REMOVED);
	assert_int_equal(r.seq, 4);
	assert_string_equal(r.message, "entries 4 to 6 were removed (seq jumps from 3 to 7)");
	r = run(without_1, 3, NULL);
	assert_int_equal(r.problem, PI_AUDIT_REMOVED);
	assert_int_equal(r.seq, 1);
	/* the last entries: only visible against a known tip */
	assert_int_equal(run(in_order, 8, NULL).problem, PI_AUDIT_INTACT);
	r = run(in_order, 8, &tip);
	assert_int_equal(r.problem, PI_AUDIT_REMOVED);
	assert_int_equal(r.seq, 9);

	/* removed and the later seqs renumbered to hide the gap: hashes no longer match */
	build();
	for (int i = 5; i < N; i++)
		log_[i].seq--;
	r = run(without_5, 9, NULL);
	assert_int_equal(r.problem, PI_AUDIT_EDITED);
	assert_int_equal(r.seq, 5);
}

static void detects_reordered_entries(void **state)
{
	static const int swapped[] = {0, 1, 3, 2, 4, 5, 6, 7, 8, 9};
	static const int moved_late[] = {0, 1, 3, 4, 5, 2, 6, 7, 8, 9};
	static const int duplicated[] = {0, 1, 2, 2, 3};
	struct pi_audit_report r;

	(void)state;
	build();
	r = run(swapped, N, NULL);
	assert_int_equal(r.problem, PI_AUDIT_REORDERED);
	assert_int_equal(r.seq, 3);
	assert_string_equal(r.message, "entry 3 appears after entry 4 (entries were reordered)");
	assert_string_equal(pi_audit_problem_name(r.problem), "reordered");
	r = run(moved_late, N, NULL);
	assert_int_equal(r.problem, PI_AUDIT_REORDERED);
	assert_int_equal(r.seq, 3);
	r = run(duplicated, 5, NULL);
	assert_int_equal(r.problem, PI_AUDIT_REORDERED);
	assert_int_equal(r.seq, 3);

	/* swapped and renumbered: each entry's hash covers its seq */
	build();
	{
		struct pi_audit_entry tmp = log_[2];

		log_[2] = log_[3];
		log_[3] = tmp;
		log_[2].seq = 3;
		log_[3].seq = 4;
	}
	r = run(in_order, N, NULL);
	assert_int_equal(r.problem, PI_AUDIT_EDITED);
	assert_int_equal(r.seq, 3);
}

static void first_entry_links_to_zero(void **state)
{
	struct pi_audit_report r;

	(void)state;
	build();
	log_[0].prev_hash[0] = 1;
	pi_audit_hash(&log_[0], log_[0].hash);
	r = run(in_order, 1, NULL);
	assert_int_equal(r.problem, PI_AUDIT_EDITED);
	assert_int_equal(r.seq, 1);
}

static pi_status failing_next(void *ctx, struct pi_audit_entry *e, bool *done)
{
	(void)ctx;
	(void)e;
	(void)done;
	return PI_ERR_IO;
}

static void iterator_errors_are_returned(void **state)
{
	struct pi_audit_report r;

	(void)state;
	assert_int_equal(pi_audit_verify(failing_next, NULL, NULL, &r), PI_ERR_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(intact_chain),
	        cmocka_unit_test(hash_covers_every_field),
	        cmocka_unit_test(detects_an_edited_entry),
	        cmocka_unit_test(detects_an_edit_with_recomputed_hash),
	        cmocka_unit_test(detects_a_removed_entry),
	        cmocka_unit_test(detects_reordered_entries),
	        cmocka_unit_test(first_entry_links_to_zero),
	        cmocka_unit_test(iterator_errors_are_returned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
