/* fuzz.c - the permutations of one domain that a phisher would register.
 *
 * The domain is split as dnstwist 20221213 splits it without the `tld` module
 * (subdomain, domain label, suffix where the second-level "co", "com", ... make a two-label
 * suffix), the fuzzers work on the domain label as Unicode code points, and every candidate
 * goes through one funnel (emit): converted to punycode (our RFC 3492 encoder for labels
 * whose code points libidn2 has accepted as they are, libidn2 itself for anything else),
 * checked against the host-name rule, deduplicated on the ASCII text and kept with the first
 * fuzzer that made it.
 *
 * The homoglyph fuzzer reproduces dnstwist's two rounds of "replace every occurrence of a
 * character inside a window": the distinct results of one round are exactly, for each
 * character c, each glyph g of c and each run p[a..b] of consecutive occurrences of c, the
 * text with those occurrences replaced by g, except the run that spans the whole label (a
 * window is never the whole label). Enumerating runs instead of windows gives the same set
 * with far fewer candidates.
 *
 * The second round skips a replacement when the same text is made in the other order (see
 * homoglyph_mix), which halves the candidates of long labels without losing any; after it,
 * few candidate labels repeat, so labels are converted without being deduplicated first.
 *
 * Speed (bench/RESULTS.md): the name set is an open-addressing table of 8-byte slots that
 * point into the arena (struct blob) holding the names themselves; the table, the arena and
 * the permutation array are sized once from an estimate taken after the first homoglyph
 * round (gen_reserve). Labels of code points go to ASCII without a UTF-8 round trip when no
 * libidn2 call is needed (emit_mid_fast). pi_perms_sort is a multikey quicksort on cached
 * 8-byte key chunks.
 *
 * Caps: the input is a host name (<= 253 bytes), the domain label <= 63 code points, the
 * result set <= PI_LOOKALIKE_MAX_PERMS names from <= PI_LOOKALIKE_MAX_LABELS candidate labels
 * (PI_ERR_TOOBIG beyond; a label whose homoglyph candidates would pass the label cap is
 * refused before they are made).
 */
#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "lookalike/lookalike.h"

#define MAX_LABEL_CP 63
#define MAX_CP 512    /* scratch code points: two homoglyph rounds may double the label twice */
#define MAX_TEXT 2048 /* scratch bytes for one candidate name */

static const char *const fuzzer_names[PI_FUZZ_COUNT] = {
        [PI_FUZZ_ORIGINAL] = "*original",
        [PI_FUZZ_ADDITION] = "addition",
        [PI_FUZZ_BITSQUATTING] = "bitsquatting",
        [PI_FUZZ_CYRILLIC] = "cyrillic",
        [PI_FUZZ_HOMOGLYPH] = "homoglyph",
        [PI_FUZZ_HYPHENATION] = "hyphenation",
        [PI_FUZZ_INSERTION] = "insertion",
        [PI_FUZZ_OMISSION] = "omission",
        [PI_FUZZ_REPETITION] = "repetition",
        [PI_FUZZ_REPLACEMENT] = "replacement",
        [PI_FUZZ_SUBDOMAIN] = "subdomain",
        [PI_FUZZ_TRANSPOSITION] = "transposition",
        [PI_FUZZ_VOWEL_SWAP] = "vowel-swap",
        [PI_FUZZ_DICTIONARY] = "dictionary",
        [PI_FUZZ_TLD_SWAP] = "tld-swap",
        [PI_FUZZ_VARIOUS] = "various",
        [PI_FUZZ_PLURAL] = "plural",
        [PI_FUZZ_COMBOSQUAT] = "combosquat",
        [PI_FUZZ_BRAND_SUBDOMAIN] = "brand-subdomain",
};

/* Keyboard neighbours (qwerty, qwertz, azerty), as dnstwist lists them. */
static const char *const kb_qwerty[128] = {['1'] = "2q",
        ['2'] = "3wq1",
        ['3'] = "4ew2",
        ['4'] = "5re3",
        ['5'] = "6tr4",
        ['6'] = "7yt5",
        ['7'] = "8uy6",
        ['8'] = "9iu7",
        ['9'] = "0oi8",
        ['0'] = "po9",
        ['q'] = "12wa",
        ['w'] = "3esaq2",
        ['e'] = "4rdsw3",
        ['r'] = "5tfde4",
        ['t'] = "6ygfr5",
        ['y'] = "7uhgt6",
        ['u'] = "8ijhy7",
        ['i'] = "9okju8",
        ['o'] = "0plki9",
        ['p'] = "lo0",
        ['a'] = "qwsz",
        ['s'] = "edxzaw",
        ['d'] = "rfcxse",
        ['f'] = "tgvcdr",
        ['g'] = "yhbvft",
        ['h'] = "ujnbgy",
        ['j'] = "ikmnhu",
        ['k'] = "olmji",
        ['l'] = "kop",
        ['z'] = "asx",
        ['x'] = "zsdc",
        ['c'] = "xdfv",
        ['v'] = "cfgb",
        ['b'] = "vghn",
        ['n'] = "bhjm",
        ['m'] = "njk"};
static const char *const kb_qwertz[128] = {['1'] = "2q",
        ['2'] = "3wq1",
        ['3'] = "4ew2",
        ['4'] = "5re3",
        ['5'] = "6tr4",
        ['6'] = "7zt5",
        ['7'] = "8uz6",
        ['8'] = "9iu7",
        ['9'] = "0oi8",
        ['0'] = "po9",
        ['q'] = "12wa",
        ['w'] = "3esaq2",
        ['e'] = "4rdsw3",
        ['r'] = "5tfde4",
        ['t'] = "6zgfr5",
        ['z'] = "7uhgt6",
        ['u'] = "8ijhz7",
        ['i'] = "9okju8",
        ['o'] = "0plki9",
        ['p'] = "lo0",
        ['a'] = "qwsy",
        ['s'] = "edxyaw",
        ['d'] = "rfcxse",
        ['f'] = "tgvcdr",
        ['g'] = "zhbvft",
        ['h'] = "ujnbgz",
        ['j'] = "ikmnhu",
        ['k'] = "olmji",
        ['l'] = "kop",
        ['y'] = "asx",
        ['x'] = "ysdc",
        ['c'] = "xdfv",
        ['v'] = "cfgb",
        ['b'] = "vghn",
        ['n'] = "bhjm",
        ['m'] = "njk"};
static const char *const kb_azerty[128] = {['1'] = "2a",
        ['2'] = "3za1",
        ['3'] = "4ez2",
        ['4'] = "5re3",
        ['5'] = "6tr4",
        ['6'] = "7yt5",
        ['7'] = "8uy6",
        ['8'] = "9iu7",
        ['9'] = "0oi8",
        ['0'] = "po9",
        ['a'] = "2zq1",
        ['z'] = "3esqa2",
        ['e'] = "4rdsz3",
        ['r'] = "5tfde4",
        ['t'] = "6ygfr5",
        ['y'] = "7uhgt6",
        ['u'] = "8ijhy7",
        ['i'] = "9okju8",
        ['o'] = "0plki9",
        ['p'] = "lo0m",
        ['q'] = "zswa",
        ['s'] = "edxwqz",
        ['d'] = "rfcxse",
        ['f'] = "tgvcdr",
        ['g'] = "yhbvft",
        ['h'] = "ujnbgy",
        ['j'] = "iknhu",
        ['k'] = "olji",
        ['l'] = "kopm",
        ['m'] = "lp",
        ['w'] = "sxq",
        ['x'] = "wsdc",
        ['c'] = "xdfv",
        ['v'] = "cfgb",
        ['b'] = "vghn",
        ['n'] = "bhj"};
static const char *const *const keyboards[] = {kb_qwerty, kb_qwertz, kb_azerty};

/* Homoglyphs of each ASCII character (UTF-8), as dnstwist lists them; NULL-terminated. */
static const char *const glyph_table[128][18] = {
        ['0'] = {"o"},
        ['1'] = {"l", "i"},
        ['2'] = {"ƻ"},
        ['3'] = {"8"},
        ['5'] = {"ƽ"},
        ['6'] = {"9"},
        ['8'] = {"3"},
        ['9'] = {"6"},
        ['a'] = {"à", "á", "â", "ã", "ä", "å", "ɑ", "ạ", "ǎ", "ă", "ȧ", "ą", "ə"},
        ['b'] = {"d", "lb", "ʙ", "ɓ", "ḃ", "ḅ", "ḇ", "ƅ"},
        ['c'] = {"e", "ƈ", "ċ", "ć", "ç", "č", "ĉ", "ᴄ"},
        ['d'] = {"b", "cl", "dl", "ɗ", "đ", "ď", "ɖ", "ḑ", "ḋ", "ḍ", "ḏ", "ḓ"},
        ['e'] = {"c", "é", "è", "ê", "ë", "ē", "ĕ", "ě", "ė", "ẹ", "ę", "ȩ", "ɇ", "ḛ"},
        ['f'] = {"ƒ", "ḟ"},
        ['g'] = {"q", "ɢ", "ɡ", "ġ", "ğ", "ǵ", "ģ", "ĝ", "ǧ", "ǥ"},
        ['h'] = {"lh", "ĥ", "ȟ", "ħ", "ɦ", "ḧ", "ḩ", "ⱨ", "ḣ", "ḥ", "ḫ", "ẖ"},
        ['i'] = {"1", "l", "í", "ì", "ï", "ı", "ɩ", "ǐ", "ĭ", "ỉ", "ị", "ɨ", "ȋ", "ī", "ɪ"},
        ['j'] = {"ʝ", "ǰ", "ɉ", "ĵ"},
        ['k'] = {"lk", "ik", "lc", "ḳ", "ḵ", "ⱪ", "ķ", "ᴋ"},
        ['l'] = {"1", "i", "ɫ", "ł"},
        ['m'] = {"n", "nn", "rn", "rr", "ṁ", "ṃ", "ᴍ", "ɱ", "ḿ"},
        ['n'] = {"m", "r", "ń", "ṅ", "ṇ", "ṉ", "ñ", "ņ", "ǹ", "ň", "ꞑ"},
        ['o'] = {"0", "ȯ", "ọ", "ỏ", "ơ", "ó", "ö", "ᴏ"},
        ['p'] = {"ƿ", "ƥ", "ṕ", "ṗ"},
        ['q'] = {"g", "ʠ"},
        ['r'] = {"ʀ", "ɼ", "ɽ", "ŕ", "ŗ", "ř", "ɍ", "ɾ", "ȓ", "ȑ", "ṙ", "ṛ", "ṟ"},
        ['s'] = {"ʂ", "ś", "ṣ", "ṡ", "ș", "ŝ", "š", "ꜱ"},
        ['t'] = {"ţ", "ŧ", "ṫ", "ṭ", "ț", "ƫ"},
        ['u'] = {"ᴜ", "ǔ", "ŭ", "ü", "ʉ", "ù", "ú", "û", "ũ", "ū", "ų", "ư", "ů", "ű", "ȕ", "ȗ",
                "ụ"},
        ['v'] = {"ṿ", "ⱱ", "ᶌ", "ṽ", "ⱴ", "ᴠ"},
        ['w'] = {"vv", "ŵ", "ẁ", "ẃ", "ẅ", "ⱳ", "ẇ", "ẉ", "ẘ", "ᴡ"},
        ['x'] = {"ẋ", "ẍ"},
        ['y'] = {"ʏ", "ý", "ÿ", "ŷ", "ƴ", "ȳ", "ɏ", "ỿ", "ẏ", "ỵ"},
        ['z'] = {"ʐ", "ż", "ź", "ᴢ", "ƶ", "ẓ", "ẕ", "ⱬ"},
};

/* Latin to Cyrillic lookalikes (dnstwist's cyrillic fuzzer). */
static const char *const cyrillic_table[128] = {['a'] = "а",
        ['b'] = "ь",
        ['c'] = "с",
        ['d'] = "ԁ",
        ['e'] = "е",
        ['g'] = "ԍ",
        ['h'] = "һ",
        ['i'] = "і",
        ['j'] = "ј",
        ['k'] = "к",
        ['l'] = "ӏ",
        ['m'] = "м",
        ['o'] = "о",
        ['p'] = "р",
        ['q'] = "ԛ",
        ['s'] = "ѕ",
        ['t'] = "т",
        ['v'] = "ѵ",
        ['w'] = "ԝ",
        ['x'] = "х",
        ['y'] = "у"};

/* Words a postal smishing domain puts around the brand (combosquat, brand-subdomain). */
static const char *const postal_words[] = {"track", "tracking", "parcel", "package", "delivery",
        "redelivery", "customs", "pay", "fee", "post", "mail", "notice", "gov", "usa", "online",
        "service", "info", "help", "secure", "update", "verify", "status", "shipping", "postal",
        "express", "support", "login", "account"};

const char *const *pi_lookalike_postal_words(size_t *n)
{
	*n = sizeof(postal_words) / sizeof(postal_words[0]);
	return postal_words;
}

/* dnstwist's second-level names that make a two-label suffix when it lacks the tld module. */
static const char *const ctld[] = {
        "org", "com", "net", "gov", "edu", "co", "mil", "nom", "ac", "info", "biz"};

/* A growing array of NUL-terminated byte strings; an offset into it stays valid as it grows. */
struct blob {
	char *data;
	size_t len, cap;
};

/* A set of NUL-free byte strings: open addressing with linear probing over a power-of-two
 * table of 8-byte slots. A slot holds the upper 32 bits of the key's 64-bit hash (the tag; its
 * low bits pick the home slot, so growing never reads a key) and 1 + the offset of the key's
 * NUL-terminated copy in a blob owned by the caller (0 = empty). The load factor stays at
 * most 1/2; strset_reserve sizes the table once from an estimate so that generation does not
 * rehash. The keys' blob may be shared with other data (the permutations keep their ASCII
 * names in the blob the ASCII set points into, so each name is stored once). */
struct set_slot {
	uint32_t tag;
	uint32_t ref;
};

struct strset {
	struct set_slot *slots;
	size_t nslots; /* power of two, 0 before first use */
	size_t count;
};

struct perm {
	uint64_t key; /* scratch for pi_perms_sort: 8 bytes of the sort key */
	uint32_t ascii_off;
	uint32_t uni_off; /* UINT32_MAX if the Unicode form equals the ASCII form */
	uint8_t fuzzer;
};

struct pi_perms {
	struct perm *v;
	size_t n, cap;
	struct blob names;        /* ASCII names (the keys of seen_ascii) and Unicode forms */
	struct strset seen_ascii; /* final ASCII names, keys in names */
};

/* Which code points punycode_encode may convert alone (see cp_simple): open addressing on
 * the code point, at most CP_CACHE_MAX entries remembered. The answers depend only on
 * libidn2, so one cache per thread serves every domain that thread generates. */
#define CP_CACHE_SLOTS 1024
#define CP_CACHE_MAX 512
struct cp_cache {
	uint32_t cp[CP_CACHE_SLOTS]; /* 0 = empty (0 is never asked about) */
	int8_t ok[CP_CACHE_SLOTS];
	size_t n;
};

static _Thread_local struct cp_cache thread_cp_cache;

struct gen {
	const struct pi_gen_options *opts;
	unsigned fuzzers;
	char sub[256], tld[256]; /* ASCII; may be empty */
	size_t sub_len, tld_len;
	int frame_ok; /* sub.a.tld is a valid host name */
	uint32_t mid[MAX_LABEL_CP + 1];
	size_t mid_len;
	pi_perms *out;
	size_t candidates;      /* emit_mid calls so far */
	struct cp_cache *cache; /* this thread's */
	struct pi_error *err;
	pi_status status; /* first failure; generation stops at it */
};

static uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)len * 0xff51afd7ed558ccdull);
	uint64_t v;

	while (len >= 8) {
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		p += 8;
		len -= 8;
	}
	v = 0;
	memcpy(&v, p, len);
	h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

static void blob_free(struct blob *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Makes room for more bytes. PI_ERR_TOOBIG past 4 GiB (offsets are 32-bit). */
static pi_status blob_reserve(struct blob *b, size_t more)
{
	size_t cap;
	char *nb;

	if (more > UINT32_MAX - 1 || b->len + more > UINT32_MAX - 1)
		return PI_ERR_TOOBIG;
	if (b->len + more <= b->cap)
		return PI_OK;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + more)
		cap *= 2;
	nb = realloc(b->data, cap);
	if (!nb)
		return PI_ERR_NOMEM;
	b->data = nb;
	b->cap = cap;
	return PI_OK;
}

/* Appends s[0..len) and a NUL; *off gets its offset. */
static pi_status blob_add(struct blob *b, const char *s, size_t len, uint32_t *off)
{
	pi_status st = blob_reserve(b, len + 1);

	if (st != PI_OK)
		return st;
	memcpy(b->data + b->len, s, len);
	b->data[b->len + len] = '\0';
	*off = (uint32_t)b->len;
	b->len += len + 1;
	return PI_OK;
}

static void strset_free(struct strset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* Rebuilds the table with nslots slots (a power of two above 2 * count). */
static pi_status strset_resize(struct strset *s, size_t nslots)
{
	struct set_slot *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return PI_ERR_NOMEM;
	for (size_t i = 0; i < s->nslots; i++) {
		if (!s->slots[i].ref)
			continue;
		size_t j = s->slots[i].tag & (nslots - 1);
		while (slots[j].ref)
			j = (j + 1) & (nslots - 1);
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = nslots;
	return PI_OK;
}

/* Sizes the table for count + more keys without a rehash on the way. Best effort: if the
 * memory is not there, the table keeps growing by doubling as keys come. */
static void strset_reserve(struct strset *s, size_t more)
{
	size_t want = s->count + more, n = s->nslots ? s->nslots : 1024;

	if (want > (size_t)PI_LOOKALIKE_MAX_PERMS)
		want = PI_LOOKALIKE_MAX_PERMS;
	while (n < 2 * want)
		n *= 2;
	if (n > s->nslots)
		(void)strset_resize(s, n);
}

/* Adds key[0..len) (len > 0, no NUL inside) if absent, copying it to keys. *added is 1 if it
 * was new; *off (may be NULL) gets the offset of the key in keys either way. */
static pi_status strset_add(
        struct strset *s, struct blob *keys, const char *key, size_t len, int *added, uint32_t *off)
{
	uint32_t tag = (uint32_t)(hash_bytes(key, len) >> 32), ref;
	size_t j;
	pi_status st;

	*added = 0;
	if ((s->count + 1) * 2 > s->nslots &&
	        strset_resize(s, s->nslots ? s->nslots * 2 : 1024) != PI_OK)
		return PI_ERR_NOMEM;
	j = tag & (s->nslots - 1);
	while ((ref = s->slots[j].ref) != 0) {
		const char *k = keys->data + ref - 1;
		if (s->slots[j].tag == tag && memcmp(k, key, len) == 0 && k[len] == '\0') {
			if (off)
				*off = ref - 1;
			return PI_OK;
		}
		j = (j + 1) & (s->nslots - 1);
	}
	st = blob_add(keys, key, len, &ref);
	if (st != PI_OK)
		return st;
	s->slots[j].tag = tag;
	s->slots[j].ref = ref + 1;
	s->count++;
	*added = 1;
	if (off)
		*off = ref;
	return PI_OK;
}

const char *pi_fuzzer_name(enum pi_fuzzer f)
{
	return (unsigned)f < PI_FUZZ_COUNT ? fuzzer_names[f] : "?";
}

pi_status pi_fuzzer_parse_list(const char *list, unsigned *mask, struct pi_error *err)
{
	*mask = 0;
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ',')
			p++;
		size_t n = (size_t)(p - start);
		while (n && start[n - 1] == ' ')
			n--;
		int found = 0;
		for (unsigned f = 0; f < PI_FUZZ_COUNT; f++) {
			const char *name = fuzzer_names[f];
			if (strlen(name) == n && strncasecmp(name, start, n) == 0) {
				*mask |= 1u << f;
				found = 1;
			}
		}
		if (!found)
			return pi_error_set(err, PI_ERR_INVALID,
			        "unknown fuzzer '%.*s' (known: addition, bitsquatting, cyrillic, "
			        "homoglyph, hyphenation, insertion, omission, repetition, "
			        "replacement, subdomain, transposition, vowel-swap, dictionary, "
			        "tld-swap, various, plural, combosquat, brand-subdomain)",
			        (int)(n > 64 ? 64 : n), start);
	}
	if (!*mask)
		return pi_error_set(err, PI_ERR_INVALID, "the fuzzer list is empty");
	return PI_OK;
}

int pi_lookalike_valid_fqdn(const char *name, size_t len)
{
	size_t labels = 0, start = 0;

	if (len < 4 || len > 253)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			unsigned char c = (unsigned char)name[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			            (c >= '0' && c <= '9') || c == '-'))
				return 0;
			continue;
		}
		size_t n = i - start;
		int last = i == len;
		if (!last) {
			if (n < 1 || n > 63 || name[start] == '-' || name[i - 1] == '-')
				return 0;
		} else if (n < 2 || n > 63) {
			return 0;
		}
		labels++;
		start = i + 1;
	}
	return labels >= 2;
}

/* Decodes UTF-8 into code points; returns the count or -1 if invalid or over max. */
static long utf8_decode(const char *s, size_t len, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t k;
		if (c < 0x80) {
			cp = c;
			k = 1;
		} else if (c >= 0xc2 && c < 0xe0) {
			cp = c & 0x1f;
			k = 2;
		} else if (c >= 0xe0 && c < 0xf0) {
			cp = c & 0x0f;
			k = 3;
		} else if (c >= 0xf0 && c < 0xf5) {
			cp = c & 0x07;
			k = 4;
		} else {
			return -1;
		}
		if (i + k > len)
			return -1;
		for (size_t j = 1; j < k; j++) {
			unsigned char cc = (unsigned char)s[i + j];
			if ((cc & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (cc & 0x3f);
		}
		if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
		        (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return -1;
		if (n >= max)
			return -1;
		out[n++] = cp;
		i += k;
	}
	return (long)n;
}

/* Appends the UTF-8 of cp; returns bytes written (0 if no room). */
static size_t utf8_put(uint32_t cp, char *out, size_t room)
{
	if (cp < 0x80 && room >= 1) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800 && room >= 2) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000 && room >= 3) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (room >= 4) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

/* Records the first failure: out of memory while doing what, or over a cap, where what
 * names the cap. */
static void gen_fail(struct gen *g, pi_status st, const char *what)
{
	if (g->status != PI_OK)
		return;
	g->status = st;
	if (st == PI_ERR_TOOBIG)
		pi_error_set(g->err, st, "%s: use a shorter domain or fewer fuzzers", what);
	else
		pi_error_set(g->err, st, "out of memory while %s", what);
}

/* RFC 3492 punycode of cp[0..n) after "xn--" into out; returns the length or 0 on overflow. */
static size_t punycode_encode(const uint32_t *cp, size_t n, char *out, size_t room)
{
	const uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
	uint32_t next = 128, delta = 0, bias = 72, h, b = 0;
	struct {
		uint32_t cp, pos;
	} nb[MAX_CP]; /* the non-basic code points by (value, position) */
	size_t o = 0, k = 0;

	if (n > MAX_CP)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (cp[i] < 128) {
			if (o + 1 >= room)
				return 0;
			out[o++] = (char)cp[i];
			b++;
			continue;
		}
		size_t j = k++;
		while (j > 0 && nb[j - 1].cp > cp[i]) {
			nb[j] = nb[j - 1];
			j--;
		}
		nb[j].cp = cp[i];
		nb[j].pos = (uint32_t)i;
	}
	h = b;
	if (b > 0) {
		if (o + 1 >= room)
			return 0;
		out[o++] = '-';
	}
	/* RFC 3492 6.3 scans the whole label once per code point value, adding 1 to delta for
	 * every smaller code point. Here the scan is counted: every basic code point is smaller,
	 * and the few non-basic ones are looked up in nb. */
	for (size_t x = 0; x < k;) {
		uint32_t m = nb[x].cp, prev = 0;
		if ((uint64_t)(m - next) * (h + 1) + delta > UINT32_MAX / 2)
			return 0;
		delta += (m - next) * (h + 1);
		next = m;
		for (size_t stop = x; stop <= k; stop++) {
			/* the code points before the next occurrence of m (or the end) */
			uint32_t end = stop < k && nb[stop].cp == m ? nb[stop].pos : (uint32_t)n;
			delta += end - prev;
			for (size_t j = x; j < k; j++)
				if (nb[j].pos >= prev && nb[j].pos < end)
					delta--; /* not smaller than m */
			if (end == n)
				break;
			uint32_t q = delta;
			for (uint32_t kk = base;; kk += base) {
				uint32_t t = kk <= bias          ? tmin
				             : kk >= bias + tmax ? tmax
				                                 : kk - bias;
				if (q < t)
					break;
				uint32_t d = t + (q - t) % (base - t);
				if (o + 1 >= room)
					return 0;
				out[o++] = (char)(d < 26 ? 'a' + d : '0' + d - 26);
				q = (q - t) / (base - t);
			}
			if (o + 1 >= room)
				return 0;
			out[o++] = (char)(q < 26 ? 'a' + q : '0' + q - 26);
			/* adapt the bias */
			uint32_t dd = h == b ? delta / damp : delta / 2;
			dd += dd / (h + 1);
			uint32_t kb = 0;
			while (dd > ((base - tmin) * tmax) / 2) {
				dd /= base - tmin;
				kb += base;
			}
			bias = kb + (base - tmin + 1) * dd / (dd + skew);
			delta = 0;
			h++;
			prev = end + 1;
		}
		while (x < k && nb[x].cp == m)
			x++;
		delta++;
		next++;
	}
	out[o] = '\0';
	return o;
}

/* Per code point: may a label of ASCII letters and this code point be converted by
 * punycode_encode alone? Decided once per code point by asking libidn2 to convert "a<cp>a"
 * and comparing with our own encoding: equal means IDNA2008 accepts the code point as it is
 * (no mapping, no context rule, left-to-right, NFC). Other code points send their label to
 * libidn2 every time. */
static int cp_simple(struct cp_cache *c, uint32_t cp)
{
	uint32_t probe[3] = {'a', cp, 'a'};
	char mine[64], text[16];
	char *theirs = NULL;
	size_t len = 0, slot = (cp * 2654435761u) & (CP_CACHE_SLOTS - 1);
	int ok;

	while (c->cp[slot]) {
		if (c->cp[slot] == cp)
			return c->ok[slot];
		slot = (slot + 1) & (CP_CACHE_SLOTS - 1);
	}
	if ((cp >= 0x1100 && cp < 0x1200) || (cp >= 0x3130 && cp < 0x3190) ||
	        (cp >= 0xac00 && cp < 0xd7b0) || (cp >= 0x300 && cp < 0x370))
		ok = 0; /* jamo compose, marks combine: never on the fast path */
	else {
		memcpy(mine, "xn--", 4);
		ok = punycode_encode(probe, 3, mine + 4, sizeof(mine) - 4) > 0;
		len = utf8_put('a', text, sizeof(text));
		len += utf8_put(cp, text + len, sizeof(text) - len);
		len += utf8_put('a', text + len, sizeof(text) - len);
		text[len] = '\0';
		ok = ok && idn2_to_ascii_8z(text, &theirs, IDN2_NONTRANSITIONAL) == IDN2_OK &&
		     strcmp(theirs, mine) == 0;
		idn2_free(theirs);
	}
	if (c->n < CP_CACHE_MAX && cp) {
		c->cp[slot] = cp;
		c->ok[slot] = (int8_t)ok;
		c->n++;
	}
	return ok;
}

/* Converts a UTF-8 name to ASCII: labels of plain letters through punycode_encode, anything
 * else through libidn2. Returns the length, or 0 if the name is not a valid IDN. */
static size_t to_ascii(struct cp_cache *cache, const char *text, size_t len, char *out, size_t room)
{
	size_t o = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '.')
			continue;
		const char *label = text + start;
		size_t llen = i - start;
		uint32_t cp[MAX_CP];
		long n = utf8_decode(label, llen, cp, MAX_CP);
		int plain = 1, simple = 1;
		if (n <= 0)
			return 0;
		for (long k = 0; k < n; k++) {
			if (cp[k] < 128) {
				char c = (char)cp[k];
				if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
					simple = 0;
				continue;
			}
			plain = 0;
			if (!cp_simple(cache, cp[k]))
				simple = 0;
		}
		if (!plain && n >= 4 && cp[2] == '-' && cp[3] == '-')
			simple = 0;
		if (o + llen + 2 >= room)
			return 0;
		if (o)
			out[o++] = '.';
		if (plain) {
			memcpy(out + o, label, llen);
			o += llen;
		} else if (simple) {
			memcpy(out + o, "xn--", 4);
			size_t k = punycode_encode(cp, (size_t)n, out + o + 4, room - o - 4);
			if (!k)
				return 0;
			o += 4 + k;
		} else {
			char tmp[MAX_TEXT];
			char *conv = NULL;
			memcpy(tmp, label, llen);
			tmp[llen] = '\0';
			if (idn2_to_ascii_8z(tmp, &conv, IDN2_NONTRANSITIONAL) != IDN2_OK) {
				idn2_free(conv);
				return 0;
			}
			size_t k = strlen(conv);
			if (o + k + 1 >= room) {
				idn2_free(conv);
				return 0;
			}
			memcpy(out + o, conv, k);
			o += k;
			idn2_free(conv);
		}
		start = i + 1;
	}
	out[o] = '\0';
	return o;
}

/* Prepares the dedup sets and the permutation storage for about names more distinct labels
 * and names (the homoglyph fuzzer alone makes enough to matter), so that they are filled
 * without rehashing or copying. Best effort: what cannot be reserved grows on demand. */
static void gen_reserve(struct gen *g, size_t names)
{
	pi_perms *p = g->out;
	size_t name_bytes = 2 * (g->sub_len + g->tld_len) + 3 * g->mid_len + 24;

	if (names > PI_LOOKALIKE_MAX_PERMS)
		names = PI_LOOKALIKE_MAX_PERMS;
	strset_reserve(&p->seen_ascii, names);
	(void)blob_reserve(&p->names, names * name_bytes);
	if (p->n + names > p->cap) {
		struct perm *nv = realloc(p->v, (p->n + names) * sizeof(*nv));
		if (nv) {
			p->v = nv;
			p->cap = p->n + names;
		}
	}
}

/* Stores name[0..name_len) (an ASCII host name that passed pi_lookalike_valid_fqdn) as made
 * by f, unless it is there already. uni[0..uni_len) is its Unicode form, NULL when that is
 * the name itself. */
static void add_name(struct gen *g, enum pi_fuzzer f, const char *name, size_t name_len,
        const char *uni, size_t uni_len)
{
	pi_perms *p = g->out;
	int added = 0;
	uint32_t aoff = 0, uoff = UINT32_MAX;
	pi_status st;

	st = strset_add(&p->seen_ascii, &p->names, name, name_len, &added, &aoff);
	if (st != PI_OK) {
		gen_fail(g, st, "deduplicating");
		return;
	}
	if (!added)
		return;
	if (p->n >= PI_LOOKALIKE_MAX_PERMS) {
		g->status = PI_ERR_TOOBIG; /* the first failure: generation stops at any */
		pi_error_set(g->err, PI_ERR_TOOBIG,
		        "more than %u permutations: use a shorter domain or fewer fuzzers",
		        PI_LOOKALIKE_MAX_PERMS);
		return;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct perm *nv = realloc(p->v, cap * sizeof(*nv));
		if (!nv) {
			gen_fail(g, PI_ERR_NOMEM, "storing permutations");
			return;
		}
		p->v = nv;
		p->cap = cap;
	}
	if (uni && (st = blob_add(&p->names, uni, uni_len, &uoff)) != PI_OK) {
		gen_fail(g, st, "storing permutations");
		return;
	}
	p->v[p->n].key = 0;
	p->v[p->n].ascii_off = aoff;
	p->v[p->n].uni_off = uoff;
	p->v[p->n].fuzzer = (uint8_t)f;
	p->n++;
}

/* The funnel: text[0..len) is a whole candidate name in UTF-8. */
static void emit_text(struct gen *g, enum pi_fuzzer f, const char *text, size_t len)
{
	int ascii = 1;
	char converted[MAX_TEXT];
	const char *name = text;
	size_t name_len = len;

	if (g->status != PI_OK || len == 0 || len >= MAX_TEXT)
		return;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			ascii = 0;
	if (!ascii) {
		name_len = to_ascii(g->cache, text, len, converted, sizeof(converted));
		if (!name_len)
			return; /* not a valid IDN: never emitted */
		name = converted;
	}
	if (!pi_lookalike_valid_fqdn(name, name_len))
		return;
	add_name(g, f, name, name_len, ascii ? NULL : text, len);
}

/* Joins the non-empty parts with dots (dnstwist's '.'.join(filter(None, ...))). */
static size_t join_parts(
        char *out, size_t room, const char *const *parts, const size_t *lens, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (!lens[i])
			continue;
		if (len + lens[i] + 1 >= room)
			return 0;
		if (len)
			out[len++] = '.';
		memcpy(out + len, parts[i], lens[i]);
		len += lens[i];
	}
	return len;
}

/* Emits sub.MID.tld where MID is given as UTF-8. */
static void emit_mid_utf8(struct gen *g, enum pi_fuzzer f, const char *mid, size_t mid_len)
{
	char text[MAX_TEXT];
	const char *parts[3] = {g->sub, mid, g->tld};
	size_t lens[3] = {g->sub_len, mid_len, g->tld_len};
	size_t len = join_parts(text, sizeof(text), parts, lens, 3);

	if (len)
		emit_text(g, f, text, len);
}

static size_t cp_to_utf8(const uint32_t *cp, size_t n, char *out, size_t room)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = utf8_put(cp[i], out + len, room - len);
		if (!k)
			return 0;
		len += k;
	}
	return len;
}

static int is_lookalike_char(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* True if s[0..n) may stand between other labels of a name pi_lookalike_valid_fqdn accepts. */
static int label_ok(const char *s, size_t n)
{
	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		            c == '-'))
			return 0;
	}
	return 1;
}

/* emit_mid's way from code points to the ASCII name without a UTF-8 round trip: a label
 * without dots whose code points are all ASCII is taken as it is, one whose other code points
 * are all simple (cp_simple) goes through punycode_encode; that is what to_ascii and
 * emit_text would do, and the name is checked as pi_lookalike_valid_fqdn would (the labels
 * around the domain label were checked once, in g->frame_ok). Returns 0, having done
 * nothing, when the label needs to_ascii. */
static int emit_mid_fast(struct gen *g, enum pi_fuzzer f, const uint32_t *cp, size_t n)
{
	char name[MAX_TEXT], text[MAX_TEXT];
	size_t o = 0, label, label_len, text_len = 0;
	int plain = 1;

	for (size_t i = 0; i < n; i++) {
		if (cp[i] == '.')
			return 0;
		if (cp[i] >= 128)
			plain = 0;
	}
	if (!plain) {
		if (n >= 4 && cp[2] == '-' && cp[3] == '-')
			return 0;
		for (size_t i = 0; i < n; i++)
			if (cp[i] < 128 ? !is_lookalike_char(cp[i]) : !cp_simple(g->cache, cp[i]))
				return 0;
	}
	if (!g->frame_ok || n > MAX_LABEL_CP * 4)
		return 1; /* no name around this label is valid; or far too long */
	if (g->sub_len) {
		memcpy(name, g->sub, g->sub_len);
		o = g->sub_len;
		name[o++] = '.';
	}
	label = o;
	if (plain) {
		for (size_t i = 0; i < n; i++)
			name[o++] = (char)cp[i];
	} else {
		memcpy(name + o, "xn--", 4);
		size_t k = punycode_encode(cp, n, name + o + 4, sizeof(name) - o - 4 - 256);
		if (!k)
			return 1; /* longer than any host name */
		o += 4 + k;
	}
	label_len = o - label;
	name[o++] = '.';
	memcpy(name + o, g->tld, g->tld_len);
	o += g->tld_len;
	if (o < 4 || o > 253 || !label_ok(name + label, label_len))
		return 1;
	if (!plain) {
		/* the Unicode form: sub.LABEL.tld with the label in UTF-8 (< 1 KiB: n <= 252) */
		size_t k = cp_to_utf8(cp, n, text + label, sizeof(text) - label - 512);
		if (!k)
			return 1;
		memcpy(text, name, label);
		text_len = label + k;
		text[text_len++] = '.';
		memcpy(text + text_len, g->tld, g->tld_len);
		text_len += g->tld_len;
	}
	add_name(g, f, name, o, plain ? NULL : text, text_len);
	return 1;
}

/* Emits the domain label cp[0..n) (code points) made by f between the domain's subdomain and
 * suffix. Labels are not deduplicated before conversion (the homoglyph fuzzer, which makes
 * nearly all of them, makes few twice); names are, in add_name. */
static void emit_mid(struct gen *g, enum pi_fuzzer f, const uint32_t *cp, size_t n)
{
	char mid[MAX_TEXT];
	size_t len;

	if (g->status != PI_OK || n == 0)
		return;
	if (++g->candidates > PI_LOOKALIKE_MAX_LABELS) {
		gen_fail(g, PI_ERR_TOOBIG, "too many candidate labels");
		return;
	}
	if (emit_mid_fast(g, f, cp, n))
		return;
	len = cp_to_utf8(cp, n, mid, sizeof(mid));
	if (len)
		emit_mid_utf8(g, f, mid, len);
}

static void fuzz_addition(struct gen *g)
{
	uint32_t buf[MAX_CP];
	size_t n = g->mid_len;

	memcpy(buf, g->mid, n * sizeof(*buf));
	for (uint32_t c = '0'; c <= 'z'; c++) {
		if (c > '9' && c < 'a')
			continue;
		buf[n] = c;
		emit_mid(g, PI_FUZZ_ADDITION, buf, n + 1);
	}
}

static void fuzz_bitsquatting(struct gen *g)
{
	uint32_t buf[MAX_CP];

	memcpy(buf, g->mid, g->mid_len * sizeof(*buf));
	for (size_t i = 0; i < g->mid_len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			uint32_t b = g->mid[i] ^ (1u << bit);
			if (!is_lookalike_char(b))
				continue;
			buf[i] = b;
			emit_mid(g, PI_FUZZ_BITSQUATTING, buf, g->mid_len);
		}
		buf[i] = g->mid[i];
	}
}

static void fuzz_cyrillic(struct gen *g)
{
	char mid[MAX_TEXT];
	size_t len = 0;

	for (size_t i = 0; i < g->mid_len; i++) {
		uint32_t c = g->mid[i];
		const char *r = c < 128 ? cyrillic_table[c] : NULL;
		if (!r)
			return; /* dnstwist keeps only names with every character replaced */
		size_t k = strlen(r);
		memcpy(mid + len, r, k);
		len += k;
	}
	if (len)
		emit_mid_utf8(g, PI_FUZZ_CYRILLIC, mid, len);
}

/* Decoded homoglyph table: glyph code points per ASCII character. */
struct glyph {
	uint32_t cp[2];
	uint8_t n;
};
struct glyphs {
	struct glyph g[128][18];
	uint8_t count[128];
};

static void glyphs_init(struct glyphs *gl)
{
	memset(gl, 0, sizeof(*gl));
	for (unsigned c = 0; c < 128; c++) {
		for (unsigned k = 0; k < 18 && glyph_table[c][k]; k++) {
			const char *s = glyph_table[c][k];
			long n = utf8_decode(s, strlen(s), gl->g[c][k].cp, 2);
			if (n <= 0)
				continue; /* the table is constant and valid */
			gl->g[c][k].n = (uint8_t)n;
			gl->count[c] = (uint8_t)(k + 1);
		}
	}
}

static int glyph_has(const struct glyph *g, uint32_t c)
{
	return g->cp[0] == c || (g->n == 2 && g->cp[1] == c);
}

/* One homoglyph round over s[0..n): calls back for every distinct window replacement, with
 * the character c and the index gi of its glyph that made it. */
typedef void (*mix_fn)(
        struct gen *g, const uint32_t *cp, size_t n, uint32_t c, unsigned gi, void *ctx);

/* In round 2, s is a round-1 result first made by replacing a run of first_c with first_g
 * (first_c is 0 in round 1). A replacement of a run of c2 < first_c with a glyph g2 is then
 * skipped when first_g holds no c2 and g2 holds no first_c: the two replacements touch other
 * characters, so the same text is made in the other order, from the round-1 result of the c2
 * replacement followed by the first_c replacement, whose first character is larger. That
 * production is skipped only for the same reason with a still larger character, so every
 * text is made at least once. It halves the candidates of long labels. */
static void homoglyph_mix(struct gen *g, const struct glyphs *gl, const uint32_t *s, size_t n,
        uint32_t first_c, const struct glyph *first_g, mix_fn fn, void *ctx)
{
	uint32_t done[128] = {0};
	size_t pos[MAX_CP];
	uint32_t buf[MAX_CP * 2];

	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = s[i];
		if (c >= 128 || !gl->count[c] || done[c])
			continue;
		done[c] = 1;
		int may_skip = c < first_c && !glyph_has(first_g, c);
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			if (s[j] == c)
				pos[k++] = j;
		for (size_t a = 0; a < k; a++) {
			for (size_t b = a; b < k; b++) {
				if (pos[a] == 0 && pos[b] == n - 1)
					continue; /* the window would be the whole label */
				for (unsigned gi = 0; gi < gl->count[c]; gi++) {
					const struct glyph *gg = &gl->g[c][gi];
					size_t m = 0;
					if (may_skip && !glyph_has(gg, first_c))
						continue; /* made in the other order */
					for (size_t j = 0; j < n; j++) {
						if (s[j] == c && j >= pos[a] && j <= pos[b]) {
							buf[m++] = gg->cp[0];
							if (gg->n == 2)
								buf[m++] = gg->cp[1];
						} else {
							buf[m++] = s[j];
						}
					}
					if (m <= MAX_CP)
						fn(g, buf, m, c, gi, ctx);
				}
			}
		}
	}
}

struct round1 {
	uint32_t *cp;                /* concatenated results */
	size_t *off;                 /* start of each, count + 1 entries */
	uint8_t *first_c, *first_gi; /* the replacement that first made each */
	size_t count, cap, cp_len, cp_cap;
	size_t candidates; /* calls, distinct or not */
	struct strset seen;
	struct blob keys; /* UTF-8 of the results, the keys of seen */
	int failed;
};

static void collect_round1(
        struct gen *g, const uint32_t *cp, size_t n, uint32_t c, unsigned gi, void *ctx)
{
	struct round1 *r = ctx;
	int added = 0;
	char text[MAX_TEXT];
	size_t len;

	(void)g;
	r->candidates++;
	if (r->failed)
		return;
	len = cp_to_utf8(cp, n, text, sizeof(text));
	if (!len)
		return; /* longer than any host name */
	if (strset_add(&r->seen, &r->keys, text, len, &added, NULL) != PI_OK) {
		r->failed = 1;
		return;
	}
	if (!added)
		return;
	if (r->count + 2 > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		size_t *no = realloc(r->off, cap * sizeof(*no));
		if (no)
			r->off = no;
		uint8_t *nc = no ? realloc(r->first_c, cap) : NULL;
		if (nc)
			r->first_c = nc;
		uint8_t *ng = nc ? realloc(r->first_gi, cap) : NULL;
		if (!ng) {
			r->failed = 1;
			return;
		}
		r->first_gi = ng;
		r->cap = cap;
	}
	if (r->cp_len + n > r->cp_cap) {
		size_t cap = r->cp_cap ? r->cp_cap * 2 : 4096;
		while (cap < r->cp_len + n)
			cap *= 2;
		uint32_t *nc = realloc(r->cp, cap * sizeof(*nc));
		if (!nc) {
			r->failed = 1;
			return;
		}
		r->cp = nc;
		r->cp_cap = cap;
	}
	r->off[r->count] = r->cp_len;
	r->first_c[r->count] = (uint8_t)c;
	r->first_gi[r->count] = (uint8_t)gi;
	memcpy(r->cp + r->cp_len, cp, n * sizeof(*cp));
	r->cp_len += n;
	r->count++;
	r->off[r->count] = r->cp_len;
}

static void emit_homoglyph(
        struct gen *g, const uint32_t *cp, size_t n, uint32_t c, unsigned gi, void *ctx)
{
	(void)c;
	(void)gi;
	(void)ctx;
	emit_mid(g, PI_FUZZ_HOMOGLYPH, cp, n);
}

static void fuzz_homoglyph(struct gen *g)
{
	struct glyphs *gl = malloc(sizeof(*gl));
	struct round1 r1;

	memset(&r1, 0, sizeof(r1));
	if (!gl) {
		gen_fail(g, PI_ERR_NOMEM, "making homoglyphs");
		return;
	}
	glyphs_init(gl);
	homoglyph_mix(g, gl, g->mid, g->mid_len, 0, NULL, collect_round1, &r1);
	if (r1.failed) {
		gen_fail(g, PI_ERR_NOMEM, "making homoglyphs");
		goto out;
	}
	/* Each round-1 result has about as many round-2 candidates as the label itself, half of
	 * them skipped as made in the other order. A label that would pass the cap on candidate
	 * labels (63 'i's: 450 million) is refused now, not after minutes of work. */
	if (r1.count > PI_LOOKALIKE_MAX_LABELS ||
	        r1.count * r1.candidates / 2 > PI_LOOKALIKE_MAX_LABELS) {
		gen_fail(g, PI_ERR_TOOBIG, "too many homoglyph candidates");
		goto out;
	}
	gen_reserve(g, r1.count + r1.count * r1.candidates / 2);
	for (size_t i = 0; i < r1.count && g->status == PI_OK; i++)
		emit_mid(g, PI_FUZZ_HOMOGLYPH, r1.cp + r1.off[i], r1.off[i + 1] - r1.off[i]);
	for (size_t i = 0; i < r1.count && g->status == PI_OK; i++)
		homoglyph_mix(g, gl, r1.cp + r1.off[i], r1.off[i + 1] - r1.off[i], r1.first_c[i],
		        &gl->g[r1.first_c[i]][r1.first_gi[i]], emit_homoglyph, NULL);
out:
	strset_free(&r1.seen);
	blob_free(&r1.keys);
	free(r1.cp);
	free(r1.off);
	free(r1.first_c);
	free(r1.first_gi);
	free(gl);
}

static void fuzz_hyphenation(struct gen *g)
{
	uint32_t buf[MAX_CP];

	for (size_t i = 1; i < g->mid_len; i++) {
		memcpy(buf, g->mid, i * sizeof(*buf));
		buf[i] = '-';
		memcpy(buf + i + 1, g->mid + i, (g->mid_len - i) * sizeof(*buf));
		emit_mid(g, PI_FUZZ_HYPHENATION, buf, g->mid_len + 1);
	}
}

/* Emits mid with c inserted before position i. */
static void emit_inserted(struct gen *g, enum pi_fuzzer f, size_t i, uint32_t c)
{
	uint32_t buf[MAX_CP];

	memcpy(buf, g->mid, i * sizeof(*buf));
	buf[i] = c;
	memcpy(buf + i + 1, g->mid + i, (g->mid_len - i) * sizeof(*buf));
	emit_mid(g, f, buf, g->mid_len + 1);
}

static void fuzz_insertion(struct gen *g)
{
	for (size_t i = 1; i + 1 < g->mid_len; i++) {
		uint32_t orig = g->mid[i];
		if (orig >= 128)
			continue;
		for (size_t k = 0; k < 3; k++) {
			const char *nb = keyboards[k][orig];
			for (; nb && *nb; nb++) {
				emit_inserted(g, PI_FUZZ_INSERTION, i, (uint32_t)*nb);
				emit_inserted(g, PI_FUZZ_INSERTION, i + 1, (uint32_t)*nb);
			}
		}
	}
}

static void fuzz_omission(struct gen *g)
{
	uint32_t buf[MAX_CP];

	for (size_t i = 0; i < g->mid_len; i++) {
		memcpy(buf, g->mid, i * sizeof(*buf));
		memcpy(buf + i, g->mid + i + 1, (g->mid_len - i - 1) * sizeof(*buf));
		emit_mid(g, PI_FUZZ_OMISSION, buf, g->mid_len - 1);
	}
}

static void fuzz_repetition(struct gen *g)
{
	for (size_t i = 0; i < g->mid_len; i++)
		emit_inserted(g, PI_FUZZ_REPETITION, i, g->mid[i]);
}

static void fuzz_replacement(struct gen *g)
{
	uint32_t buf[MAX_CP];

	memcpy(buf, g->mid, g->mid_len * sizeof(*buf));
	for (size_t i = 0; i < g->mid_len; i++) {
		uint32_t c = g->mid[i];
		for (size_t k = 0; k < 3 && c < 128; k++) {
			for (const char *nb = keyboards[k][c]; nb && *nb; nb++) {
				buf[i] = (uint32_t)*nb;
				emit_mid(g, PI_FUZZ_REPLACEMENT, buf, g->mid_len);
			}
		}
		buf[i] = c;
	}
}

static void fuzz_subdomain(struct gen *g)
{
	for (size_t i = 1; i + 1 < g->mid_len; i++) {
		uint32_t c = g->mid[i], prev = g->mid[i - 1];
		if (c != '-' && c != '.' && prev != '-' && prev != '.')
			emit_inserted(g, PI_FUZZ_SUBDOMAIN, i, '.');
	}
}

static void fuzz_transposition(struct gen *g)
{
	uint32_t buf[MAX_CP];

	memcpy(buf, g->mid, g->mid_len * sizeof(*buf));
	for (size_t i = 0; i + 1 < g->mid_len; i++) {
		buf[i] = g->mid[i + 1];
		buf[i + 1] = g->mid[i];
		emit_mid(g, PI_FUZZ_TRANSPOSITION, buf, g->mid_len);
		buf[i] = g->mid[i];
		buf[i + 1] = g->mid[i + 1];
	}
}

static void fuzz_vowel_swap(struct gen *g)
{
	static const char vowels[] = "aeiou";
	uint32_t buf[MAX_CP];

	memcpy(buf, g->mid, g->mid_len * sizeof(*buf));
	for (size_t i = 0; i < g->mid_len; i++) {
		if (g->mid[i] >= 128 || !strchr(vowels, (int)g->mid[i]))
			continue;
		for (const char *v = vowels; *v; v++) {
			buf[i] = (uint32_t)*v;
			emit_mid(g, PI_FUZZ_VOWEL_SWAP, buf, g->mid_len);
		}
		buf[i] = g->mid[i];
	}
}

/* Emits a+b+c (any may be empty) as the domain label. */
static void emit_concat(
        struct gen *g, enum pi_fuzzer f, const char *a, const char *b, const char *c)
{
	char mid[MAX_TEXT];
	int n = snprintf(mid, sizeof(mid), "%s%s%s", a, b, c);

	if (n > 0 && (size_t)n < sizeof(mid))
		emit_mid_utf8(g, f, mid, (size_t)n);
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void fuzz_dictionary(struct gen *g, const char *mid)
{
	const char *last_hyphen = strrchr(mid, '-');
	const char *first_hyphen = strchr(mid, '-');

	for (size_t i = 0; i < g->opts->n_dict_words; i++) {
		const char *w = g->opts->dict_words[i];
		if (!(starts_with(mid, w) && ends_with(mid, w))) {
			emit_concat(g, PI_FUZZ_DICTIONARY, mid, "-", w);
			emit_concat(g, PI_FUZZ_DICTIONARY, mid, "", w);
			emit_concat(g, PI_FUZZ_DICTIONARY, w, "-", mid);
			emit_concat(g, PI_FUZZ_DICTIONARY, w, "", mid);
		}
		if (last_hyphen) {
			char head[MAX_TEXT];
			int n = snprintf(
			        head, sizeof(head), "%.*s-", (int)(last_hyphen - mid), mid);
			if (n > 0 && (size_t)n < sizeof(head))
				emit_concat(g, PI_FUZZ_DICTIONARY, head, w, "");
			emit_concat(g, PI_FUZZ_DICTIONARY, w, "-", first_hyphen + 1);
		}
	}
}

/* Emits SUB.LABEL.TLD with explicit parts (empty parts skipped). */
static void emit_parts(
        struct gen *g, enum pi_fuzzer f, const char *sub, const char *label, const char *tld)
{
	char text[MAX_TEXT];
	const char *parts[3] = {sub, label, tld};
	size_t lens[3] = {strlen(sub), strlen(label), strlen(tld)};
	size_t len = join_parts(text, sizeof(text), parts, lens, 3);

	if (len)
		emit_text(g, f, text, len);
}

static void fuzz_tld_swap(struct gen *g, const char *mid)
{
	for (size_t i = 0; i < g->opts->n_tlds; i++)
		if (strcmp(g->opts->tlds[i], g->tld) != 0)
			emit_parts(g, PI_FUZZ_TLD_SWAP, g->sub, mid, g->opts->tlds[i]);
}

static void fuzz_various(struct gen *g, const char *mid)
{
	char a[MAX_TEXT], b[MAX_TEXT];
	const char *dot = strchr(g->tld, '.');
	int n;

	if (dot) {
		emit_parts(g, PI_FUZZ_VARIOUS, g->sub, mid, strrchr(g->tld, '.') + 1);
		n = snprintf(a, sizeof(a), "%s%s", mid, g->tld);
		if (n > 0 && (size_t)n < sizeof(a))
			emit_parts(g, PI_FUZZ_VARIOUS, g->sub, a, "");
	} else {
		n = snprintf(a, sizeof(a), "%s%s", mid, g->tld);
		if (n > 0 && (size_t)n < sizeof(a))
			emit_parts(g, PI_FUZZ_VARIOUS, g->sub, a, g->tld);
		if (strcmp(g->tld, "com") != 0) {
			n = snprintf(a, sizeof(a), "%s-%s", mid, g->tld);
			if (n > 0 && (size_t)n < sizeof(a))
				emit_parts(g, PI_FUZZ_VARIOUS, g->sub, a, "com");
		}
	}
	if (g->sub[0]) {
		size_t k = 0;
		n = snprintf(a, sizeof(a), "%s%s", g->sub, mid);
		if (n > 0 && (size_t)n < sizeof(a))
			emit_parts(g, PI_FUZZ_VARIOUS, "", a, g->tld);
		for (const char *s = g->sub; *s && k + 1 < sizeof(b); s++)
			if (*s != '.')
				b[k++] = *s;
		b[k] = '\0';
		n = snprintf(a, sizeof(a), "%s%s", b, mid);
		if (n > 0 && (size_t)n < sizeof(a))
			emit_parts(g, PI_FUZZ_VARIOUS, "", a, g->tld);
		n = snprintf(a, sizeof(a), "%s-%s", g->sub, mid);
		if (n > 0 && (size_t)n < sizeof(a))
			emit_parts(g, PI_FUZZ_VARIOUS, "", a, g->tld);
		for (k = 0; g->sub[k] && k + 1 < sizeof(b); k++)
			b[k] = g->sub[k] == '.' ? '-' : g->sub[k];
		b[k] = '\0';
		n = snprintf(a, sizeof(a), "%s-%s", b, mid);
		if (n > 0 && (size_t)n < sizeof(a))
			emit_parts(g, PI_FUZZ_VARIOUS, "", a, g->tld);
	}
}

static void fuzz_plural(struct gen *g, const char *mid)
{
	emit_concat(g, PI_FUZZ_PLURAL, mid, "s", "");
	emit_concat(g, PI_FUZZ_PLURAL, mid, "es", "");
	if (ends_with(mid, "y")) {
		char stem[MAX_TEXT];
		int n = snprintf(stem, sizeof(stem), "%.*s", (int)strlen(mid) - 1, mid);
		if (n > 0 && (size_t)n < sizeof(stem))
			emit_concat(g, PI_FUZZ_PLURAL, stem, "ies", "");
	}
}

static void fuzz_combosquat(struct gen *g, const char *mid)
{
	for (size_t i = 0; i < sizeof(postal_words) / sizeof(postal_words[0]); i++) {
		const char *w = postal_words[i];
		emit_concat(g, PI_FUZZ_COMBOSQUAT, mid, "-", w);
		emit_concat(g, PI_FUZZ_COMBOSQUAT, mid, "", w);
		emit_concat(g, PI_FUZZ_COMBOSQUAT, w, "-", mid);
		emit_concat(g, PI_FUZZ_COMBOSQUAT, w, "", mid);
	}
}

/* The brand's own name as the leftmost labels of an unrelated domain:
 * usps.com-track.com, usps.com.track-info.com. */
static void fuzz_brand_subdomain(struct gen *g, const char *mid)
{
	char flat[256], sub[MAX_TEXT], parent[MAX_TEXT];
	size_t k;
	int n;

	for (k = 0; g->tld[k] && k + 1 < sizeof(flat); k++)
		flat[k] = g->tld[k] == '.' ? '-' : g->tld[k];
	flat[k] = '\0';
	n = snprintf(sub, sizeof(sub), "%s%s%s", g->sub, g->sub[0] ? "." : "", mid);
	if (n <= 0 || (size_t)n >= sizeof(sub))
		return;
	for (size_t i = 0; i < sizeof(postal_words) / sizeof(postal_words[0]); i++) {
		n = snprintf(parent, sizeof(parent), "%s-%s", flat, postal_words[i]);
		if (n > 0 && (size_t)n < sizeof(parent))
			emit_parts(g, PI_FUZZ_BRAND_SUBDOMAIN, sub, parent, "com");
		n = snprintf(parent, sizeof(parent), "%s.%s-info", g->tld, postal_words[i]);
		if (n > 0 && (size_t)n < sizeof(parent))
			emit_parts(g, PI_FUZZ_BRAND_SUBDOMAIN, sub, parent, "com");
	}
}

/* Splits name as dnstwist does without the tld module. Fills g->sub/mid text/tld. */
static pi_status split_domain(
        struct gen *g, const char *name, char *mid, size_t mid_size, struct pi_error *err)
{
	const char *dots[3] = {NULL, NULL, NULL}; /* last, second-last, third-last dot */
	size_t nd = 0;
	const char *sld_start, *mid_start, *mid_end;
	int two_label_suffix = 0;

	for (const char *p = name + strlen(name); p > name && nd < 3;) {
		p--;
		if (*p == '.')
			dots[nd++] = p;
	}
	if (nd == 0)
		return pi_error_set(
		        err, PI_ERR_INVALID, "'%s' has no dot: give a domain name", name);
	if (nd >= 2) {
		sld_start = dots[1] + 1;
		size_t sld_len = (size_t)(dots[0] - sld_start);
		for (size_t i = 0; i < sizeof(ctld) / sizeof(ctld[0]); i++)
			if (strlen(ctld[i]) == sld_len && strncmp(ctld[i], sld_start, sld_len) == 0)
				two_label_suffix = 1;
	}
	if (two_label_suffix) {
		mid_end = dots[1];
		mid_start = nd >= 3 ? dots[2] + 1 : name;
	} else {
		mid_end = dots[0];
		mid_start = nd >= 2 ? dots[1] + 1 : name;
	}
	snprintf(g->tld, sizeof(g->tld), "%s", mid_end + 1);
	if (mid_start > name)
		snprintf(g->sub, sizeof(g->sub), "%.*s", (int)(mid_start - name - 1), name);
	else
		g->sub[0] = '\0';
	g->sub_len = strlen(g->sub);
	g->tld_len = strlen(g->tld);
	if ((size_t)(mid_end - mid_start) >= mid_size)
		return pi_error_set(err, PI_ERR_INVALID, "label too long in '%s'", name);
	memcpy(mid, mid_start, (size_t)(mid_end - mid_start));
	mid[mid_end - mid_start] = '\0';
	return PI_OK;
}

void pi_perms_free(pi_perms *p)
{
	if (!p)
		return;
	free(p->v);
	blob_free(&p->names);
	strset_free(&p->seen_ascii);
	free(p);
}

pi_status pi_lookalike_generate(
        const char *domain, const struct pi_gen_options *opts, pi_perms **out, struct pi_error *err)
{
	static const struct pi_gen_options no_options = {0};
	struct gen g;
	char *ascii = NULL, *uni = NULL;
	char lower[256], mid_ascii[256], mid_uni[MAX_TEXT];
	size_t len = strlen(domain);
	pi_status st = PI_OK;
	long ncp;

	*out = NULL;
	memset(&g, 0, sizeof(g));
	g.opts = opts ? opts : &no_options;
	g.cache = &thread_cp_cache;
	g.fuzzers = g.opts->fuzzers ? g.opts->fuzzers : PI_FUZZ_ALL;
	g.err = err;
	if (len == 0 || len > 253)
		return pi_error_set(err, PI_ERR_INVALID, "a domain name has 1 to 253 characters");
	if (strchr(domain, '/') || strchr(domain, ':') || strchr(domain, '@'))
		return pi_error_set(err, PI_ERR_INVALID,
		        "'%s' is not a domain name (give the host name only, no scheme or path)",
		        domain);
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)domain[i]);
	if (len > 1 && lower[len - 1] == '.')
		lower[--len] = '\0';
	if (idn2_to_ascii_8z(lower, &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK) {
		st = pi_error_set(err, PI_ERR_INVALID,
		        "'%s' is not a valid (internationalised) "
		        "domain name",
		        domain);
		goto out;
	}
	if (!pi_lookalike_valid_fqdn(ascii, strlen(ascii))) {
		st = pi_error_set(err, PI_ERR_INVALID,
		        "'%s' is not a valid domain name (labels of a-z, 0-9 and '-', at least "
		        "two labels)",
		        domain);
		goto out;
	}
	st = split_domain(&g, ascii, mid_ascii, sizeof(mid_ascii), err);
	if (st != PI_OK)
		goto out;
	if (idn2_to_unicode_8z8z(mid_ascii, &uni, 0) != IDN2_OK) {
		st = pi_error_set(err, PI_ERR_INVALID, "cannot decode the label '%s'", mid_ascii);
		goto out;
	}
	snprintf(mid_uni, sizeof(mid_uni), "%s", uni);
	ncp = utf8_decode(mid_uni, strlen(mid_uni), g.mid, MAX_LABEL_CP);
	if (ncp <= 0) {
		st = pi_error_set(
		        err, PI_ERR_INVALID, "the label '%s' is empty or too long", mid_ascii);
		goto out;
	}
	g.mid_len = (size_t)ncp;
	{
		char frame[600];
		int k = snprintf(
		        frame, sizeof(frame), "%s%sa.%s", g.sub, g.sub_len ? "." : "", g.tld);
		g.frame_ok = k > 0 && (size_t)k < sizeof(frame) &&
		             pi_lookalike_valid_fqdn(frame, (size_t)k);
	}
	g.out = calloc(1, sizeof(*g.out));
	if (!g.out) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (g.fuzzers & (1u << PI_FUZZ_ORIGINAL))
		emit_mid_utf8(&g, PI_FUZZ_ORIGINAL, mid_uni, strlen(mid_uni));
	if (g.fuzzers & (1u << PI_FUZZ_ADDITION))
		fuzz_addition(&g);
	if (g.fuzzers & (1u << PI_FUZZ_BITSQUATTING))
		fuzz_bitsquatting(&g);
	if (g.fuzzers & (1u << PI_FUZZ_CYRILLIC))
		fuzz_cyrillic(&g);
	if (g.fuzzers & (1u << PI_FUZZ_HOMOGLYPH))
		fuzz_homoglyph(&g);
	if (g.fuzzers & (1u << PI_FUZZ_HYPHENATION))
		fuzz_hyphenation(&g);
	if (g.fuzzers & (1u << PI_FUZZ_INSERTION))
		fuzz_insertion(&g);
	if (g.fuzzers & (1u << PI_FUZZ_OMISSION))
		fuzz_omission(&g);
	if (g.fuzzers & (1u << PI_FUZZ_REPETITION))
		fuzz_repetition(&g);
	if (g.fuzzers & (1u << PI_FUZZ_REPLACEMENT))
		fuzz_replacement(&g);
	if (g.fuzzers & (1u << PI_FUZZ_SUBDOMAIN))
		fuzz_subdomain(&g);
	if (g.fuzzers & (1u << PI_FUZZ_TRANSPOSITION))
		fuzz_transposition(&g);
	if (g.fuzzers & (1u << PI_FUZZ_VOWEL_SWAP))
		fuzz_vowel_swap(&g);
	if (g.fuzzers & (1u << PI_FUZZ_DICTIONARY))
		fuzz_dictionary(&g, mid_uni);
	if (g.fuzzers & (1u << PI_FUZZ_TLD_SWAP))
		fuzz_tld_swap(&g, mid_uni);
	if (g.fuzzers & (1u << PI_FUZZ_VARIOUS))
		fuzz_various(&g, mid_uni);
	if (g.fuzzers & (1u << PI_FUZZ_PLURAL))
		fuzz_plural(&g, mid_uni);
	if (g.fuzzers & (1u << PI_FUZZ_COMBOSQUAT))
		fuzz_combosquat(&g, mid_uni);
	if (g.fuzzers & (1u << PI_FUZZ_BRAND_SUBDOMAIN))
		fuzz_brand_subdomain(&g, mid_uni);
	st = g.status;
	if (st != PI_OK)
		goto out;
	/* The dedup sets are only needed while generating. */
	strset_free(&g.out->seen_ascii);
	*out = g.out;
	g.out = NULL;
out:
	pi_perms_free(g.out);
	idn2_free(ascii);
	idn2_free(uni);
	return st;
}

size_t pi_perms_count(const pi_perms *p)
{
	return p ? p->n : 0;
}

const char *pi_perms_domain(const pi_perms *p, size_t i)
{
	return i < p->n ? p->names.data + p->v[i].ascii_off : NULL;
}

const char *pi_perms_unicode(const pi_perms *p, size_t i)
{
	return i < p->n && p->v[i].uni_off != UINT32_MAX ? p->names.data + p->v[i].uni_off : NULL;
}

enum pi_fuzzer pi_perms_fuzzer(const pi_perms *p, size_t i)
{
	return i < p->n ? (enum pi_fuzzer)p->v[i].fuzzer : PI_FUZZ_COUNT;
}

/* Sorting by (fuzzer name, domain) is a multikey quicksort (Bentley and Sedgewick's
 * three-way radix quicksort) over 8-byte characters: partition on 8 bytes of the key at a
 * time, so the long common prefixes of the permutations of one label are read once per level
 * instead of once per comparison, and the 8 bytes are cached in the permutation so that a
 * partitioning pass reads no name. The key of a permutation is its fuzzer's rank + 1 in name
 * order (one byte), then its ASCII name, then a NUL; chunk d is key bytes [d, d + 8),
 * big-endian, zero after the NUL. A chunk whose last byte is 0 holds the end of its key. */
struct sort_ctx {
	const char *names;
	uint8_t rank[PI_FUZZ_COUNT];
};

static uint64_t sort_chunk(const struct sort_ctx *c, const struct perm *p, size_t depth)
{
	const unsigned char *name = (const unsigned char *)c->names + p->ascii_off;
	uint64_t k = 0;
	size_t i = 0, pos = depth ? depth - 1 : 0;

	if (depth == 0) {
		k = c->rank[p->fuzzer] + 1u;
		i = 1;
	}
	for (; i < 8 && name[pos]; i++, pos++)
		k = k << 8 | name[pos];
	return i ? k << (8 * (8 - i)) : 0;
}

/* Compares a and b, whose keys agree before depth and whose chunks at depth are cached. */
static int sort_cmp(
        const struct sort_ctx *c, const struct perm *a, const struct perm *b, size_t depth)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if ((a->key & 0xff) == 0)
		return 0;
	return strcmp(c->names + a->ascii_off + depth + 7, c->names + b->ascii_off + depth + 7);
}

static void perm_swap(struct perm *a, struct perm *b)
{
	struct perm t = *a;

	*a = *b;
	*b = t;
}

/* Sorts v[0..n), whose keys agree before depth and whose chunks at depth are in .key.
 * Recursion goes only into parts of at most n/2 elements (the largest part is handled by the
 * loop), so it is at most log2(n) deep. */
static void sort_perms(const struct sort_ctx *c, struct perm *v, size_t n, size_t depth)
{
	while (n > 1) {
		if (n < 16) {
			for (size_t i = 1; i < n; i++) {
				struct perm t = v[i];
				size_t j = i;
				while (j > 0 && sort_cmp(c, &v[j - 1], &t, depth) > 0) {
					v[j] = v[j - 1];
					j--;
				}
				v[j] = t;
			}
			return;
		}
		uint64_t ka = v[0].key, kb = v[n / 2].key, kc = v[n - 1].key, pivot;
		if (ka < kb)
			pivot = kb < kc ? kb : ka < kc ? kc : ka;
		else
			pivot = ka < kc ? ka : kb < kc ? kc : kb;
		size_t lt = 0, i = 0, gt = n;
		while (i < gt) {
			uint64_t k = v[i].key;
			if (k < pivot)
				perm_swap(&v[lt++], &v[i++]);
			else if (k > pivot)
				perm_swap(&v[i], &v[--gt]);
			else
				i++;
		}
		/* [0, lt) < pivot, [lt, gt) == pivot (complete keys if the pivot ends them),
		 * [gt, n) > pivot; the middle part goes on with the next chunk */
		struct perm *part[3] = {v, v + lt, v + gt};
		size_t len[3] = {lt, (pivot & 0xff) ? gt - lt : 0, n - gt};
		size_t dep[3] = {depth, depth + 8, depth};
		for (size_t k = 0; k < len[1]; k++)
			part[1][k].key = sort_chunk(c, &part[1][k], depth + 8);
		size_t big = len[0] >= len[1] && len[0] >= len[2] ? 0 : len[1] >= len[2] ? 1 : 2;
		for (size_t k = 0; k < 3; k++)
			if (k != big)
				sort_perms(c, part[k], len[k], dep[k]);
		v = part[big];
		n = len[big];
		depth = dep[big];
	}
}

void pi_perms_sort(pi_perms *p)
{
	struct sort_ctx c;

	if (!p || p->n < 2)
		return;
	c.names = p->names.data;
	for (unsigned f = 0; f < PI_FUZZ_COUNT; f++) {
		c.rank[f] = 0;
		for (unsigned h = 0; h < PI_FUZZ_COUNT; h++)
			if (strcmp(fuzzer_names[h], fuzzer_names[f]) < 0)
				c.rank[f]++;
	}
	for (size_t i = 0; i < p->n; i++)
		p->v[i].key = sort_chunk(&c, &p->v[i], 0);
	sort_perms(&c, p->v, p->n, 0);
}

void pi_wordlist_free(char **words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

static int tld_line_ok(const char *s, size_t n)
{
	size_t start = 0, parts = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			char c = s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				return 0;
			continue;
		}
		if (i - start < 2 || i - start > 63)
			return 0;
		parts++;
		start = i + 1;
	}
	return parts <= 2;
}

static int dict_line_ok(const char *s, size_t n)
{
	uint32_t cp[256];
	long k = utf8_decode(s, n, cp, 256);

	if (k <= 0 || k > 63)
		return 0;
	for (long i = 0; i < k; i++) {
		uint32_t c = cp[i];
		if (c < 128 && !isalnum((int)c))
			return 0;
		if (c >= 128 && (c < 0xc0 || c == 0xd7 || c == 0xf7))
			return 0; /* non-ASCII: accept letters, which idn2 checks later */
	}
	return 1;
}

pi_status pi_wordlist_load(
        const char *path, char kind, char ***words_out, size_t *n_out, struct pi_error *err)
{
	FILE *f = NULL;
	char line[1024];
	char **words = NULL;
	size_t n = 0, lineno = 0;
	struct strset seen;
	struct blob keys;
	pi_status st = PI_OK;

	memset(&seen, 0, sizeof(seen));
	memset(&keys, 0, sizeof(keys));
	*words_out = NULL;
	*n_out = 0;
	f = fopen(path, "r");
	if (!f)
		return pi_error_set(err, PI_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	words = calloc(PI_LOOKALIKE_MAX_WORDS, sizeof(*words));
	if (!words) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		int added = 0;
		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			st = pi_error_set(err, PI_ERR_TOOBIG, "%s:%zu: line longer than %zu bytes",
			        path, lineno, sizeof(line) - 2);
			goto out;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)line[i] < 128)
				line[i] = (char)tolower((unsigned char)line[i]);
		if (!len || !(kind == 't' ? tld_line_ok(line, len) : dict_line_ok(line, len)))
			continue;
		if (strset_add(&seen, &keys, line, len, &added, NULL) != PI_OK) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (!added)
			continue;
		if (n >= PI_LOOKALIKE_MAX_WORDS) {
			st = pi_error_set(err, PI_ERR_TOOBIG, "%s: more than %u entries", path,
			        PI_LOOKALIKE_MAX_WORDS);
			goto out;
		}
		words[n] = strdup(line);
		if (!words[n]) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (ferror(f)) {
		st = pi_error_set(err, PI_ERR_IO, "cannot read %s", path);
		goto out;
	}
	*words_out = words;
	*n_out = n;
	words = NULL;
out:
	if (words)
		pi_wordlist_free(words, n);
	strset_free(&seen);
	blob_free(&keys);
	if (f)
		fclose(f);
	return st;
}
