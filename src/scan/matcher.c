/* matcher.c - hash table, prefix trees and Vectorscan databases (see matcher.h).
 *
 * Hash table layout: `slots` is a power-of-two array of uint64: 0 is empty, otherwise the
 * high 32 bits are the top of the key's hash (the tag) and the low 32 bits the offset + 1 of
 * its entry in `entries`. An entry is {uint32 ref; uint16 len; uint8 cls; uint8 pad; key},
 * padded to 4 bytes. The load factor stays at or under one half, so a miss usually ends in
 * the first cache line it reads, and only a tag match touches the entry. The slots and the
 * entries live in memory advised to use huge pages (table_alloc): random probes into 30 MB
 * would otherwise miss the TLB on almost every look-up.
 *
 * A "ref" names the values a key (or a tree node) stands for: value index + 1 when bit 31 is
 * clear, else the offset of a list {count, value...} in `lists`. 0 is no value.
 *
 * The filter holds every key and, for a domain key, every suffix of it of two labels or more
 * (its "ancestors": evil.example for login.evil.example). A name is looked up from its
 * shortest probed suffix (two labels) to itself, and the first suffix the filter does not
 * hold ends it: no key has that suffix, so no longer suffix, which ends with it, can be a key.
 * Most names in a log end after one look-up instead of one per label. That one look-up
 * misses the caches (the filter is megabytes and log names are random), so a batch is matched
 * in blocks of LOOK_AHEAD observables: the first filter word of each is fetched before any is
 * checked, and their memory waits overlap instead of adding up (about a third of the time of
 * a DNS log on this machine).
 *
 * Hashing follows the lengths of the values without branching on them: a key of up to 64
 * bytes is read as 2, 4 or 8 words, zero-padded past its end (hash_words), and a name's first
 * parent is found from two 16-byte loads. An observable's value is read in place, words
 * running into the padding struct pi_scan_mobs promises after it; a key of the set is read
 * from a zeroed copy. Loops and tails whose counts followed the length cost a mispredicted
 * branch or two per look-up, about a quarter of a DNS name's look-up.
 */
#include "scan/matcher.h"

#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define LIST_BIT 0x80000000u
#define PROBES_MAX 2048
#define HS_HITS_MAX 64

enum { CLS_NONE = 0, CLS_IP4, CLS_IP6, CLS_DOMAIN, CLS_URL, CLS_EMAIL, CLS_HASH, CLS_COUNT };

struct node {
	uint32_t child[2];
	uint32_t ref;
};

/* jump[p]: for the first 16 bits p of an address, the node at depth 16 (0: the path ends
 * before it), or JUMP_WALK when a node above it holds a range (then the walk starts at the
 * root). Most addresses leave the tree in its top levels: one look-up instead of a chain of
 * dependent loads. */
#define JUMP_BITS 16
#define JUMP_WALK 0x80000000u

struct trie {
	struct node *nodes;
	size_t n, alloc;
	uint32_t *jump; /* 1 << JUMP_BITS entries, NULL for an empty tree */
};

/* A class's expressions, when every one is a LIKE that starts with at least PF_MIN_PREFIX
 * literal bytes: the hashes of those starts, all cut to the shortest one's length. A value
 * that starts with none of them matches none of the expressions and is not scanned (phishing
 * kits are shared as URL patterns, and most URLs in a proxy log start like none of them).
 * One length, so one hash per value: with a length per group of starts the hashing cost more
 * than the scans it spared (measured on bench/scan_bench.py's mixed log). hashes NULL: every
 * value is scanned. */
#define PF_MIN_PREFIX 4
#define PF_MAX_PREFIX 32

struct prefilter {
	size_t len;       /* the cut */
	uint64_t *hashes; /* open addressing on the hash; 0 is empty */
	size_t mask;
};

struct hsdb {
	hs_database_t *db;
	uint32_t *ids; /* expression index -> value index */
	size_t n;
	struct prefilter pf;
};

struct pi_scan_matcher {
	const pi_scan_set *set;
	uint64_t *slots;
	size_t mask;
	/* in front of the slots: a blocked Bloom filter of every key and every ancestor of a
	 * domain key (one 64-bit word per entry with three bits set, see filter_bits), and for
	 * IPv4 keys a bit per /16 that holds one, so most look-ups of values that are not
	 * indicators never reach the slots (the filter is 2 MiB for a million keys: each check
	 * is a cache miss, which is why a domain's walk stops at its first miss) */
	uint64_t *filter;
	unsigned filter_shift; /* word index = remixed hash >> filter_shift */
	uint64_t ip4_16[65536 / 64];
	uint64_t ip4_filter[PI_SCAN_IP4_FILTER_WORDS]; /* see pi_scan_match_ip4_filter */
	char *entries;
	size_t entries_len, entries_alloc;
	uint32_t *lists;
	size_t lists_len, lists_alloc;
	struct trie trie[2]; /* IPv4, IPv6 */
	struct hsdb hs[CLS_COUNT];
	hs_scratch_t *proto_scratch;
	struct pi_scan_matcher_stats stats;
	size_t nvals; /* values in the set: refs name values below it */
	/* a matcher read from a cache file: the tables point into this mapping */
	void *map;
	size_t map_len;
	size_t filter_words;
	uint64_t *filter_own; /* a read matcher's filter, copied out of the mapping */
};

struct probe {
	uint64_t hash;
	const char *key;
	uint32_t len;
	uint32_t obs;
	uint8_t cls;
};

struct pi_scan_mthread {
	hs_scratch_t *scratch;
	struct probe probes[PROBES_MAX];
	size_t nprobes;
	uint32_t hs_hits[HS_HITS_MAX];
	size_t nhs;
	uint64_t hs_scans, hs_skipped, filter_checks;
};

static int kind_cls(unsigned kind)
{
	switch (kind) {
	case PI_OBSERVABLE_IPV4:
	case PI_OBSERVABLE_IPV4_CIDR: return CLS_IP4;
	case PI_OBSERVABLE_IPV6:
	case PI_OBSERVABLE_IPV6_CIDR: return CLS_IP6;
	case PI_OBSERVABLE_DOMAIN: return CLS_DOMAIN;
	case PI_OBSERVABLE_URL: return CLS_URL;
	case PI_OBSERVABLE_EMAIL: return CLS_EMAIL;
	case PI_OBSERVABLE_MD5:
	case PI_OBSERVABLE_SHA1:
	case PI_OBSERVABLE_SHA256:
	case PI_OBSERVABLE_SHA512: return CLS_HASH;
	default: return CLS_NONE;
	}
}

/* The bytes of a word to keep for a key with k (0-8) bytes left in it. */
static const uint64_t word_keep[9] = {0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull,
        0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ~(uint64_t)0};

static inline uint64_t hash_final(uint64_t h)
{
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

/* The hash of a key of n bytes read as nw words (nw = 2, 4 or 8, n <= 8 * nw) from k, whose
 * 8 * nw bytes are readable whatever follows the key: the words zero-padded past n, in two
 * chains of multiplications that run side by side (even words, odd words). The steps depend
 * on nw only, not on n: a loop or a tail whose counts followed n would be mispredicted from
 * one value to the next. With n mixed in, two keys give the same words only when equal. */
static inline __attribute__((always_inline)) uint64_t hash_words(
        unsigned cls, const char *k, size_t n, size_t nw)
{
	uint64_t ha = (0x9E3779B97F4A7C15ull * (cls + 1)) ^ n, hb = ha ^ 0x5851F42D4C957F2Dull;

	for (size_t j = 0; j < nw; j += 2) {
		uint64_t a, b;
		size_t left = n > 8 * j ? n - 8 * j : 0;
		memcpy(&a, k + 8 * j, 8);
		memcpy(&b, k + 8 * j + 8, 8);
		a &= word_keep[left < 8 ? left : 8];
		b &= word_keep[left < 8 ? 0 : left - 8 < 8 ? left - 8 : 8];
		ha = (ha ^ a) * 0xff51afd7ed558ccdull;
		ha ^= ha >> 32;
		hb = (hb ^ b) * 0xc4ceb9fe1a85ec53ull;
		hb ^= hb >> 32;
	}
	return hash_final(ha ^ (hb * 0x94d049bb133111ebull));
}

/* The hash of a key of over 64 bytes (no byte past n is read): its words, the last 8 bytes
 * overlapping the word before when n is not a multiple of 8. */
static uint64_t hash_long(unsigned cls, const char *k, size_t n)
{
	uint64_t h = (0x9E3779B97F4A7C15ull * (cls + 1)) ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, k + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (i < n) {
		memcpy(&w, k + n - 8, 8);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 32;
	}
	return hash_final(h);
}

/* The hash of key k[0..n) of class cls, read in place: the value of a struct pi_scan_mobs or
 * a suffix of one, whose padding (PI_SCAN_OBS_PAD >= 32 bytes after it) covers every word
 * hash_words reads (for n > 32 the 64 bytes from k end before n + 32), or any buffer with 64
 * readable bytes. */
static inline uint64_t obs_hash(unsigned cls, const char *k, size_t n)
{
	/* each with a constant count, so that its loop unrolls */
	if (n <= 16)
		return hash_words(cls, k, n, 2);
	if (n <= 32)
		return hash_words(cls, k, n, 4);
	return n <= 64 ? hash_words(cls, k, n, 8) : hash_long(cls, k, n);
}

/* The same hash for a key anywhere (no byte past n is read): a short one from a zeroed copy. */
static inline uint64_t key_hash(unsigned cls, const char *k, size_t n)
{
	char pad[64] = {0};

	if (n > 64)
		return hash_long(cls, k, n);
	memcpy(pad, k, n);
	return obs_hash(cls, pad, n);
}

/* At least 8 filter bits per entry, rounded up to a power of two, three of them set per entry
 * in one word: under 1 % false positives at 15 bits per entry (2 MiB for the benchmark's 1.1
 * million keys); a 1 MiB filter measured no faster. */
#define FILTER_BITS_PER_KEY 8

static inline uint64_t filter_mix(uint64_t h)
{
	return (h ^ (h >> 29)) * 0x94d049bb133111ebull;
}

static inline uint64_t filter_bits(uint64_t g)
{
	return (uint64_t)1 << (g & 63) | (uint64_t)1 << ((g >> 6) & 63) |
	       (uint64_t)1 << ((g >> 12) & 63);
}

static inline int filter_maybe(const pi_scan_matcher *m, uint64_t h)
{
	uint64_t g = filter_mix(h), b = filter_bits(g);
	return (m->filter[g >> m->filter_shift] & b) == b;
}

static inline const char *entry_at(const pi_scan_matcher *m, uint32_t off)
{
	return m->entries + off;
}

/* Finds key; returns the slot index (its value 0 when absent), or NO_SLOT when the whole table
 * was probed (never for a built table, which stays half empty; a damaged cache file may). */
#define NO_SLOT SIZE_MAX

static void ip4_filter_make(pi_scan_matcher *m);

static size_t find_slot(const pi_scan_matcher *m, uint64_t h, unsigned cls, const char *k, size_t n)
{
	size_t i = (size_t)h & m->mask;
	uint32_t tag = (uint32_t)(h >> 32);

	for (size_t step = 0; step <= m->mask; step++) {
		uint64_t s = m->slots[i];
		if (s == 0)
			return i;
		if ((uint32_t)(s >> 32) == tag && (uint32_t)s != 0 &&
		        (size_t)(uint32_t)s + 7 <= m->entries_len) {
			const char *e = entry_at(m, (uint32_t)s - 1);
			uint16_t el;
			memcpy(&el, e + 4, 2);
			/* (the bound matters for a matcher read from a cache file) */
			if (el == n && (size_t)(uint32_t)s + 7 + n <= m->entries_len &&
			        (unsigned char)e[6] == cls && memcmp(e + 8, k, n) == 0)
				return i;
		}
		i = (i + 1) & m->mask;
	}
	return NO_SLOT;
}

static pi_status grow(void **p, size_t *alloc, size_t need, size_t elem)
{
	size_t n = *alloc ? *alloc : 4096;
	void *q;

	if (need <= *alloc)
		return PI_OK;
	while (n < need)
		n *= 2;
	if (!(q = realloc(*p, n * elem)))
		return PI_ERR_NOMEM;
	*p = q;
	*alloc = n;
	return PI_OK;
}

/* Adds value v to ref (a node's or an entry's), turning a single value into a list. */
static pi_status ref_add(pi_scan_matcher *m, uint32_t *ref, uint32_t v)
{
	uint32_t off;

	if (*ref == 0) {
		*ref = v + 1;
		return PI_OK;
	}
	if (!(*ref & LIST_BIT)) {
		if (*ref == v + 1)
			return PI_OK;
		if (grow((void **)&m->lists, &m->lists_alloc, m->lists_len + 4, 4) != PI_OK)
			return PI_ERR_NOMEM;
		off = (uint32_t)m->lists_len;
		m->lists[off] = 2;
		m->lists[off + 1] = *ref - 1;
		m->lists[off + 2] = v;
		m->lists[off + 3] = UINT32_MAX; /* spare room for one more */
		m->lists_len += 4;
		*ref = off | LIST_BIT;
		return PI_OK;
	}
	off = *ref & ~LIST_BIT;
	for (uint32_t k = 0; k < m->lists[off]; k++)
		if (m->lists[off + 1 + k] == v)
			return PI_OK;
	{
		/* lists are copied to the end when they grow; rare (a value shared by many) */
		uint32_t count = m->lists[off], noff;
		if (off + 1 + count < m->lists_len && m->lists[off + 1 + count] == UINT32_MAX) {
			m->lists[off + 1 + count] = v;
			m->lists[off]++;
			return PI_OK;
		}
		if (grow((void **)&m->lists, &m->lists_alloc, m->lists_len + count * 2 + 2, 4) !=
		        PI_OK)
			return PI_ERR_NOMEM;
		noff = (uint32_t)m->lists_len;
		memcpy(&m->lists[noff], &m->lists[off], (count + 1) * 4);
		m->lists[noff + 1 + count] = v;
		m->lists[noff]++;
		for (uint32_t k = count + 2; k < count * 2 + 2; k++)
			m->lists[noff + k] = UINT32_MAX;
		m->lists_len += count * 2 + 2;
		*ref = noff | LIST_BIT;
	}
	return PI_OK;
}

/* Inserts key k[0..n) of class cls with hash h (key_hash) for value v. */
static pi_status insert_key(
        pi_scan_matcher *m, uint64_t h, unsigned cls, const char *k, size_t n, uint32_t v)
{
	size_t i = find_slot(m, h, cls, k, n), need;
	uint32_t off, ref;
	uint16_t len16 = (uint16_t)n;
	char *e;

	if (i == NO_SLOT)
		return PI_ERR_INTERNAL;
	if (m->slots[i]) {
		e = m->entries + (uint32_t)m->slots[i] - 1;
		memcpy(&ref, e, 4);
		if (ref_add(m, &ref, v) != PI_OK)
			return PI_ERR_NOMEM;
		memcpy(e, &ref, 4);
		return PI_OK;
	}
	if (n > UINT16_MAX)
		return PI_ERR_TOOBIG;
	need = (8 + n + 3) & ~(size_t)3;
	if (m->entries_len + need >= UINT32_MAX)
		return PI_ERR_TOOBIG;
	if (grow((void **)&m->entries, &m->entries_alloc, m->entries_len + need, 1) != PI_OK)
		return PI_ERR_NOMEM;
	off = (uint32_t)m->entries_len;
	e = m->entries + off;
	ref = v + 1;
	memcpy(e, &ref, 4);
	memcpy(e + 4, &len16, 2);
	e[6] = (char)cls;
	e[7] = 0;
	memcpy(e + 8, k, n);
	memset(e + 8 + n, 0, need - 8 - n);
	m->entries_len += need;
	{
		uint64_t g = filter_mix(h);
		m->filter[g >> m->filter_shift] |= filter_bits(g);
	}
	if (cls == CLS_DOMAIN) {
		/* the ancestors: the suffix after each dot but the last */
		size_t last = n;
		while (last > 0 && k[last - 1] != '.')
			last--;
		for (size_t d = 0; last > 0 && d + 1 < last; d++) {
			uint64_t g;
			if (k[d] != '.')
				continue;
			g = filter_mix(key_hash(CLS_DOMAIN, k + d + 1, n - d - 1));
			m->filter[g >> m->filter_shift] |= filter_bits(g);
		}
	}
	if (cls == CLS_IP4)
		m->ip4_16[((unsigned)(unsigned char)k[0] << 8 | (unsigned char)k[1]) >> 6] |=
		        (uint64_t)1 << ((unsigned char)k[1] & 63); /* read by ip4_16_has */
	m->slots[i] = ((uint64_t)(uint32_t)(h >> 32) << 32) | (uint64_t)(off + 1);
	m->stats.keys++;
	return PI_OK;
}

static pi_status trie_insert(
        pi_scan_matcher *m, int fam6, const uint8_t *a, unsigned prefix, uint32_t v)
{
	struct trie *t = &m->trie[fam6];
	uint32_t cur = 0;

	if (t->n == 0) {
		if (grow((void **)&t->nodes, &t->alloc, 1, sizeof(struct node)) != PI_OK)
			return PI_ERR_NOMEM;
		memset(&t->nodes[0], 0, sizeof(struct node));
		t->n = 1;
	}
	for (unsigned bit = 0; bit < prefix; bit++) {
		int b = (a[bit / 8] >> (7 - bit % 8)) & 1;
		uint32_t next = t->nodes[cur].child[b];
		if (!next) {
			if (grow((void **)&t->nodes, &t->alloc, t->n + 1, sizeof(struct node)) !=
			        PI_OK)
				return PI_ERR_NOMEM;
			next = (uint32_t)t->n++;
			memset(&t->nodes[next], 0, sizeof(struct node));
			t->nodes[cur].child[b] = next;
		}
		cur = next;
	}
	m->stats.ranges++;
	return ref_add(m, &t->nodes[cur].ref, v);
}

/* ---- Vectorscan ---- */

struct expr_list {
	char **exprs;
	unsigned *flags;
	uint32_t *ids;
	size_t n, alloc;
};

static void expr_list_free(struct expr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->exprs[i]);
	free(l->exprs);
	free(l->flags);
	free(l->ids);
	memset(l, 0, sizeof(*l));
}

/* LIKE -> an anchored expression; '%' any run, '_' one byte, everything else literal. */
static char *like_to_regex(const char *v, size_t n)
{
	char *r = malloc(n * 4 + 8), *o = r;

	if (!r)
		return NULL;
	*o++ = '^';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '%') {
			memcpy(o, ".*", 2);
			o += 2;
		} else if (c == '_') {
			*o++ = '.';
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c >= 0x80) {
			*o++ = (char)c;
		} else {
			static const char hex[] = "0123456789abcdef";
			memcpy(o, "\\x", 2);
			o[2] = hex[c >> 4];
			o[3] = hex[c & 15];
			o += 4;
		}
	}
	*o++ = '$';
	*o = '\0';
	return r;
}

static pi_status expr_add(struct expr_list *l, char *expr, unsigned flags, uint32_t id)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 64;
		char **e = realloc(l->exprs, na * sizeof(*e));
		unsigned *f;
		uint32_t *ids;
		if (!e)
			return PI_ERR_NOMEM;
		l->exprs = e;
		if (!(f = realloc(l->flags, na * sizeof(*f))))
			return PI_ERR_NOMEM;
		l->flags = f;
		if (!(ids = realloc(l->ids, na * sizeof(*ids))))
			return PI_ERR_NOMEM;
		l->ids = ids;
		l->alloc = na;
	}
	l->exprs[l->n] = expr;
	l->flags[l->n] = flags;
	l->ids[l->n] = id;
	l->n++;
	return PI_OK;
}

static void hs_cache_path(
        const struct expr_list *l, int cls, const char *dir, char *out, size_t size)
{
	crypto_generichash_state st;
	unsigned char d[16];
	char hex[33];
	int n;

	crypto_generichash_init(&st, NULL, 0, sizeof(d));
	crypto_generichash_update(&st, (const unsigned char *)hs_version(), strlen(hs_version()));
	crypto_generichash_update(&st, (const unsigned char *)&cls, sizeof(cls));
	for (size_t i = 0; i < l->n; i++) {
		crypto_generichash_update(
		        &st, (const unsigned char *)l->exprs[i], strlen(l->exprs[i]) + 1);
		crypto_generichash_update(
		        &st, (const unsigned char *)&l->flags[i], sizeof(unsigned));
		crypto_generichash_update(&st, (const unsigned char *)&l->ids[i], sizeof(uint32_t));
	}
	crypto_generichash_final(&st, d, sizeof(d));
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	n = snprintf(out, size, "%s/hs-%s.db", dir, hex);
	if (n < 0 || (size_t)n >= size)
		out[0] = '\0';
}

static hs_database_t *hs_cache_load(const char *path)
{
	FILE *f = fopen(path, "rb");
	hs_database_t *db = NULL;
	char *buf = NULL;
	long sz;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0 && sz < (1L << 30) &&
	        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)sz)) &&
	        fread(buf, 1, (size_t)sz, f) == (size_t)sz) {
		if (hs_deserialize_database(buf, (size_t)sz, &db) != HS_SUCCESS)
			db = NULL;
	}
	free(buf);
	fclose(f);
	return db;
}

static void hs_cache_store(const char *path, const hs_database_t *db)
{
	char *bytes = NULL, tmp[4200];
	size_t len = 0;
	FILE *f;
	int n;

	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if (n > 0 && (size_t)n < sizeof(tmp) && (f = fopen(tmp, "wb"))) {
		int ok = fwrite(bytes, 1, len, f) == len;
		if (fclose(f) == 0 && ok)
			ok = rename(tmp, path) == 0;
		if (!ok)
			unlink(tmp);
	}
	free(bytes);
}

static void mkdirs(const char *dir)
{
	char p[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		return;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];
			p[i] = '\0';
			mkdir(p, 0700);
			p[i] = c;
		}
}

static pi_status build_hs(pi_scan_matcher *m, int cls, struct expr_list *l, const char *cache_dir,
        struct pi_error *err)
{
	char path[4200] = "";
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	if (l->n == 0)
		return PI_OK;
	if (cache_dir) {
		hs_cache_path(l, cls, cache_dir, path, sizeof(path));
		if (path[0] && (db = hs_cache_load(path)) != NULL)
			goto have;
	}
	m->stats.hs_from_cache = 0;
	while (l->n > 0) {
		if (hs_compile_multi((const char *const *)l->exprs, l->flags, l->ids,
		            (unsigned)l->n, HS_MODE_BLOCK, NULL, &db, &cerr) == HS_SUCCESS)
			break;
		if (!cerr || cerr->expression < 0 || (size_t)cerr->expression >= l->n) {
			pi_status st = pi_error_set(err, PI_ERR_INTERNAL, "vectorscan: %s",
			        cerr ? cerr->message : "compile failed");
			hs_free_compile_error(cerr);
			return st;
		}
		/* drop the refused expression and try again */
		{
			size_t k = (size_t)cerr->expression;
			free(l->exprs[k]);
			memmove(&l->exprs[k], &l->exprs[k + 1], (l->n - k - 1) * sizeof(char *));
			memmove(&l->flags[k], &l->flags[k + 1], (l->n - k - 1) * sizeof(unsigned));
			memmove(&l->ids[k], &l->ids[k + 1], (l->n - k - 1) * sizeof(uint32_t));
			l->n--;
			m->stats.expressions_bad++;
		}
		hs_free_compile_error(cerr);
		cerr = NULL;
		db = NULL;
	}
	if (!db)
		return PI_OK;
	if (path[0]) {
		mkdirs(cache_dir);
		hs_cache_store(path, db);
	}
have:
	m->hs[cls].db = db;
	m->hs[cls].n = l->n;
	m->stats.expressions += l->n;
	if (hs_alloc_scratch(db, &m->proto_scratch) != HS_SUCCESS)
		return pi_error_set(err, PI_ERR_NOMEM, "vectorscan: cannot allocate scratch space");
	return PI_OK;
}

/* ---- the LIKE prefilter ---- */

/* The length of the literal start of LIKE pattern v[0..n) (before its first '%' or '_'),
 * at most PF_MAX_PREFIX. */
static size_t like_prefix(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n && i < PF_MAX_PREFIX && v[i] != '%' && v[i] != '_')
		i++;
	return i;
}

/* The hash of v[0..n) (n <= PF_MAX_PREFIX) as the prefilter keeps it: lower-cased for the
 * classes whose expressions ignore case; never 0 (0 marks an empty place). */
static uint64_t pf_hash(int cls, const char *v, size_t n, int padded)
{
	char low[PF_MAX_PREFIX + PI_SCAN_OBS_PAD];
	uint64_t h;

	if (cls == CLS_DOMAIN || cls == CLS_HASH) {
		memset(low + n, 0, PI_SCAN_OBS_PAD); /* the room obs_hash may read */
		for (size_t i = 0; i < n; i++)
			low[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
		v = low;
		padded = 1;
	}
	h = padded ? obs_hash((unsigned)cls, v, n) : key_hash((unsigned)cls, v, n);
	return h ? h : 1;
}

static int pf_has(const struct prefilter *pf, uint64_t h)
{
	for (size_t i = (size_t)h & pf->mask;; i = (i + 1) & pf->mask) {
		if (pf->hashes[i] == h)
			return 1;
		if (!pf->hashes[i])
			return 0;
	}
}

/* 0 when value v[0..n) of class cls can match none of the class's expressions. */
static int pf_maybe(const struct prefilter *pf, int cls, const char *v, size_t n)
{
	return !pf->hashes || (n >= pf->len && pf_has(pf, pf_hash(cls, v, pf->len, 1)));
}

/* Builds the prefilter of every class with expressions, from its database's expressions (after
 * a build or a cache read: a thousand values, not the whole set). A class with a MATCHES, or a
 * LIKE with a short literal start, gets none. */
static pi_status prefilters_make(pi_scan_matcher *m)
{
	for (int c = 0; c < CLS_COUNT; c++) {
		struct hsdb *db = &m->hs[c];
		struct prefilter *pf = &db->pf;
		size_t shortest = PF_MAX_PREFIX, size = 16, k;
		if (!db->db || !db->n || !db->ids)
			continue;
		/* the database's own expressions (refused ones never match); a MATCHES, or a LIKE
		 * without a long enough literal start, leaves the class without a prefilter */
		for (k = 0; k < db->n; k++) {
			struct pi_scan_value v;
			size_t p;
			if (!pi_scan_set_value(m->set, db->ids[k], &v) || v.op != PI_SCAN_OP_LIKE ||
			        (p = like_prefix(v.value, v.len)) < PF_MIN_PREFIX)
				break;
			if (p < shortest)
				shortest = p;
		}
		if (k < db->n)
			continue;
		pf->len = shortest;
		while (size < db->n * 2)
			size *= 2;
		if (!(pf->hashes = calloc(size, sizeof(uint64_t))))
			return PI_ERR_NOMEM;
		pf->mask = size - 1;
		for (k = 0; k < db->n; k++) {
			struct pi_scan_value v;
			uint64_t h;
			if (!pi_scan_set_value(m->set, db->ids[k], &v))
				continue;
			h = pf_hash(c, v.value, pf->len, 0);
			for (size_t j = (size_t)h & pf->mask;; j = (j + 1) & pf->mask) {
				if (pf->hashes[j] == h)
					break;
				if (!pf->hashes[j]) {
					pf->hashes[j] = h;
					break;
				}
			}
		}
	}
	return PI_OK;
}

/* ---- building ---- */

/* Memory for a large table (freed with free()): 2 MiB aligned and advised to be backed by
 * huge pages, so random probes into it miss the TLB far less; zeroed when zero is set. */
static void *table_alloc(size_t bytes, int zero)
{
	const size_t huge = (size_t)2 << 20;
	void *p = NULL;

	if (bytes < huge)
		return zero ? calloc(1, bytes) : malloc(bytes);
	bytes = (bytes + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, bytes) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	if (zero)
		memset(p, 0, bytes);
	return p;
}

/* Fills tr->jump below node (at depth, reached by the first depth bits prefix; walk: a node
 * above it holds a range). Recursion depth is at most JUMP_BITS. */
static void jump_fill(struct trie *tr, uint32_t node, unsigned depth, uint32_t prefix, int walk)
{
	if (depth == JUMP_BITS) {
		tr->jump[prefix] = walk ? JUMP_WALK : node;
		return;
	}
	walk |= tr->nodes[node].ref != 0;
	for (uint32_t b = 0; b < 2; b++) {
		uint32_t child = tr->nodes[node].child[b], p = prefix << 1 | b;
		if (child) {
			jump_fill(tr, child, depth + 1, p, walk);
		} else if (walk) {
			uint32_t span = (uint32_t)1 << (JUMP_BITS - depth - 1);
			for (uint32_t k = 0; k < span; k++)
				tr->jump[p * span + k] = JUMP_WALK;
		}
	}
}

/* Keys are inserted in batches: the hashes of a batch are computed and their slots
 * prefetched before the first insert, so the cache misses of a batch overlap. Insertion order
 * (and so the order of values in a key's list) is the order of the set. */
#define BUILD_BATCH 32

struct pending {
	uint64_t hash;
	const char *key;
	uint32_t len;
	uint32_t value;
	uint8_t cls;
	uint8_t addr[16];
};

static pi_status insert_pending(pi_scan_matcher *m, struct pending *p, size_t n)
{
	pi_status st = PI_OK;

	for (size_t i = 0; i < n; i++) {
		p[i].hash = key_hash(p[i].cls, p[i].key, p[i].len);
		__builtin_prefetch(&m->slots[(size_t)p[i].hash & m->mask], 1);
	}
	for (size_t i = 0; i < n && st == PI_OK; i++)
		st = insert_key(m, p[i].hash, p[i].cls, p[i].key, p[i].len, p[i].value);
	return st;
}

pi_status pi_scan_matcher_build(
        const pi_scan_set *set, const char *cache_dir, pi_scan_matcher **out, struct pi_error *err)
{
	pi_scan_matcher *m = calloc(1, sizeof(*m));
	struct expr_list exprs[CLS_COUNT];
	size_t nvals = pi_scan_set_value_slots(set), neq = 0, size = 1024, ebytes = 0, npend = 0;
	size_t fbytes = 0, nfilter = 0;
	struct pending *pend = malloc(BUILD_BATCH * sizeof(*pend));
	pi_status st = PI_OK;

	*out = NULL;
	memset(exprs, 0, sizeof(exprs));
	if (!m || !pend) {
		free(m);
		free(pend);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	m->set = set;
	m->nvals = nvals;
	m->stats.hs_from_cache = 1;
	for (size_t i = 0; i < nvals; i++) {
		struct pi_scan_value v;
		if (pi_scan_set_value(set, i, &v) && v.op == PI_SCAN_OP_EQ) {
			neq++;
			ebytes += (8 + (v.len < 16 ? 16 : v.len) + 3) & ~(size_t)3;
			if (kind_cls(v.kind) == CLS_DOMAIN) /* its ancestors go in the filter too */
				for (size_t d = 0, dots = 0; d < v.len; d++)
					if (v.value[d] == '.' && ++dots >= 2)
						nfilter++;
		}
	}
	nfilter += neq;
	if (neq > (1u << 30)) {
		free(m);
		return pi_error_set(err, PI_ERR_TOOBIG, "too many indicator values");
	}
	while (size < neq * 2)
		size *= 2;
	{
		/* filter words: a power of two, at least FILTER_BITS_PER_KEY bits per key */
		size_t words = 64, bits = 6;
		while (words * 64 < nfilter * FILTER_BITS_PER_KEY) {
			words *= 2;
			bits++;
		}
		m->filter_shift = 64 - (unsigned)bits;
		m->filter_words = words;
		fbytes = words * 8;
	}
	if (!(m->slots = table_alloc(size * sizeof(uint64_t), 1)) ||
	        !(m->filter = table_alloc(fbytes, 1)) ||
	        (ebytes < UINT32_MAX && !(m->entries = table_alloc(ebytes, 0)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory for the hash table");
		goto out;
	}
	if (m->entries)
		m->entries_alloc = ebytes;
	m->mask = size - 1;
	for (size_t i = 0; i < nvals; i++) {
		struct pi_scan_value v;
		int cls;
		if (!pi_scan_set_value(set, i, &v))
			continue;
		cls = kind_cls(v.kind);
		if (cls == CLS_NONE)
			continue;
		if (v.op != PI_SCAN_OP_EQ) {
			unsigned flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
			char *e = v.op == PI_SCAN_OP_LIKE ? like_to_regex(v.value, v.len)
			                                  : strdup(v.value);
			if (cls == CLS_DOMAIN || cls == CLS_HASH)
				flags |= HS_FLAG_CASELESS;
			if (!e || expr_add(&exprs[cls], e, flags, (uint32_t)i) != PI_OK) {
				free(e);
				st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
				goto out;
			}
			continue;
		}
		if (cls == CLS_IP4 || cls == CLS_IP6) {
			uint8_t a[16];
			int fam = 0;
			const char *slash = memchr(v.value, '/', v.len);
			size_t alen = slash ? (size_t)(slash - v.value) : v.len;
			unsigned prefix = cls == CLS_IP4 ? 32 : 128;
			if (pi_observable_ip_parse(v.value, alen, a, &fam, NULL) != PI_OK)
				continue;
			if (slash)
				prefix = (unsigned)atoi(slash + 1);
			if (prefix == (fam == 4 ? 32u : 128u)) {
				struct pending *p = &pend[npend++];
				memcpy(p->addr, a, 16);
				p->cls = fam == 4 ? CLS_IP4 : CLS_IP6;
				p->key = (const char *)p->addr;
				p->len = fam == 4 ? 4 : 16;
				p->value = (uint32_t)i;
			} else {
				st = trie_insert(m, fam == 6, a, prefix, (uint32_t)i);
			}
		} else {
			struct pending *p = &pend[npend++];
			p->cls = (uint8_t)cls;
			p->key = v.value;
			p->len = (uint32_t)v.len;
			p->value = (uint32_t)i;
		}
		if (st == PI_OK && npend == BUILD_BATCH) {
			st = insert_pending(m, pend, npend);
			npend = 0;
		}
		if (st != PI_OK) {
			pi_error_set(
			        err, st, "cannot build the hash table (%s)", pi_status_name(st));
			goto out;
		}
	}
	if ((st = insert_pending(m, pend, npend)) != PI_OK) {
		pi_error_set(err, st, "cannot build the hash table (%s)", pi_status_name(st));
		goto out;
	}
	for (int f = 0; f < 2; f++) {
		struct trie *tr = &m->trie[f];
		if (tr->n == 0)
			continue;
		if (!(tr->jump = calloc((size_t)1 << JUMP_BITS, sizeof(uint32_t)))) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		jump_fill(tr, 0, 0, 0, 0);
	}
	for (int c = 0; c < CLS_COUNT; c++) {
		if ((st = build_hs(m, c, &exprs[c], cache_dir, err)) != PI_OK)
			goto out;
		if (m->hs[c].db) {
			if (!(m->hs[c].ids = malloc(exprs[c].n * sizeof(uint32_t) + 1))) {
				st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
				goto out;
			}
			memcpy(m->hs[c].ids, exprs[c].ids, exprs[c].n * sizeof(uint32_t));
		}
	}
	if (m->stats.expressions == 0)
		m->stats.hs_from_cache = 0;
	ip4_filter_make(m);
	if (prefilters_make(m) != PI_OK) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	m->stats.bytes = size * 8 + fbytes + sizeof(m->ip4_16) + m->entries_len + m->lists_len * 4 +
	                 (m->trie[0].n + m->trie[1].n) * sizeof(struct node) +
	                 ((m->trie[0].jump ? 1u : 0u) + (m->trie[1].jump ? 1u : 0u)) *
	                         ((size_t)4 << JUMP_BITS);
	*out = m;
	m = NULL;
out:
	free(pend);
	for (int c = 0; c < CLS_COUNT; c++)
		expr_list_free(&exprs[c]);
	pi_scan_matcher_free(m);
	return st;
}

void pi_scan_matcher_free(pi_scan_matcher *m)
{
	if (!m)
		return;
	if (m->map) {
		munmap(m->map, m->map_len);
		free(m->filter_own);
	} else {
		free(m->slots);
		free(m->filter);
		free(m->entries);
		free(m->lists);
		free(m->trie[0].nodes);
		free(m->trie[1].nodes);
		free(m->trie[0].jump);
		free(m->trie[1].jump);
	}
	for (int c = 0; c < CLS_COUNT; c++) {
		hs_free_database(m->hs[c].db);
		free(m->hs[c].ids);
		free(m->hs[c].pf.hashes);
	}
	hs_free_scratch(m->proto_scratch);
	free(m);
}

/* ---- the cache file ----
 *
 * A built matcher is written next to the set's cache file and read back with mmap: start-up
 * then costs a mapping and a check of the tables instead of a million inserts into zeroed
 * memory. The file names the set cache file it was built from (device, inode, size and
 * modification time: the set cache is replaced by rename whenever it changes, so a stale
 * matcher never matches), and holds, 64-byte aligned: the slots, the filter, the entries,
 * the lists, the two trees with their jump tables, then per class the expression ids and
 * the serialised Vectorscan database. Every offset is checked on reading, so a damaged file
 * is refused (and rebuilt), never followed. */
#define MCACHE_MAGIC "PISCANMAT5\n"

struct mcache_head {
	char magic[16];
	uint64_t set_dev, set_ino, set_size, set_mtime_s, set_mtime_ns, set_values;
	uint64_t slots, filter_words, entries_len, lists_len, nodes[2], jump[2];
	uint64_t hs_n[CLS_COUNT], hs_bytes[CLS_COUNT];
	uint64_t filter_shift;
	uint64_t keys, ranges, expressions, expressions_bad;
	uint64_t ip4_16[65536 / 64];
};

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static int set_file_id(const char *path, struct mcache_head *h)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -1;
	h->set_dev = (uint64_t)sb.st_dev;
	h->set_ino = (uint64_t)sb.st_ino;
	h->set_size = (uint64_t)sb.st_size;
	h->set_mtime_s = (uint64_t)sb.st_mtim.tv_sec;
	h->set_mtime_ns = (uint64_t)sb.st_mtim.tv_nsec;
	return 0;
}

static int write_part(FILE *f, const void *p, size_t n)
{
	static const char zero[64];
	size_t pad = align64(n) - n;

	return (n == 0 || fwrite(p, 1, n, f) == n) && (pad == 0 || fwrite(zero, 1, pad, f) == pad);
}

pi_status pi_scan_matcher_save(
        const pi_scan_matcher *m, const char *path, const char *set_file, struct pi_error *err)
{
	struct mcache_head *h = calloc(1, sizeof(*h));
	char *hsb[CLS_COUNT] = {NULL}, tmp[4200];
	size_t hsl[CLS_COUNT] = {0};
	pi_status st = PI_OK;
	FILE *f = NULL;
	int n, ok = 1;

	if (!h)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	if (set_file_id(set_file, h) != 0) {
		st = pi_error_set(err, PI_ERR_IO, "%s: %s", set_file, strerror(errno));
		goto out;
	}
	memcpy(h->magic, MCACHE_MAGIC, sizeof(MCACHE_MAGIC) - 1);
	h->set_values = pi_scan_set_value_slots(m->set);
	h->slots = m->mask + 1;
	h->filter_words = m->filter_words;
	h->filter_shift = m->filter_shift;
	h->entries_len = m->entries_len;
	h->lists_len = m->lists_len;
	for (int fam = 0; fam < 2; fam++) {
		h->nodes[fam] = m->trie[fam].n;
		h->jump[fam] = m->trie[fam].jump != NULL;
	}
	for (int c = 0; c < CLS_COUNT; c++) {
		if (!m->hs[c].db)
			continue;
		if (hs_serialize_database(m->hs[c].db, &hsb[c], &hsl[c]) != HS_SUCCESS) {
			st = pi_error_set(err, PI_ERR_NOMEM, "vectorscan: cannot serialise");
			goto out;
		}
		h->hs_n[c] = m->hs[c].n;
		h->hs_bytes[c] = hsl[c];
	}
	h->keys = m->stats.keys;
	h->ranges = m->stats.ranges;
	h->expressions = m->stats.expressions;
	h->expressions_bad = m->stats.expressions_bad;
	memcpy(h->ip4_16, m->ip4_16, sizeof(h->ip4_16));
	n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		st = pi_error_set(err, PI_ERR_TOOBIG, "cache path too long");
		goto out;
	}
	if (!(f = fopen(tmp, "wb"))) {
		st = pi_error_set(err, PI_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	ok = write_part(f, h, sizeof(*h)) && write_part(f, m->slots, h->slots * 8) &&
	     write_part(f, m->filter, h->filter_words * 8) &&
	     write_part(f, m->entries, m->entries_len) && write_part(f, m->lists, m->lists_len * 4);
	for (int fam = 0; ok && fam < 2; fam++) {
		ok = write_part(f, m->trie[fam].nodes, m->trie[fam].n * sizeof(struct node));
		if (ok && m->trie[fam].jump)
			ok = write_part(f, m->trie[fam].jump, ((size_t)4 << JUMP_BITS));
	}
	for (int c = 0; ok && c < CLS_COUNT; c++)
		if (m->hs[c].db)
			ok = write_part(f, m->hs[c].ids, m->hs[c].n * 4) &&
			     write_part(f, hsb[c], hsl[c]);
	if (fclose(f) != 0 || !ok) {
		unlink(tmp);
		st = pi_error_set(err, PI_ERR_IO, "%s: write failed", tmp);
	} else if (rename(tmp, path) != 0) {
		unlink(tmp);
		st = pi_error_set(err, PI_ERR_IO, "%s: %s", path, strerror(errno));
	}
out:
	for (int c = 0; c < CLS_COUNT; c++)
		free(hsb[c]);
	free(h);
	return st;
}

/* Checks what a mapped matcher cannot check on use. The slots, entries, lists and tree nodes
 * are checked where they are read (find_slot, report, trie_walk: an offset outside its table
 * is a miss), so a damaged file costs wrong misses at worst and start-up does not read the
 * 70 MB of tables of a million keys. */
static int mcache_check(const pi_scan_matcher *m, size_t nvals)
{
	for (int c = 0; c < CLS_COUNT; c++)
		for (size_t i = 0; i < m->hs[c].n; i++)
			if (m->hs[c].ids[i] >= nvals)
				return 0;
	return 1;
}

pi_status pi_scan_matcher_load(const pi_scan_set *set, const char *path, const char *set_file,
        pi_scan_matcher **out, struct pi_error *err)
{
	pi_scan_matcher *m = NULL;
	struct mcache_head id, h;
	struct stat sb;
	size_t off, need, nvals = pi_scan_set_value_slots(set);
	int fd = -1;
	char *base;

	*out = NULL;
	memset(&id, 0, sizeof(id));
	if (set_file_id(set_file, &id) != 0)
		return pi_error_set(err, PI_ERR_NOTFOUND, "%s: no set cache", set_file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return pi_error_set(err, errno == ENOENT ? PI_ERR_NOTFOUND : PI_ERR_IO, "%s: %s",
		        path, strerror(errno));
	if (fstat(fd, &sb) != 0 || (size_t)sb.st_size < sizeof(h) ||
	        pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto bad;
	if (memcmp(h.magic, MCACHE_MAGIC, sizeof(MCACHE_MAGIC) - 1) != 0 ||
	        h.set_dev != id.set_dev || h.set_ino != id.set_ino || h.set_size != id.set_size ||
	        h.set_mtime_s != id.set_mtime_s || h.set_mtime_ns != id.set_mtime_ns ||
	        h.set_values != nvals) {
		close(fd);
		return pi_error_set(err, PI_ERR_NOTFOUND, "%s: built for another set", path);
	}
	/* sizes: powers of two where the code masks with them, everything inside the file */
	if (h.slots == 0 || (h.slots & (h.slots - 1)) || h.slots > ((uint64_t)1 << 32) ||
	        h.filter_words < 64 || (h.filter_words & (h.filter_words - 1)) ||
	        h.filter_words > ((uint64_t)1 << 32) ||
	        64 - h.filter_shift != (uint64_t)__builtin_ctzll(h.filter_words) ||
	        h.entries_len >= UINT32_MAX || h.lists_len >= UINT32_MAX ||
	        h.nodes[0] > UINT32_MAX || h.nodes[1] > UINT32_MAX || h.jump[0] > 1 ||
	        h.jump[1] > 1 || (h.jump[0] && !h.nodes[0]) || (h.jump[1] && !h.nodes[1]))
		goto bad;
	need = align64(sizeof(h)) + align64(h.slots * 8) + align64(h.filter_words * 8) +
	       align64(h.entries_len) + align64(h.lists_len * 4);
	for (int fam = 0; fam < 2; fam++)
		need += align64(h.nodes[fam] * sizeof(struct node)) +
		        (h.jump[fam] ? align64((size_t)4 << JUMP_BITS) : 0);
	for (int c = 0; c < CLS_COUNT; c++) {
		if (h.hs_n[c] > nvals || h.hs_bytes[c] > ((uint64_t)1 << 30) ||
		        (h.hs_n[c] == 0) != (h.hs_bytes[c] == 0))
			goto bad;
		need += align64(h.hs_n[c] * 4) + align64(h.hs_bytes[c]);
	}
	if ((uint64_t)sb.st_size != need)
		goto bad;
	if (!(m = calloc(1, sizeof(*m))))
		goto nomem;
	m->map = mmap(NULL, need, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		goto nomem;
	}
	m->map_len = need;
	base = m->map;
	m->set = set;
	off = align64(sizeof(h));
	m->slots = (uint64_t *)(void *)(base + off);
	m->mask = h.slots - 1;
	off += align64(h.slots * 8);
	m->filter = (uint64_t *)(void *)(base + off);
	m->filter_words = h.filter_words;
	/* the filter is read on every look-up: a copy in huge pages (the mapping's pages are
	 * small, and each look-up would be a TLB miss as well as a cache miss) */
	if ((m->filter_own = table_alloc(h.filter_words * 8, 0)) != NULL) {
		memcpy(m->filter_own, m->filter, h.filter_words * 8);
		m->filter = m->filter_own;
	}
	m->filter_shift = (unsigned)h.filter_shift;
	off += align64(h.filter_words * 8);
	m->entries = base + off;
	m->entries_len = m->entries_alloc = h.entries_len;
	off += align64(h.entries_len);
	m->lists = (uint32_t *)(void *)(base + off);
	m->lists_len = m->lists_alloc = h.lists_len;
	off += align64(h.lists_len * 4);
	for (int fam = 0; fam < 2; fam++) {
		m->trie[fam].nodes = (struct node *)(void *)(base + off);
		m->trie[fam].n = m->trie[fam].alloc = h.nodes[fam];
		off += align64(h.nodes[fam] * sizeof(struct node));
		if (h.jump[fam]) {
			m->trie[fam].jump = (uint32_t *)(void *)(base + off);
			off += align64((size_t)4 << JUMP_BITS);
		}
	}
	memcpy(m->ip4_16, h.ip4_16, sizeof(m->ip4_16));
	m->stats.keys = h.keys;
	m->stats.ranges = h.ranges;
	m->stats.expressions_bad = h.expressions_bad;
	m->stats.hs_from_cache = h.expressions > 0;
	for (int c = 0; c < CLS_COUNT; c++) {
		if (!h.hs_n[c])
			continue;
		if (!(m->hs[c].ids = malloc(h.hs_n[c] * 4)))
			goto nomem;
		memcpy(m->hs[c].ids, base + off, h.hs_n[c] * 4);
		m->hs[c].n = h.hs_n[c];
		off += align64(h.hs_n[c] * 4);
		if (hs_deserialize_database(base + off, h.hs_bytes[c], &m->hs[c].db) !=
		        HS_SUCCESS) {
			m->hs[c].db = NULL;
			goto bad;
		}
		off += align64(h.hs_bytes[c]);
		if (hs_alloc_scratch(m->hs[c].db, &m->proto_scratch) != HS_SUCCESS)
			goto nomem;
		m->stats.expressions += h.hs_n[c];
	}
	if (!mcache_check(m, nvals))
		goto bad;
	ip4_filter_make(m);
	if (prefilters_make(m) != PI_OK)
		goto nomem;
	m->stats.bytes = need;
	m->nvals = nvals;
	close(fd);
	*out = m;
	return PI_OK;
bad:
	close(fd);
	pi_scan_matcher_free(m);
	return pi_error_set(err, PI_ERR_INVALID, "%s: not a valid matcher cache file", path);
nomem:
	close(fd);
	pi_scan_matcher_free(m);
	return pi_error_set(err, PI_ERR_NOMEM, "out of memory reading %s", path);
}

const pi_scan_set *pi_scan_matcher_set(const pi_scan_matcher *m)
{
	return m->set;
}

void pi_scan_matcher_stats(const pi_scan_matcher *m, struct pi_scan_matcher_stats *out)
{
	*out = m->stats;
}

pi_status pi_scan_mthread_new(const pi_scan_matcher *m, pi_scan_mthread **out)
{
	pi_scan_mthread *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return PI_ERR_NOMEM;
	if (m->proto_scratch && hs_clone_scratch(m->proto_scratch, &t->scratch) != HS_SUCCESS) {
		free(t);
		return PI_ERR_NOMEM;
	}
	*out = t;
	return PI_OK;
}

void pi_scan_mthread_counts(const pi_scan_mthread *t, struct pi_scan_mthread_counts *out)
{
	out->filter_checks = t->filter_checks;
	out->hs_scans = t->hs_scans;
	out->hs_skipped = t->hs_skipped;
}

void pi_scan_mthread_free(pi_scan_mthread *t)
{
	if (!t)
		return;
	hs_free_scratch(t->scratch);
	free(t);
}

/* ---- matching ---- */

static void report(const pi_scan_matcher *m, uint32_t ref, size_t obs, pi_scan_hit_fn fn, void *arg)
{
	/* refs outside the lists or naming no value (a damaged cache file) report nothing */
	if (!(ref & LIST_BIT)) {
		if (ref - 1 < m->nvals)
			fn(arg, obs, ref - 1);
		return;
	}
	ref &= ~LIST_BIT;
	if (ref >= m->lists_len || m->lists[ref] > m->lists_len - ref - 1)
		return;
	for (uint32_t k = 0; k < m->lists[ref]; k++)
		if (m->lists[ref + 1 + k] < m->nvals)
			fn(arg, obs, m->lists[ref + 1 + k]);
}

/* Probes reach this only past the filter (add_probe): a few per cent of the look-ups, and the
 * hits. They are resolved against the slots with the slot words prefetched PREFETCH_AHEAD
 * probes ahead (enough misses in flight to overlap, few enough that each line is still in L1
 * when it is read). */
#define PREFETCH_AHEAD 16

static void run_probes(const pi_scan_matcher *m, pi_scan_mthread *t, pi_scan_hit_fn fn, void *arg)
{
	size_t n = t->nprobes;

	for (size_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		__builtin_prefetch(&m->slots[(size_t)t->probes[i].hash & m->mask]);
	for (size_t i = 0; i < n; i++) {
		const struct probe *p = &t->probes[i];
		if (i + PREFETCH_AHEAD < n)
			__builtin_prefetch(
			        &m->slots[(size_t)t->probes[i + PREFETCH_AHEAD].hash & m->mask]);
		size_t s = find_slot(m, p->hash, p->cls, p->key, p->len);
		if (s != NO_SLOT && m->slots[s]) {
			uint32_t ref;
			memcpy(&ref, m->entries + (uint32_t)m->slots[s] - 1, 4);
			report(m, ref, p->obs, fn, arg);
		}
	}
	t->nprobes = 0;
}

/* Looks key k up: a filter miss ends it at once; otherwise it waits in t's probes for
 * run_probes. */
#ifdef __SSE2__
/* Bit i set where byte i of v is a '.'. */
static inline unsigned dots16(__m128i v)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
}
#endif

/* Bit i set where v[i] is '.', for a name of 1 <= n <= 64 bytes, without reading past v + n and
 * without a loop whose count is the name's length (names differ in length and in where their
 * dots are, and every such branch would be mispredicted). */
static inline uint64_t dot_mask(const char *v, size_t n)
{
	uint64_t mk = 0;
#ifdef __SSE2__
	size_t k = 0;
	if (n >= 16) {
		for (; k + 16 <= n; k += 16)
			mk |= (uint64_t)dots16(
			              _mm_loadu_si128((const __m128i *)(const void *)(v + k)))
			      << k;
		if (k < n) /* the last 16 bytes again, overlapping */
			mk |= (uint64_t)dots16(
			              _mm_loadu_si128((const __m128i *)(const void *)(v + n - 16)))
			      << (n - 16);
		return mk;
	}
	if (n >= 8) {
		uint64_t lo, hi;
		unsigned d;
		memcpy(&lo, v, 8);
		memcpy(&hi, v + n - 8, 8);
		d = dots16(_mm_set_epi64x((long long)hi, (long long)lo));
		return (uint64_t)(d & 0xFF) | (uint64_t)(d >> 8) << (n - 8);
	}
	if (n >= 4) {
		uint32_t lo, hi;
		unsigned d;
		memcpy(&lo, v, 4);
		memcpy(&hi, v + n - 4, 4);
		d = dots16(_mm_set_epi32(0, 0, (int)hi, (int)lo));
		return (uint64_t)(d & 0xF) | (uint64_t)((d >> 4) & 0xF) << (n - 4);
	}
#endif
	for (size_t i = 0; i < n; i++)
		mk |= (uint64_t)(v[i] == '.') << i;
	return mk;
}

/* Stores a probe of key k (hash h) for run_probes. */
static void probe_store(const pi_scan_matcher *m, pi_scan_mthread *t, unsigned cls, const char *k,
        size_t n, uint64_t h, size_t obs, pi_scan_hit_fn fn, void *arg)
{
	struct probe *p;

	if (t->nprobes == PROBES_MAX)
		run_probes(m, t, fn, arg);
	p = &t->probes[t->nprobes++];
	p->hash = h;
	p->key = k;
	p->len = (uint32_t)n;
	p->obs = (uint32_t)obs;
	p->cls = (uint8_t)cls;
}

/* Looks key k (hash h) up: the filter ends most look-ups at once; the others wait in t's
 * probes for run_probes. */
static void add_probe(const pi_scan_matcher *m, pi_scan_mthread *t, unsigned cls, const char *k,
        size_t n, uint64_t h, size_t obs, pi_scan_hit_fn fn, void *arg)
{
	t->filter_checks++;
	if (filter_maybe(m, h))
		probe_store(m, t, cls, k, n, h, obs, fn, arg);
}

/* The offsets of a domain name's parents (the suffix after each dot but the last; none for a
 * name over 255 bytes, which is never normalised), shortest first, then 0 (the name itself);
 * returns how many. off has room for 130. */
static size_t domain_offsets(const char *v, size_t n, uint16_t *off)
{
	size_t noff = 0;

	if (n <= 64) {
		uint64_t d = n ? dot_mask(v, n) : 0;
		if (d)
			d ^= (uint64_t)1 << (63 - __builtin_clzll(d)); /* the last */
		for (; d; d ^= (uint64_t)1 << (63 - __builtin_clzll(d)))
			off[noff++] = (uint16_t)(63 - __builtin_clzll(d) + 1); /* shortest first */
	} else if (n <= 255) {
		size_t nd = 0;
		uint16_t dots[256];
		for (size_t k = 0; k < n; k++)
			if (v[k] == '.')
				dots[nd++] = (uint16_t)k;
		for (size_t k = nd; k-- > 1 && noff < 128;)
			off[noff++] = (uint16_t)(dots[k - 1] + 1);
	}
	off[noff++] = 0; /* the name itself, last */
	return noff;
}

/* The dots of a name of n <= 64 bytes read in place (the padding of pi_scan_mobs): names of up
 * to 32 bytes, most of them, from two 16-byte loads, without a branch on n. */
static inline uint64_t name_dots(const char *v, size_t n)
{
#ifdef __SSE2__
	if (n <= 32)
		return ((uint64_t)dots16(_mm_loadu_si128((const __m128i *)(const void *)v)) |
		               (uint64_t)dots16(_mm_loadu_si128(
		                       (const __m128i *)(const void *)(v + 16)))
		                       << 16) &
		       (((uint64_t)1 << n) - 1);
#endif
	return dot_mask(v, n);
}

/* domain_offsets(v, n, ...)[0] without the others: where the shortest parent starts, or 0. */
static size_t domain_first(const char *v, size_t n)
{
	uint64_t d;

	if (n > 64) {
		size_t k = n, seen = 0;
		while (n <= 255 && k-- > 0)
			if (v[k] == '.' && ++seen == 2)
				return k + 1;
		return 0;
	}
	d = name_dots(v, n);
	/* the last dot's bit cleared (d | 1 has d's top bit, and clears nothing when d is 0),
	 * then the byte after the dot now on top, or 0 when none is left */
	d &= ~((uint64_t)1 << (63 - __builtin_clzll(d | 1)));
	return (size_t)(64 - __builtin_clzll(d | 1)) & (size_t)(0 - (uint64_t)(d != 0));
}

/* A domain name and its parents (domain_offsets), walked from the shortest parent to the name:
 * the first the filter does not hold ends the walk (the filter holds every ancestor of every
 * domain key, see the top of the file). The ones it holds are probed longest first, the order
 * hits were always reported in. h0 is the hash of the first (the caller's look-ahead): most
 * names end there, before their other parents are listed. */
static void add_domain_probes(const pi_scan_matcher *m, pi_scan_mthread *t, const char *v, size_t n,
        uint64_t h0, size_t obs, pi_scan_hit_fn fn, void *arg)
{
	uint16_t off[130];
	uint64_t hash[130];
	size_t noff, held = 1;

	t->filter_checks++;
	if (!filter_maybe(m, h0))
		return;
	noff = domain_offsets(v, n, off);
	hash[0] = h0;
	for (; held < noff; held++) {
		uint64_t h = obs_hash(CLS_DOMAIN, v + off[held], n - off[held]);
		t->filter_checks++;
		if (!filter_maybe(m, h))
			break;
		hash[held] = h;
	}
	while (held > 0) {
		held--;
		probe_store(
		        m, t, CLS_DOMAIN, v + off[held], n - off[held], hash[held], obs, fn, arg);
	}
}

static int on_hs_match(
        unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	pi_scan_mthread *t = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (t->nhs < HS_HITS_MAX)
		t->hs_hits[t->nhs++] = id;
	return 0;
}

static void trie_walk(const pi_scan_matcher *m, int fam6, const uint8_t *a, size_t obs,
        pi_scan_hit_fn fn, void *arg)
{
	const struct trie *tr = &m->trie[fam6];
	unsigned bits = fam6 ? 128 : 32, bit = 0;
	uint32_t cur = 0;

	if (tr->n == 0)
		return;
	if (tr->jump) {
		uint32_t j = tr->jump[(uint32_t)a[0] << 8 | a[1]];
		if (j == 0 || (j != JUMP_WALK && j >= tr->n))
			return;
		if (j != JUMP_WALK) {
			cur = j;
			bit = JUMP_BITS;
		}
	}
	for (;; bit++) {
		if (tr->nodes[cur].ref)
			report(m, tr->nodes[cur].ref, obs, fn, arg);
		if (bit >= bits)
			break;
		cur = tr->nodes[cur].child[(a[bit / 8] >> (7 - bit % 8)) & 1];
		if (!cur || cur >= tr->n)
			break;
	}
}

/* The bit of addr's /16 in ip4_16: some exact IPv4 key starts with these 16 bits. */
static inline int ip4_16_has(const pi_scan_matcher *m, const uint8_t addr[4])
{
	unsigned p16 = (unsigned)addr[0] << 8 | addr[1];
	return (int)((m->ip4_16[p16 >> 6] >> (p16 & 63)) & 1);
}

static int ip4_possible(const pi_scan_matcher *m, const uint8_t addr[4])
{
	unsigned p16 = (unsigned)addr[0] << 8 | addr[1];
	const struct trie *tr = &m->trie[0];

	if (ip4_16_has(m, addr))
		return 1;
	if (m->hs[CLS_IP4].db)
		return 1;
	if (tr->n == 0)
		return 0;
	return !tr->jump || tr->jump[p16] != 0;
}

/* Fills m->ip4_filter (at the end of a build or a cache read). */
static void ip4_filter_make(pi_scan_matcher *m)
{
	memset(m->ip4_filter, 0, sizeof(m->ip4_filter));
	for (unsigned p16 = 0; p16 < 65536; p16++) {
		const uint8_t a[4] = {(uint8_t)(p16 >> 8), (uint8_t)p16, 0, 0};
		if (ip4_possible(m, a))
			m->ip4_filter[p16 >> 6] |= (uint64_t)1 << (p16 & 63);
	}
}

const uint64_t *pi_scan_match_ip4_filter(const pi_scan_matcher *m)
{
	return m->ip4_filter;
}

/* The hash of an observable's first filter check (for a domain, its shortest parent), 0 for one
 * that needs no check. */
static uint64_t first_hash(const pi_scan_matcher *m, const struct pi_scan_mobs *o, int cls)
{
	switch (cls) {
	case CLS_IP4:
		return ip4_16_has(m, o->addr) ? hash_words(CLS_IP4, (const char *)o->addr, 4, 2) : 0;
	case CLS_IP6: return hash_words(CLS_IP6, (const char *)o->addr, 16, 2);
	case CLS_DOMAIN: {
		size_t f = domain_first(o->value, o->len);
		return obs_hash(CLS_DOMAIN, o->value + f, o->len - f);
	}
	case CLS_NONE: return 0;
	default: return obs_hash((unsigned)cls, o->value, o->len);
	}
}

/* observables whose first filter word is fetched before any of them is checked: the checks
 * miss the caches (the filter is megabytes, the names random), and fetched together their
 * waits overlap */
#define LOOK_AHEAD 32

void pi_scan_match_batch(const pi_scan_matcher *m, pi_scan_mthread *t,
        const struct pi_scan_mobs *obs, size_t n, pi_scan_hit_fn fn, void *arg)
{
	for (size_t b = 0; b < n; b += LOOK_AHEAD) {
		size_t be = b + LOOK_AHEAD < n ? b + LOOK_AHEAD : n;
		uint64_t h0[LOOK_AHEAD];
		for (size_t i = b; i < be; i++) {
			h0[i - b] = first_hash(m, &obs[i], kind_cls(obs[i].kind));
			__builtin_prefetch(&m->filter[filter_mix(h0[i - b]) >> m->filter_shift]);
		}
		for (size_t i = b; i < be; i++) {
			const struct pi_scan_mobs *o = &obs[i];
			int cls = kind_cls(o->kind);
			uint64_t h = h0[i - b];
			switch (cls) {
			case CLS_IP4:
				if (ip4_16_has(m, o->addr))
					add_probe(m, t, CLS_IP4, (const char *)o->addr, 4, h, i, fn,
					        arg);
				break;
			case CLS_IP6:
				add_probe(m, t, CLS_IP6, (const char *)o->addr, 16, h, i, fn, arg);
				break;
			case CLS_DOMAIN:
				add_domain_probes(m, t, o->value, o->len, h, i, fn, arg);
				break;
			case CLS_NONE: break;
			default:
				add_probe(m, t, (unsigned)cls, o->value, o->len, h, i, fn, arg);
				break;
			}
		}
	}
	run_probes(m, t, fn, arg);
	for (size_t i = 0; i < n; i++) {
		const struct pi_scan_mobs *o = &obs[i];
		int cls = kind_cls(o->kind);
		if (cls == CLS_IP4 || cls == CLS_IP6)
			trie_walk(m, cls == CLS_IP6, o->addr, i, fn, arg);
		if (cls != CLS_NONE && m->hs[cls].db && t->scratch) {
			if (!pf_maybe(&m->hs[cls].pf, cls, o->value, o->len)) {
				t->hs_skipped++;
				continue;
			}
			t->hs_scans++;
			t->nhs = 0;
			hs_scan(m->hs[cls].db, o->value, o->len, 0, t->scratch, on_hs_match, t);
			for (size_t k = 0; k < t->nhs; k++)
				fn(arg, i, t->hs_hits[k]);
		}
	}
}
