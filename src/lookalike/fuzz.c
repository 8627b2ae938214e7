/* fuzz.c - the permutations of one domain that a phisher would register.
 *
 * The domain is split as dnstwist 20221213 splits it without the `tld` module
 * (subdomain, domain label, suffix where the second-level "co", "com", ... make a two-label
 * suffix), the fuzzers work on the domain label as Unicode code points, and every candidate
 * goes through one funnel (emit): deduplicated on its domain label, converted to punycode
 * (our RFC 3492 encoder for labels whose code points libidn2 has accepted as they are, libidn2
 * itself for anything else), checked against the host-name rule, deduplicated again on the
 * ASCII text and kept with the first fuzzer that made it. Candidates are cheap; conversion
 * happens once per distinct name.
 *
 * The homoglyph fuzzer reproduces dnstwist's two rounds of "replace every occurrence of a
 * character inside a window": the distinct results of one round are exactly, for each
 * character c, each glyph g of c and each run p[a..b] of consecutive occurrences of c, the
 * text with those occurrences replaced by g, except the run that spans the whole label (a
 * window is never the whole label). Enumerating runs instead of windows gives the same set
 * with far fewer candidates.
 *
 * Caps: the input is a host name (<= 253 bytes), the domain label <= 63 code points, the
 * result set <= PI_LOOKALIKE_MAX_PERMS names (PI_ERR_TOOBIG beyond).
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

struct set_entry {
	uint64_t hash;
	uint32_t off; /* into the set's blob */
	uint32_t len;
};

/* A set of byte strings, open addressing, keys copied into a growing blob. */
struct strset {
	struct set_entry *slots;
	size_t nslots; /* power of two, 0 before first use */
	size_t count;
	char *blob;
	size_t blob_len, blob_cap;
};

struct perm {
	uint32_t ascii_off;
	uint32_t uni_off; /* UINT32_MAX if the Unicode form equals the ASCII form */
	uint8_t fuzzer;
};

struct pi_perms {
	struct perm *v;
	size_t n, cap;
	char *blob; /* NUL-terminated strings */
	size_t blob_len, blob_cap;
	struct strset seen_mid;   /* domain labels (code points) already handled */
	struct strset seen_ascii; /* final ASCII names */
};

struct cp_cache {
	uint32_t cp[256];
	int8_t ok[256];
	size_t n;
};

struct gen {
	const struct pi_gen_options *opts;
	unsigned fuzzers;
	char sub[256], tld[256]; /* ASCII; may be empty */
	uint32_t mid[MAX_LABEL_CP + 1];
	size_t mid_len;
	pi_perms *out;
	struct cp_cache cache;
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

static void strset_free(struct strset *s)
{
	free(s->slots);
	free(s->blob);
	memset(s, 0, sizeof(*s));
}

static pi_status strset_grow(struct strset *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 1024;
	struct set_entry *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return PI_ERR_NOMEM;
	for (size_t i = 0; i < s->nslots; i++) {
		if (!s->slots[i].len)
			continue;
		size_t j = (size_t)s->slots[i].hash & (n - 1);
		while (slots[j].len)
			j = (j + 1) & (n - 1);
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
	return PI_OK;
}

/* Adds key (len > 0) if absent. *added is 1 if it was new. */
static pi_status strset_add(struct strset *s, const char *key, size_t len, int *added)
{
	uint64_t h = hash_bytes(key, len);
	size_t j;

	*added = 0;
	if ((s->count + 1) * 2 > s->nslots && strset_grow(s) != PI_OK)
		return PI_ERR_NOMEM;
	j = (size_t)h & (s->nslots - 1);
	while (s->slots[j].len) {
		if (s->slots[j].hash == h && s->slots[j].len == len &&
		        memcmp(s->blob + s->slots[j].off, key, len) == 0)
			return PI_OK;
		j = (j + 1) & (s->nslots - 1);
	}
	if (s->blob_len + len > UINT32_MAX)
		return PI_ERR_TOOBIG;
	if (s->blob_len + len > s->blob_cap) {
		size_t cap = s->blob_cap ? s->blob_cap * 2 : 65536;
		while (cap < s->blob_len + len)
			cap *= 2;
		char *nb = realloc(s->blob, cap);
		if (!nb)
			return PI_ERR_NOMEM;
		s->blob = nb;
		s->blob_cap = cap;
	}
	memcpy(s->blob + s->blob_len, key, len);
	s->slots[j].hash = h;
	s->slots[j].off = (uint32_t)s->blob_len;
	s->slots[j].len = (uint32_t)len;
	s->blob_len += len;
	s->count++;
	*added = 1;
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

static pi_status perms_blob_add(pi_perms *p, const char *s, size_t len, uint32_t *off)
{
	if (p->blob_len + len + 1 > UINT32_MAX)
		return PI_ERR_TOOBIG;
	if (p->blob_len + len + 1 > p->blob_cap) {
		size_t cap = p->blob_cap ? p->blob_cap * 2 : 65536;
		while (cap < p->blob_len + len + 1)
			cap *= 2;
		char *nb = realloc(p->blob, cap);
		if (!nb)
			return PI_ERR_NOMEM;
		p->blob = nb;
		p->blob_cap = cap;
	}
	memcpy(p->blob + p->blob_len, s, len);
	p->blob[p->blob_len + len] = '\0';
	*off = (uint32_t)p->blob_len;
	p->blob_len += len + 1;
	return PI_OK;
}

static void gen_fail(struct gen *g, pi_status st, const char *what)
{
	if (g->status != PI_OK)
		return;
	g->status = st;
	if (st == PI_ERR_TOOBIG)
		pi_error_set(
		        g->err, st, "more than %u permutations: %s", PI_LOOKALIKE_MAX_PERMS, what);
	else
		pi_error_set(g->err, st, "out of memory while %s", what);
}

/* RFC 3492 punycode of cp[0..n) after "xn--" into out; returns the length or 0 on overflow. */
static size_t punycode_encode(const uint32_t *cp, size_t n, char *out, size_t room)
{
	const uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
	uint32_t next = 128, delta = 0, bias = 72, h, b = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (cp[i] < 128) {
			if (o + 1 >= room)
				return 0;
			out[o++] = (char)cp[i];
			b++;
		}
	h = b;
	if (b > 0) {
		if (o + 1 >= room)
			return 0;
		out[o++] = '-';
	}
	while (h < n) {
		uint32_t m = UINT32_MAX;
		for (size_t i = 0; i < n; i++)
			if (cp[i] >= next && cp[i] < m)
				m = cp[i];
		if ((uint64_t)(m - next) * (h + 1) + delta > UINT32_MAX / 2)
			return 0;
		delta += (m - next) * (h + 1);
		next = m;
		for (size_t i = 0; i < n; i++) {
			if (cp[i] < next)
				delta++;
			if (cp[i] != next)
				continue;
			uint32_t q = delta;
			for (uint32_t k = base;; k += base) {
				uint32_t t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
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
			uint32_t k = 0;
			while (dd > ((base - tmin) * tmax) / 2) {
				dd /= base - tmin;
				k += base;
			}
			bias = k + (base - tmin + 1) * dd / (dd + skew);
			delta = 0;
			h++;
		}
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
	size_t len = 0;
	int ok;

	for (size_t i = 0; i < c->n; i++)
		if (c->cp[i] == cp)
			return c->ok[i];
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
	if (c->n < sizeof(c->cp) / sizeof(c->cp[0])) {
		c->cp[c->n] = cp;
		c->ok[c->n] = (int8_t)ok;
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

/* The funnel: text[0..len) is a whole candidate name in UTF-8. */
static void emit_text(struct gen *g, enum pi_fuzzer f, const char *text, size_t len)
{
	pi_perms *p = g->out;
	int added = 0, ascii = 1;
	char converted[MAX_TEXT];
	const char *name = text;
	size_t name_len = len;
	uint32_t aoff, uoff = UINT32_MAX;

	if (g->status != PI_OK || len == 0 || len >= MAX_TEXT)
		return;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			ascii = 0;
	if (!ascii) {
		name_len = to_ascii(&g->cache, text, len, converted, sizeof(converted));
		if (!name_len)
			return; /* not a valid IDN: never emitted */
		name = converted;
	}
	if (!pi_lookalike_valid_fqdn(name, name_len))
		return;
	if (strset_add(&p->seen_ascii, name, name_len, &added) != PI_OK) {
		gen_fail(g, PI_ERR_NOMEM, "deduplicating");
		return;
	}
	if (!added)
		return;
	if (p->n >= PI_LOOKALIKE_MAX_PERMS) {
		gen_fail(g, PI_ERR_TOOBIG, "use a shorter domain or fewer fuzzers");
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
	if (perms_blob_add(p, name, name_len, &aoff) != PI_OK ||
	        (!ascii && perms_blob_add(p, text, len, &uoff) != PI_OK)) {
		gen_fail(g, PI_ERR_NOMEM, "storing permutations");
		return;
	}
	p->v[p->n].ascii_off = aoff;
	p->v[p->n].uni_off = uoff;
	p->v[p->n].fuzzer = (uint8_t)f;
	p->n++;
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
	size_t lens[3] = {strlen(g->sub), mid_len, strlen(g->tld)};
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

static void emit_mid(struct gen *g, enum pi_fuzzer f, const uint32_t *cp, size_t n)
{
	char mid[MAX_TEXT];
	size_t len;
	int added = 0;

	if (g->status != PI_OK || n == 0)
		return;
	len = cp_to_utf8(cp, n, mid, sizeof(mid));
	if (!len)
		return;
	if (strset_add(&g->out->seen_mid, mid, len, &added) != PI_OK) {
		gen_fail(g, PI_ERR_NOMEM, "deduplicating");
		return;
	}
	if (added)
		emit_mid_utf8(g, f, mid, len);
}

static int is_lookalike_char(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
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

/* One homoglyph round over s[0..n): calls back for every distinct window replacement. */
typedef void (*mix_fn)(struct gen *g, const uint32_t *cp, size_t n, void *ctx);

static void homoglyph_mix(
        struct gen *g, const struct glyphs *gl, const uint32_t *s, size_t n, mix_fn fn, void *ctx)
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
						fn(g, buf, m, ctx);
				}
			}
		}
	}
}

struct round1 {
	uint32_t *cp; /* concatenated results */
	size_t *off;  /* start of each, count + 1 entries */
	size_t count, cap, cp_len, cp_cap;
	struct strset seen;
	int failed;
};

static void collect_round1(struct gen *g, const uint32_t *cp, size_t n, void *ctx)
{
	struct round1 *r = ctx;
	int added = 0;

	(void)g;
	if (r->failed)
		return;
	if (strset_add(&r->seen, (const char *)cp, n * sizeof(*cp), &added) != PI_OK) {
		r->failed = 1;
		return;
	}
	if (!added)
		return;
	if (r->count + 2 > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		size_t *no = realloc(r->off, cap * sizeof(*no));
		if (!no) {
			r->failed = 1;
			return;
		}
		r->off = no;
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
	memcpy(r->cp + r->cp_len, cp, n * sizeof(*cp));
	r->cp_len += n;
	r->count++;
	r->off[r->count] = r->cp_len;
}

static void emit_homoglyph(struct gen *g, const uint32_t *cp, size_t n, void *ctx)
{
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
	homoglyph_mix(g, gl, g->mid, g->mid_len, collect_round1, &r1);
	if (r1.failed) {
		gen_fail(g, PI_ERR_NOMEM, "making homoglyphs");
		goto out;
	}
	for (size_t i = 0; i < r1.count && g->status == PI_OK; i++)
		emit_mid(g, PI_FUZZ_HOMOGLYPH, r1.cp + r1.off[i], r1.off[i + 1] - r1.off[i]);
	for (size_t i = 0; i < r1.count && g->status == PI_OK; i++)
		homoglyph_mix(
		        g, gl, r1.cp + r1.off[i], r1.off[i + 1] - r1.off[i], emit_homoglyph, NULL);
out:
	strset_free(&r1.seen);
	free(r1.cp);
	free(r1.off);
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
	free(p->blob);
	strset_free(&p->seen_mid);
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
	strset_free(&g.out->seen_mid);
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
	return i < p->n ? p->blob + p->v[i].ascii_off : NULL;
}

const char *pi_perms_unicode(const pi_perms *p, size_t i)
{
	return i < p->n && p->v[i].uni_off != UINT32_MAX ? p->blob + p->v[i].uni_off : NULL;
}

enum pi_fuzzer pi_perms_fuzzer(const pi_perms *p, size_t i)
{
	return i < p->n ? (enum pi_fuzzer)p->v[i].fuzzer : PI_FUZZ_COUNT;
}

static const char *sort_blob;

static int perm_cmp(const void *a, const void *b)
{
	const struct perm *pa = a, *pb = b;
	int c = strcmp(fuzzer_names[pa->fuzzer], fuzzer_names[pb->fuzzer]);

	return c ? c : strcmp(sort_blob + pa->ascii_off, sort_blob + pb->ascii_off);
}

void pi_perms_sort(pi_perms *p)
{
	if (!p || p->n < 2)
		return;
	sort_blob = p->blob; /* qsort has no context argument in C11 */
	qsort(p->v, p->n, sizeof(*p->v), perm_cmp);
	sort_blob = NULL;
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
	pi_status st = PI_OK;

	memset(&seen, 0, sizeof(seen));
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
		if (strset_add(&seen, line, len, &added) != PI_OK) {
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
	if (f)
		fclose(f);
	return st;
}
