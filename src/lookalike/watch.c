/* watch.c - scores domain names against a set of protected brands.
 *
 * Built once from the brands file, then read-only: pi_watcher_check may be called for every
 * name of a feed. The per-name work on the ASCII path is a few table probes and no
 * allocation:
 *
 *   1. normalise (lower-case, no trailing dot, no "*." prefix) and split into labels;
 *   2. legitimate? probe the name's suffixes (as many labels as the longest legitimate domain)
 *      in the legit table: a brand domain or a subdomain of one is never flagged;
 *   3. skeleton of the whole name (table fold; ICU only for non-ASCII or xn-- names);
 *   4. the registrable label R (the label before the public suffix; "co.uk"-style two-label
 *      suffixes are recognised) and, when there are subdomains, all non-suffix labels joined:
 *      exact probe in the brand skeleton table, then the deletion-neighbourhood probes (the
 *      candidate with at most one character deleted against each brand skeleton with at most
 *      two deleted, behind a 2^20-bit filter); only a probe that hits runs the weighted edit
 *      distance, with an early cut at the brand's budget;
 *   5. brand tokens inside each non-suffix label, found through a bitmap of first 3-grams: a
 *      label that is only the token, left of an unrelated domain, is "brand-subdomain"; a
 *      label that is the token plus nothing but postal words (and digits) is "combosquat".
 *
 * Edit costs are in half units: keyboard neighbours (qwerty, qwertz, azerty), visual pairs
 * (b/d, c/e, n/r, g/q, i/l/j, u/v, 3/8, 6/9) and vowel swaps cost 1, a transposition 1,
 * inserting a hyphen, a repeated letter, a keyboard neighbour of the next letter or one
 * character at the end 1,
 * deleting one of a double letter 1, anything else 2. A brand's budget grows with its
 * skeleton length: <= 4: 1, 5-6: 2, 7-9: 3, >= 10: 4 half units, when the name is under the
 * brand's own suffix; under another suffix, brands of up to 5 characters get no edit budget
 * (dictionary words sit one typo from "post" or "dhl") and longer ones one half unit less.
 *
 * Caps: PI_LOOKALIKE_MAX_BRANDS brands, tokens of 3..63 bytes, names of PI_LOOKALIKE_MAX_NAME
 * bytes (longer names are not host names and are skipped), 127 labels.
 */
#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookalike/lookalike.h"

#define MAX_LABELS 127
#define MAX_CAND 160 /* longest candidate skeleton compared by edit distance */
#define DEL_BITS_LOG2 20
#define TOK_BITS_LOG2 16
#define BRANDS_FILE_MAX (16u << 20)

struct brand {
	char *domain; /* protected domain, lower-case ASCII */
	char *label;  /* its registrable label */
	char *suffix; /* its public suffix ("com", "co.uk") */
	char *skel;   /* skeleton of the label */
	size_t skel_len;
	int budget; /* half units */
};

struct token {
	char *raw;
	char *skel;
	size_t len;
	size_t brand;
	int is_label; /* the brand's own registrable label */
};

struct hentry {
	uint64_t hash;
	uint32_t value;
	uint32_t used;
};

/* A multimap from 64-bit hashes to 32-bit values, open addressing. */
struct htab {
	struct hentry *slots;
	size_t mask;
	size_t count;
};

struct pi_watcher {
	struct brand *brands;
	size_t nbrands;
	struct token *tokens;
	size_t ntokens;
	struct htab legit; /* hash(domain) -> index into legit_names */
	char **legit_names;
	size_t nlegit;
	size_t legit_max_labels;
	struct htab exact; /* hash(label skeleton) -> brand */
	struct htab dels;  /* hash(skeleton minus <= 2 characters) -> brand */
	uint64_t *del_bits;
	struct htab tok3; /* first three bytes -> token */
	uint64_t tok_bits[(1u << TOK_BITS_LOG2) / 64];
	struct htab words; /* skeletons of postal words -> index into word_names */
	char **word_names;
	size_t nwords;
	size_t max_word;
	uint8_t sub_cost[128][128];
	uint8_t kb_near[128][128];
	double threshold;
};

/* ---- hashing and tables ---- */

#define POLY 0x9e3779b97f4a7c15ull

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 32;
	return h;
}

static uint64_t poly_raw(const char *s, size_t len)
{
	uint64_t h = 0;

	for (size_t i = 0; i < len; i++)
		h = h * POLY + (unsigned char)s[i];
	return h;
}

static uint64_t poly_final(uint64_t raw, size_t len)
{
	return mix64(raw ^ ((uint64_t)len << 56) ^ 0x5bd1e995u);
}

static uint64_t str_hash(const char *s, size_t len)
{
	return poly_final(poly_raw(s, len), len);
}

static void htab_free(struct htab *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static pi_status htab_put(struct htab *t, uint64_t hash, uint32_t value)
{
	size_t j;

	if (!t->slots || (t->count + 1) * 2 > t->mask + 1) {
		size_t n = t->slots ? (t->mask + 1) * 2 : 256;
		struct hentry *slots = calloc(n, sizeof(*slots));
		if (!slots)
			return PI_ERR_NOMEM;
		for (size_t i = 0; t->slots && i <= t->mask; i++) {
			if (!t->slots[i].used)
				continue;
			j = (size_t)t->slots[i].hash & (n - 1);
			while (slots[j].used)
				j = (j + 1) & (n - 1);
			slots[j] = t->slots[i];
		}
		free(t->slots);
		t->slots = slots;
		t->mask = n - 1;
	}
	j = (size_t)hash & t->mask;
	while (t->slots[j].used) {
		if (t->slots[j].hash == hash && t->slots[j].value == value)
			return PI_OK; /* already there */
		j = (j + 1) & t->mask;
	}
	t->slots[j].hash = hash;
	t->slots[j].value = value;
	t->slots[j].used = 1;
	t->count++;
	return PI_OK;
}

/* Iterates the values stored under hash: start with *pos = SIZE_MAX; returns 0 at the end. */
static int htab_next(const struct htab *t, uint64_t hash, size_t *pos, uint32_t *value)
{
	size_t j;

	if (!t->slots)
		return 0;
	j = *pos == SIZE_MAX ? (size_t)hash & t->mask : (*pos + 1) & t->mask;
	for (; t->slots[j].used; j = (j + 1) & t->mask) {
		if (t->slots[j].hash == hash) {
			*pos = j;
			*value = t->slots[j].value;
			return 1;
		}
	}
	return 0;
}

/* ---- cost tables ---- */

static const char *const kb_rows[] = {
        /* qwerty */
        "1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm",
        /* qwertz */
        "1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm",
        /* azerty */
        "1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"};

static void set_near(uint8_t t[128][128], int a, int b, uint8_t v)
{
	if (a < 128 && b < 128 && a != b) {
		if (t[a][b] > v)
			t[a][b] = v;
		if (t[b][a] > v)
			t[b][a] = v;
	}
}

static void build_costs(pi_watcher *w)
{
	static const char *const visual[] = {"bd", "ce", "nr", "gq", "il", "ij", "lj", "uv", "38",
	        "69", "ol", "5s", "2z", "vy", "hn", "oa"};
	static const char vowels[] = "aeiouy";

	memset(w->sub_cost, 2, sizeof(w->sub_cost));
	memset(w->kb_near, 0, sizeof(w->kb_near));
	for (int c = 0; c < 128; c++)
		w->sub_cost[c][c] = 0;
	/* Neighbours on the same row and the rows above and below (offset -1..+1). */
	for (size_t layout = 0; layout < 3; layout++) {
		const char *const *rows = kb_rows + layout * 4;
		for (int r = 0; r < 4; r++) {
			int len = (int)strlen(rows[r]);
			for (int i = 0; i < len; i++) {
				int a = (unsigned char)rows[r][i];
				if (i + 1 < len) {
					int b = (unsigned char)rows[r][i + 1];
					set_near(w->sub_cost, a, b, 1);
					w->kb_near[a][b] = w->kb_near[b][a] = 1;
				}
				for (int dr = -1; dr <= 1; dr += 2) {
					int rr = r + dr;
					if (rr < 0 || rr > 3)
						continue;
					int rl = (int)strlen(rows[rr]);
					for (int k = i - 1; k <= i + 1; k++) {
						if (k < 0 || k >= rl)
							continue;
						int b = (unsigned char)rows[rr][k];
						set_near(w->sub_cost, a, b, 1);
						w->kb_near[a][b] = w->kb_near[b][a] = 1;
					}
				}
			}
		}
	}
	for (size_t i = 0; i < sizeof(visual) / sizeof(visual[0]); i++)
		set_near(w->sub_cost, visual[i][0], visual[i][1], 1);
	for (const char *a = vowels; *a; a++)
		for (const char *b = vowels; *b; b++)
			set_near(w->sub_cost, *a, *b, 1);
}

static int sub_cost(const pi_watcher *w, unsigned char a, unsigned char b)
{
	if (a == b)
		return 0;
	if (a >= 128 || b >= 128)
		return 2;
	return w->sub_cost[a][b];
}

static int kb_near(const pi_watcher *w, unsigned char a, unsigned char b)
{
	return a < 128 && b < 128 && w->kb_near[a][b];
}

/* Weighted optimal-string-alignment distance of candidate a against brand b in half units,
 * or limit + 1 as soon as it must exceed limit. */
static int weighted_distance(
        const pi_watcher *w, const char *a, size_t m, const char *b, size_t n, int limit)
{
	int rows[3][MAX_CAND + 1];
	int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (m > MAX_CAND || n > MAX_CAND)
		return limit + 1;
	prev[0] = 0;
	for (size_t j = 1; j <= n; j++) {
		unsigned char c = (unsigned char)b[j - 1];
		int dc = (c == '-' || (j > 1 && b[j - 2] == (char)c) || (j < n && b[j] == (char)c))
		                 ? 1
		                 : 2;
		prev[j] = prev[j - 1] + dc;
	}
	for (size_t i = 1; i <= m; i++) {
		unsigned char x = (unsigned char)a[i - 1];
		int row_min;
		/* Cost of a's extra character x before brand position j. */
		int rep = x == '-' || (i > 1 && (unsigned char)a[i - 2] == x) ||
		          (i < m && (unsigned char)a[i] == x);
		cur[0] = prev[0] + ((rep || (n && kb_near(w, x, (unsigned char)b[0]))) ? 1 : 2);
		row_min = cur[0];
		for (size_t j = 1; j <= n; j++) {
			unsigned char y = (unsigned char)b[j - 1];
			int ins = (rep || kb_near(w, x, y) ||
			                  (j < n && kb_near(w, x, (unsigned char)b[j])) ||
			                  (i == m && j == n))
			                  ? 1
			                  : 2;
			int del = (y == '-' || (j > 1 && (unsigned char)b[j - 2] == y) ||
			                  (j < n && (unsigned char)b[j] == y))
			                  ? 1
			                  : 2;
			int best = prev[j] + ins;
			int v = cur[j - 1] + del;
			if (v < best)
				best = v;
			v = prev[j - 1] + sub_cost(w, x, y);
			if (v < best)
				best = v;
			if (i > 1 && j > 1 && x == (unsigned char)b[j - 2] &&
			        (unsigned char)a[i - 2] == y) {
				v = prev2[j - 2] + 1;
				if (v < best)
					best = v;
			}
			cur[j] = best;
			if (best < row_min)
				row_min = best;
		}
		if (row_min > limit)
			return limit + 1;
		int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[n] > limit ? limit + 1 : prev[n];
}

/* ---- building ---- */

static const char *const suffix_seconds[] = {"co", "com", "org", "net", "gov", "edu", "ac", "ne",
        "or", "go", "gob", "nic", "mil", "gv", "nom", "info", "biz", "ltd", "plc", "sch", "in"};

static int is_suffix_second(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(suffix_seconds) / sizeof(suffix_seconds[0]); i++)
		if (strlen(suffix_seconds[i]) == len && memcmp(suffix_seconds[i], s, len) == 0)
			return 1;
	return 0;
}

struct labels {
	const char *p[MAX_LABELS];
	size_t len[MAX_LABELS];
	size_t n;
};

/* Splits s[0..len) at dots; 0 if a label is empty or there are too many. */
static int split_labels(const char *s, size_t len, struct labels *out)
{
	size_t start = 0;

	out->n = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start || out->n == MAX_LABELS)
			return 0;
		out->p[out->n] = s + start;
		out->len[out->n] = i - start;
		out->n++;
		start = i + 1;
	}
	return 1;
}

/* Number of labels in the public suffix of a name with these labels (1 or 2). */
static size_t suffix_labels(const struct labels *l)
{
	if (l->n >= 3 && is_suffix_second(l->p[l->n - 2], l->len[l->n - 2]))
		return 2;
	return 1;
}

static int budget_for(size_t skel_len)
{
	if (skel_len <= 4)
		return 1;
	if (skel_len <= 6)
		return 2;
	if (skel_len <= 9)
		return 3;
	return 4;
}

static pi_status add_deletions(pi_watcher *w, const char *s, size_t n, uint32_t brand)
{
	char buf[MAX_CAND];
	pi_status st;

	if (n > MAX_CAND)
		return PI_OK;
	st = htab_put(&w->dels, str_hash(s, n), brand);
	for (size_t i = 0; i < n && st == PI_OK; i++) {
		memcpy(buf, s, i);
		memcpy(buf + i, s + i + 1, n - i - 1);
		st = htab_put(&w->dels, str_hash(buf, n - 1), brand);
		for (size_t j = i; j + 1 < n && st == PI_OK; j++) {
			char buf2[MAX_CAND];
			memcpy(buf2, buf, j);
			memcpy(buf2 + j, buf + j + 1, n - 2 - j);
			st = htab_put(&w->dels, str_hash(buf2, n - 2), brand);
		}
	}
	return st;
}

static uint32_t tok_key(const char *s)
{
	return ((uint32_t)(unsigned char)s[0] << 16) | ((uint32_t)(unsigned char)s[1] << 8) |
	       (uint32_t)(unsigned char)s[2];
}

static uint32_t tok_bit(uint32_t key)
{
	return (uint32_t)(mix64(key) >> (64 - TOK_BITS_LOG2));
}

static pi_status add_token(
        pi_watcher *w, size_t brand, const char *raw, size_t raw_len, int is_label)
{
	char skel[2 * 64 + 1];
	size_t len;
	struct token *nt;

	if (raw_len < 3 || raw_len > 63)
		return PI_OK;
	len = pi_skeleton_ascii(raw, raw_len, skel);
	for (size_t i = 0; i < w->ntokens; i++)
		if (w->tokens[i].brand == brand && w->tokens[i].len == len &&
		        memcmp(w->tokens[i].skel, skel, len) == 0)
			return PI_OK;
	nt = realloc(w->tokens, (w->ntokens + 1) * sizeof(*nt));
	if (!nt)
		return PI_ERR_NOMEM;
	w->tokens = nt;
	nt[w->ntokens].skel = strndup(skel, len);
	nt[w->ntokens].raw = strndup(raw, raw_len);
	if (!nt[w->ntokens].skel || !nt[w->ntokens].raw) {
		free(nt[w->ntokens].skel);
		free(nt[w->ntokens].raw);
		return PI_ERR_NOMEM;
	}
	nt[w->ntokens].len = len;
	nt[w->ntokens].brand = brand;
	nt[w->ntokens].is_label = is_label;
	uint32_t key = tok_key(skel);
	uint32_t bit = tok_bit(key);
	w->tok_bits[bit / 64] |= 1ull << (bit % 64);
	w->ntokens++;
	return htab_put(&w->tok3, key, (uint32_t)(w->ntokens - 1));
}

static pi_status add_word(pi_watcher *w, const char *word)
{
	char skel[2 * 64 + 1];
	size_t len = strlen(word);

	if (len == 0 || len > 63)
		return PI_OK;
	char **nw = realloc(w->word_names, (w->nwords + 1) * sizeof(*nw));
	if (!nw)
		return PI_ERR_NOMEM;
	w->word_names = nw;
	nw[w->nwords] = strdup(word);
	if (!nw[w->nwords])
		return PI_ERR_NOMEM;
	w->nwords++;
	len = pi_skeleton_ascii(word, len, skel);
	if (len > w->max_word)
		w->max_word = len;
	return htab_put(&w->words, str_hash(skel, len), (uint32_t)(w->nwords - 1));
}

static pi_status add_legit(pi_watcher *w, const char *name, size_t len)
{
	char **nl = realloc(w->legit_names, (w->nlegit + 1) * sizeof(*nl));

	if (!nl)
		return PI_ERR_NOMEM;
	w->legit_names = nl;
	nl[w->nlegit] = strndup(name, len);
	if (!nl[w->nlegit])
		return PI_ERR_NOMEM;
	w->nlegit++;
	return htab_put(&w->legit, str_hash(name, len), (uint32_t)(w->nlegit - 1));
}

static int is_hostname_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* Parses one brands-file line (already lower-cased, comments removed). */
static pi_status add_brand_line(pi_watcher *w, char *line, size_t lineno, struct pi_error *err)
{
	char *save = NULL, *field;
	struct brand *b;
	struct labels l;
	size_t idx = w->nbrands, sfx, nlabels;
	pi_status st;

	field = strtok_r(line, " \t,", &save);
	if (!field)
		return PI_OK;
	if (w->nbrands >= PI_LOOKALIKE_MAX_BRANDS)
		return pi_error_set(err, PI_ERR_TOOBIG, "line %zu: more than %u brands", lineno,
		        PI_LOOKALIKE_MAX_BRANDS);
	size_t flen = strlen(field);
	if (flen && field[flen - 1] == '.')
		field[--flen] = '\0';
	if (!is_hostname_text(field, flen) || !pi_lookalike_valid_fqdn(field, flen) ||
	        !split_labels(field, flen, &l))
		return pi_error_set(err, PI_ERR_INVALID,
		        "line %zu: '%.100s' is not a domain name (write 'DOMAIN [TOKEN...]', e.g. "
		        "'usps.com usps')",
		        lineno, field);
	sfx = suffix_labels(&l);
	if (l.n <= sfx || (l.n == 2 && is_suffix_second(l.p[0], l.len[0])))
		return pi_error_set(err, PI_ERR_INVALID,
		        "line %zu: '%.100s' is a public suffix, not a brand domain", lineno, field);
	b = realloc(w->brands, (w->nbrands + 1) * sizeof(*b));
	if (!b)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	w->brands = b;
	b = &w->brands[idx];
	memset(b, 0, sizeof(*b));
	w->nbrands++;
	nlabels = l.n;
	const char *lab = l.p[l.n - sfx - 1];
	size_t lab_len = l.len[l.n - sfx - 1];
	char skel[2 * 64 + 1];
	b->domain = strndup(field, flen);
	b->label = strndup(lab, lab_len);
	b->suffix = strdup(l.p[l.n - sfx]);
	b->skel_len = pi_skeleton_ascii(lab, lab_len, skel);
	b->skel = strndup(skel, b->skel_len);
	if (!b->domain || !b->label || !b->suffix || !b->skel)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	size_t core = 0;
	for (size_t i = 0; i < b->skel_len; i++)
		core += b->skel[i] != '-';
	b->budget = budget_for(core);
	if ((st = add_legit(w, field, flen)) != PI_OK ||
	        (st = htab_put(&w->exact, str_hash(b->skel, b->skel_len), (uint32_t)idx)) !=
	                PI_OK ||
	        (st = add_deletions(w, b->skel, b->skel_len, (uint32_t)idx)) != PI_OK ||
	        (st = add_token(w, idx, lab, lab_len, 1)) != PI_OK ||
	        (st = add_word(w, b->suffix)) != PI_OK)
		return pi_error_set(err, st, "out of memory");
	if (nlabels > w->legit_max_labels)
		w->legit_max_labels = nlabels;
	/* The label without hyphens is a token too (royal-mail -> royalmail). */
	if (strchr(b->label, '-')) {
		char flat[64];
		size_t k = 0;
		for (size_t i = 0; i < lab_len; i++)
			if (lab[i] != '-')
				flat[k++] = lab[i];
		if ((st = add_token(w, idx, flat, k, 0)) != PI_OK)
			return pi_error_set(err, st, "out of memory");
	}
	while ((field = strtok_r(NULL, " \t,", &save)) != NULL) {
		flen = strlen(field);
		if (!is_hostname_text(field, flen))
			return pi_error_set(err, PI_ERR_INVALID,
			        "line %zu: token '%.100s' may hold only a-z, 0-9, '-' and '.'",
			        lineno, field);
		if (strchr(field, '.')) {
			struct labels tl;
			if (!pi_lookalike_valid_fqdn(field, flen) ||
			        !split_labels(field, flen, &tl))
				return pi_error_set(err, PI_ERR_INVALID,
				        "line %zu: '%.100s' is not a domain name", lineno, field);
			if (tl.n > w->legit_max_labels)
				w->legit_max_labels = tl.n;
			if ((st = add_legit(w, field, flen)) != PI_OK)
				return pi_error_set(err, st, "out of memory");
			continue;
		}
		if (flen < 3 || flen > 63)
			return pi_error_set(err, PI_ERR_INVALID,
			        "line %zu: token '%.100s' must have 3 to 63 characters", lineno,
			        field);
		if ((st = add_token(w, idx, field, flen, 0)) != PI_OK)
			return pi_error_set(err, st, "out of memory");
	}
	return PI_OK;
}

void pi_watcher_free(pi_watcher *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nbrands; i++) {
		free(w->brands[i].domain);
		free(w->brands[i].label);
		free(w->brands[i].suffix);
		free(w->brands[i].skel);
	}
	for (size_t i = 0; i < w->ntokens; i++) {
		free(w->tokens[i].skel);
		free(w->tokens[i].raw);
	}
	for (size_t i = 0; i < w->nlegit; i++)
		free(w->legit_names[i]);
	for (size_t i = 0; i < w->nwords; i++)
		free(w->word_names[i]);
	free(w->legit_names);
	free(w->word_names);
	free(w->brands);
	free(w->tokens);
	htab_free(&w->legit);
	htab_free(&w->exact);
	htab_free(&w->dels);
	htab_free(&w->tok3);
	htab_free(&w->words);
	free(w->del_bits);
	free(w);
}

pi_status pi_watcher_new(const char *text, size_t len, pi_watcher **out, struct pi_error *err)
{
	static const char *const extra_words[] = {"com", "net", "org", "www", "my", "us", "uk",
	        "eu", "id", "app", "web", "center", "centre", "office", "portal", "alert",
	        "official", "confirm", "claim", "pending", "resend", "reschedule", "address",
	        "ship", "shipment", "sms", "txt", "care", "co", "es",
	        /* the same words in the languages of the postal sector's customers */
	        "colis", "suivi", "livraison", "paquet", "douane", "envoi", "sendung", "paket",
	        "zustellung", "zoll", "envio", "paquete", "aduana", "entrega", "spedizione",
	        "pacco", "consegna", "dogana", "pakke", "pakket", "zending", "bezorging",
	        "przesylka", "encomenda", "rastreio", "correio"};
	pi_watcher *w = NULL;
	char line[4096];
	size_t lineno = 0, n_postal = 0;
	const char *const *postal = pi_lookalike_postal_words(&n_postal);
	pi_status st = PI_OK;

	*out = NULL;
	if (len > BRANDS_FILE_MAX)
		return pi_error_set(
		        err, PI_ERR_TOOBIG, "the brands file is over %u bytes", BRANDS_FILE_MAX);
	w = calloc(1, sizeof(*w));
	if (!w || !(w->del_bits = calloc((1u << DEL_BITS_LOG2) / 64, sizeof(uint64_t)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	w->threshold = 0.5;
	build_costs(w);
	for (size_t i = 0; i < n_postal; i++)
		if ((st = add_word(w, postal[i])) != PI_OK)
			goto nomem;
	for (size_t i = 0; i < sizeof(extra_words) / sizeof(extra_words[0]); i++)
		if ((st = add_word(w, extra_words[i])) != PI_OK)
			goto nomem;
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		if (end - pos >= sizeof(line)) {
			st = pi_error_set(err, PI_ERR_TOOBIG, "line %zu: longer than %zu bytes",
			        lineno, sizeof(line) - 1);
			goto out;
		}
		size_t k = 0;
		for (size_t i = pos; i < end; i++) {
			if (text[i] == '#')
				break;
			if (text[i] == '\0') {
				st = pi_error_set(
				        err, PI_ERR_INVALID, "line %zu: NUL byte", lineno);
				goto out;
			}
			line[k++] = (char)tolower((unsigned char)text[i]);
		}
		while (k && (line[k - 1] == '\r' || line[k - 1] == ' ' || line[k - 1] == '\t'))
			k--;
		line[k] = '\0';
		st = add_brand_line(w, line, lineno, err);
		if (st != PI_OK)
			goto out;
		pos = end + 1;
	}
	/* Filter bits for every stored deletion hash. */
	for (size_t i = 0; w->dels.slots && i <= w->dels.mask; i++)
		if (w->dels.slots[i].used) {
			uint64_t b = w->dels.slots[i].hash >> (64 - DEL_BITS_LOG2);
			w->del_bits[b / 64] |= 1ull << (b % 64);
		}
	if (w->nbrands == 0) {
		st = pi_error_set(err, PI_ERR_INVALID,
		        "no brands: write one 'DOMAIN [TOKEN...]' a line, e.g. 'usps.com usps'");
		goto out;
	}
	*out = w;
	w = NULL;
	goto out;
nomem:
	st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
out:
	pi_watcher_free(w);
	return st;
}

pi_status pi_watcher_load(const char *path, pi_watcher **out, struct pi_error *err)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, n;
	pi_status st;

	*out = NULL;
	if (!f)
		return pi_error_set(
		        err, PI_ERR_IO, "cannot open brands file %s: %s", path, strerror(errno));
	text = malloc(BRANDS_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	while ((n = fread(text + len, 1, BRANDS_FILE_MAX + 1 - len, f)) > 0)
		len += n;
	if (ferror(f))
		st = pi_error_set(err, PI_ERR_IO, "cannot read brands file %s", path);
	else if (len > BRANDS_FILE_MAX)
		st = pi_error_set(err, PI_ERR_TOOBIG, "brands file %s is over %u bytes", path,
		        BRANDS_FILE_MAX);
	else
		st = pi_watcher_new(text, len, out, err);
	if (st != PI_OK && err)
		pi_error_prefix(err, "%s", path);
	free(text);
	fclose(f);
	return st;
}

void pi_watcher_set_threshold(pi_watcher *w, double threshold)
{
	w->threshold = threshold;
}

size_t pi_watcher_brand_count(const pi_watcher *w)
{
	return w->nbrands;
}

const char *pi_watcher_brand_domain(const pi_watcher *w, size_t i)
{
	return i < w->nbrands ? w->brands[i].domain : NULL;
}

/* ---- checking ---- */

struct verdict {
	struct pi_watch_hit best;
	int found;
};

static void consider(struct verdict *v, size_t brand, double score, unsigned reason,
        double distance, const char *word, size_t word_len)
{
	if (v->found && v->best.brand == brand) {
		v->best.reasons |= reason;
		if (score > v->best.score)
			v->best.score = score;
	} else if (!v->found || score > v->best.score) {
		memset(&v->best, 0, sizeof(v->best));
		v->best.brand = brand;
		v->best.score = score;
		v->best.reasons = reason;
		v->found = 1;
	} else {
		return;
	}
	if (reason == PI_REASON_EDIT_DISTANCE)
		v->best.distance = distance;
	if (word && !v->best.word[0]) {
		size_t n =
		        word_len < sizeof(v->best.word) - 1 ? word_len : sizeof(v->best.word) - 1;
		memcpy(v->best.word, word, n);
		v->best.word[n] = '\0';
	}
}

/* The index of the postal word whose skeleton is s[0..len), or -1. */
static long word_index(const pi_watcher *w, const char *s, size_t len)
{
	size_t pos = SIZE_MAX;
	uint32_t v;
	char skel[2 * 64 + 1];

	while (htab_next(&w->words, str_hash(s, len), &pos, &v)) {
		const char *word = w->word_names[v];
		size_t wl = pi_skeleton_ascii(word, strlen(word), skel);
		if (wl == len && memcmp(skel, s, len) == 0)
			return (long)v;
	}
	return -1;
}

/* Can s[0..len) be cut into postal words, digits and hyphens? raw, if not NULL, is the
 * same text before skeleton folding, position for position. *first gets the first word
 * found (for the reason text), or NULL. */
static int words_only(
        const pi_watcher *w, const char *s, const char *raw, size_t len, const char **first)
{
	uint8_t ok[MAX_CAND + 1];
	size_t from[MAX_CAND + 1];
	long word_of[MAX_CAND + 1];

	if (len > MAX_CAND)
		return 0;
	memset(ok, 0, sizeof(ok));
	ok[0] = 1;
	for (size_t i = 0; i < len; i++) {
		if (!ok[i])
			continue;
		/* digits: read from the raw text where it lines up (the skeleton has 0 -> o) */
		char d = raw ? raw[i] : s[i];
		if (s[i] == '-' || (d >= '0' && d <= '9')) {
			ok[i + 1] = 1;
			from[i + 1] = SIZE_MAX;
		}
		for (size_t k = 2; k <= w->max_word && i + k <= len; k++) {
			long wi;
			if (ok[i + k] || (wi = word_index(w, s + i, k)) < 0)
				continue;
			ok[i + k] = 1;
			from[i + k] = i;
			word_of[i + k] = wi;
		}
	}
	if (!ok[len])
		return 0;
	*first = NULL;
	for (size_t e = len; e > 0;) {
		if (from[e] == SIZE_MAX) {
			e--;
			continue;
		}
		*first = w->word_names[word_of[e]];
		e = from[e];
	}
	return 1;
}

static void check_tokens(const pi_watcher *w, const char *lab, const char *raw, size_t len,
        int is_registrable, struct verdict *v)
{
	if (len < 3)
		return;
	for (size_t i = 0; i + 3 <= len; i++) {
		uint32_t key = tok_key(lab + i);
		uint32_t bit = tok_bit(key);
		size_t pos = SIZE_MAX;
		uint32_t ti;
		if (!(w->tok_bits[bit / 64] & (1ull << (bit % 64))))
			continue;
		while (htab_next(&w->tok3, key, &pos, &ti)) {
			const struct token *t = &w->tokens[ti];
			const char *word = NULL, *word2 = NULL;
			if (i + t->len > len || memcmp(lab + i, t->skel, t->len) != 0)
				continue;
			const char *right = lab + i + t->len;
			size_t right_len = len - i - t->len;
			if (i == 0 && right_len == 0) {
				if (is_registrable)
					consider(v, t->brand, 1.0, PI_REASON_SKELETON, 0, NULL, 0);
				else
					consider(v, t->brand, 0.9, PI_REASON_BRAND_SUBDOMAIN, 0,
					        NULL, 0);
				continue;
			}
			if (!words_only(w, lab, raw, i, &word) ||
			        !words_only(
			                w, right, raw ? raw + i + t->len : NULL, right_len, &word2))
				continue;
			if (!word)
				word = word2;
			consider(v, t->brand, 0.85,
			        PI_REASON_COMBOSQUAT |
			                (is_registrable ? 0 : PI_REASON_BRAND_SUBDOMAIN),
			        0, word, word ? strlen(word) : 0);
		}
	}
}

/* Exact and edit-distance matching of one candidate skeleton. */
static void check_candidate(const pi_watcher *w, const char *c, size_t m, const char *suffix,
        size_t suffix_len, unsigned exact_reason, double exact_score, struct verdict *v)
{
	uint64_t pre[MAX_CAND + 1], suf[MAX_CAND + 2], pw[MAX_CAND + 1];
	uint32_t tried[16];
	size_t ntried = 0;
	size_t pos;
	uint32_t bi;
	uint64_t h;

	if (m == 0 || m > MAX_CAND)
		return;
	h = str_hash(c, m);
	pos = SIZE_MAX;
	while (htab_next(&w->exact, h, &pos, &bi)) {
		const struct brand *b = &w->brands[bi];
		if (b->skel_len == m && memcmp(b->skel, c, m) == 0)
			consider(v, bi, exact_score, exact_reason, 0, NULL, 0);
	}
	/* Deletion-neighbourhood probes: c itself and c minus one character. */
	pre[0] = 0;
	pw[0] = 1;
	for (size_t i = 0; i < m; i++) {
		pre[i + 1] = pre[i] * POLY + (unsigned char)c[i];
		pw[i + 1] = pw[i] * POLY;
	}
	suf[m] = 0;
	suf[m + 1] = 0;
	for (size_t i = m; i > 0; i--)
		suf[i - 1] = suf[i] + (unsigned char)c[i - 1] * pw[m - i];
	for (size_t d = 0; d <= m; d++) {
		uint64_t raw;
		size_t len;
		if (d == m) {
			raw = pre[m];
			len = m;
		} else {
			raw = pre[d] * pw[m - 1 - d] + suf[d + 1];
			len = m - 1;
		}
		if (len == 0)
			continue;
		h = poly_final(raw, len);
		uint64_t bit = h >> (64 - DEL_BITS_LOG2);
		if (!(w->del_bits[bit / 64] & (1ull << (bit % 64))))
			continue;
		pos = SIZE_MAX;
		while (htab_next(&w->dels, h, &pos, &bi)) {
			int seen = 0;
			for (size_t k = 0; k < ntried; k++)
				seen |= tried[k] == bi;
			if (seen)
				continue;
			if (ntried < sizeof(tried) / sizeof(tried[0]))
				tried[ntried++] = bi;
			const struct brand *b = &w->brands[bi];
			int budget = b->budget;
			if (strlen(b->suffix) != suffix_len ||
			        memcmp(b->suffix, suffix, suffix_len) != 0)
				budget = budget <= 2 ? 0 : budget - 1;
			int dist = weighted_distance(w, c, m, b->skel, b->skel_len, budget);
			if (dist == 0)
				consider(v, bi, exact_score, exact_reason, 0, NULL, 0);
			else if (dist <= budget)
				consider(v, bi, 0.9 - 0.1 * dist, PI_REASON_EDIT_DISTANCE,
				        dist / 2.0, NULL, 0);
		}
	}
}

static int is_legit(const pi_watcher *w, const char *raw, const struct labels *l)
{
	size_t maxl = w->legit_max_labels < l->n ? w->legit_max_labels : l->n;

	for (size_t k = 2; k <= maxl; k++) {
		const char *s = l->p[l->n - k];
		size_t len = (size_t)(raw + strlen(raw) - s);
		size_t pos = SIZE_MAX;
		uint32_t bi;
		uint64_t h = str_hash(s, len);
		while (htab_next(&w->legit, h, &pos, &bi)) {
			const char *legit = w->legit_names[bi];
			if (strlen(legit) == len && memcmp(legit, s, len) == 0)
				return 1;
		}
	}
	return 0;
}

int pi_watcher_check(pi_watcher *w, const char *name, size_t len, struct pi_watch_hit *hit)
{
	char raw[PI_LOOKALIKE_MAX_NAME + 2];
	char skel[4 * PI_LOOKALIKE_MAX_NAME + 8];
	struct labels rl, sl;
	struct verdict v;
	size_t skel_len, sfx;
	int ascii = 1, has_xn = 0;
	char *conv = NULL, *uni = NULL;
	int result = 0;

	memset(&v, 0, sizeof(v));
	while (len && (name[len - 1] == '.' || name[len - 1] == ' ' || name[len - 1] == '\r'))
		len--;
	while (len && name[0] == ' ') {
		name++;
		len--;
	}
	if (len >= 2 && name[0] == '*' && name[1] == '.') {
		name += 2;
		len -= 2;
	}
	if (len == 0 || len > PI_LOOKALIKE_MAX_NAME)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c >= 0x80) {
			ascii = 0;
		} else if (c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c + 32);
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		                   c == '.' || c == '_')) {
			return 0;
		}
		raw[i] = (char)c;
	}
	raw[len] = '\0';
	if (!ascii) {
		if (idn2_to_ascii_8z(raw, &conv, IDN2_NONTRANSITIONAL) != IDN2_OK)
			return 0; /* cannot be registered */
		uni = strdup(raw);
		if (!uni || strlen(conv) > PI_LOOKALIKE_MAX_NAME)
			goto out;
		len = strlen(conv);
		memcpy(raw, conv, len + 1);
	} else {
		for (size_t i = 0; i + 4 <= len; i++)
			if (raw[i] == 'x' && raw[i + 1] == 'n' && raw[i + 2] == '-' &&
			        raw[i + 3] == '-' && (i == 0 || raw[i - 1] == '.'))
				has_xn = 1;
		if (has_xn && idn2_to_unicode_8z8z(raw, &uni, 0) != IDN2_OK)
			uni = NULL; /* undecodable punycode: match it as ASCII text */
	}
	if (!split_labels(raw, len, &rl) || rl.n < 2)
		goto out;
	if (is_legit(w, raw, &rl))
		goto out;
	if (uni) {
		long n = pi_skeleton_utf8(uni, strlen(uni), skel, sizeof(skel));
		if (n < 0)
			goto out;
		skel_len = (size_t)n;
	} else {
		skel_len = pi_skeleton_ascii(raw, len, skel);
	}
	if (!split_labels(skel, skel_len, &sl) || sl.n != rl.n)
		goto out;
	sfx = suffix_labels(&rl);
	if (rl.n <= sfx)
		goto out;
	size_t r = rl.n - sfx - 1;
	const char *suffix = rl.p[rl.n - sfx];
	size_t suffix_len = (size_t)(raw + len - suffix);
	check_candidate(w, sl.p[r], sl.len[r], suffix, suffix_len, PI_REASON_SKELETON, 1.0, &v);
	if (r > 0) {
		char joined[MAX_CAND + 1];
		size_t jl = 0;
		int fits = 1;
		for (size_t i = 0; i <= r && fits; i++) {
			if (jl + sl.len[i] > MAX_CAND)
				fits = 0;
			else {
				memcpy(joined + jl, sl.p[i], sl.len[i]);
				jl += sl.len[i];
			}
		}
		if (fits) {
			struct verdict vj;
			memset(&vj, 0, sizeof(vj));
			check_candidate(
			        w, joined, jl, suffix, suffix_len, PI_REASON_SPLIT, 0.9, &vj);
			if (vj.found && (vj.best.reasons & PI_REASON_SPLIT))
				consider(&v, vj.best.brand, 0.9, PI_REASON_SPLIT, 0, NULL, 0);
		}
	}
	for (size_t i = 0; i <= r; i++)
		check_tokens(w, sl.p[i], !uni && sl.len[i] == rl.len[i] ? rl.p[i] : NULL, sl.len[i],
		        i == r, &v);
	/* The brand's own label (or token), unchanged, under another suffix. */
	if (v.found && (v.best.reasons & PI_REASON_SKELETON)) {
		for (size_t t = 0; t < w->ntokens; t++) {
			const struct token *tk = &w->tokens[t];
			if (tk->brand == v.best.brand && strlen(tk->raw) == rl.len[r] &&
			        memcmp(tk->raw, rl.p[r], rl.len[r]) == 0) {
				v.best.reasons = (v.best.reasons & ~(unsigned)PI_REASON_SKELETON) |
				                 PI_REASON_TLD_SWAP;
				if (!(v.best.reasons & (PI_REASON_SPLIT | PI_REASON_COMBOSQUAT)))
					v.best.score = 0.95;
				break;
			}
		}
	}
	if (v.found && v.best.score >= w->threshold) {
		*hit = v.best;
		result = 1;
	}
out:
	idn2_free(conv);
	if (ascii)
		idn2_free(uni);
	else
		free(uni);
	return result;
}

void pi_watch_reasons_format(const struct pi_watch_hit *hit, char *out, size_t size)
{
	size_t len = 0;
	int n;

	if (size == 0)
		return;
	out[0] = '\0';
#define ADD(...)                                                                                   \
	do {                                                                                       \
		n = snprintf(out + len, size - len, "%s" __VA_ARGS__);                             \
		if (n < 0 || (size_t)n >= size - len)                                              \
			return;                                                                    \
		len += (size_t)n;                                                                  \
	} while (0)
	if (hit->reasons & PI_REASON_SKELETON)
		ADD("\"skeleton\"", len ? "," : "");
	if (hit->reasons & PI_REASON_TLD_SWAP)
		ADD("\"tld-swap\"", len ? "," : "");
	if (hit->reasons & PI_REASON_EDIT_DISTANCE)
		ADD("\"edit-distance:%.1f\"", len ? "," : "", hit->distance);
	if (hit->reasons & PI_REASON_COMBOSQUAT)
		ADD("\"combosquat:%s\"", len ? "," : "", hit->word[0] ? hit->word : "digits");
	if (hit->reasons & PI_REASON_BRAND_SUBDOMAIN)
		ADD("\"brand-subdomain\"", len ? "," : "");
	if (hit->reasons & PI_REASON_SPLIT)
		ADD("\"split\"", len ? "," : "");
#undef ADD
}
