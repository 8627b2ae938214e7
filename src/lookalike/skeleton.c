/* skeleton.c - the matching skeleton of a domain name.
 *
 * The skeleton is UTS #39's (ICU uspoof_getSkeleton), then lower-cased, with non-spacing marks
 * dropped (ICU keeps "à" as "a" + U+0300; phishers count on readers not seeing the accent),
 * then a few lookalikes ICU leaves alone mapped to their ASCII letter (small capitals, hooks,
 * letters from dnstwist's homoglyph table), then the digraphs "rn" -> "m", "cl" -> "d" and
 * "vv" -> "w" contracted. ICU expands "m" to "rn"; contracting it back keeps "rn" and "m" equal
 * (as in UTS #39) while an inserted "m" stays one character for the edit distance.
 *
 * ASCII names never call ICU: ICU's skeleton of every ASCII character is fixed (only "m",
 * "0", "1", "|" and capitals change), so pi_skeleton_ascii applies the same map directly.
 * pi_skeleton_utf8 on ASCII input returns exactly what pi_skeleton_ascii returns.
 *
 * The ICU checker is opened once (pthread_once) and shared; uspoof_getSkeleton is safe to
 * call from several threads on one checker.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "lookalike/lookalike.h"

#define SKEL_MAX_UCHARS 2048

static pthread_once_t checker_once = PTHREAD_ONCE_INIT;
static USpoofChecker *checker;

static void checker_open(void)
{
	UErrorCode st = U_ZERO_ERROR;

	checker = uspoof_open(&st);
	if (U_FAILURE(st))
		checker = NULL;
}

/* Lookalikes without an ICU prototype, after marks are dropped: code point -> ASCII. */
static const struct {
	UChar32 cp;
	char ascii;
} extra_fold[] = {
        {0x0299, 'b'}, /* ʙ */
        {0x0185, 'b'}, /* ƅ */
        {0x0253, 'b'}, /* ɓ */
        {0x0188, 'c'}, /* ƈ */
        {0x0257, 'd'}, /* ɗ */
        {0x0256, 'd'}, /* ɖ */
        {0x0111, 'd'}, /* đ */
        {0x0247, 'e'}, /* ɇ */
        {0x0192, 'f'}, /* ƒ */
        {0x0262, 'g'}, /* ɢ */
        {0x01e5, 'g'}, /* ǥ */
        {0x2c68, 'h'}, /* ⱨ */
        {0x0127, 'h'}, /* ħ */
        {0x0266, 'h'}, /* ɦ */
        {0x0268, 'i'}, /* ɨ */
        {0x026a, 'i'}, /* ɪ */
        {0x029d, 'j'}, /* ʝ */
        {0x0249, 'j'}, /* ɉ */
        {0x2c6a, 'k'}, /* ⱪ */
        {0x0138, 'k'}, /* ĸ (ICU's prototype of ᴋ) */
        {0x0142, 'l'}, /* ł */
        {0x026b, 'l'}, /* ɫ */
        {0x028d, 'm'}, /* ʍ (ICU's prototype of ᴍ) */
        {0xa791, 'n'}, /* ꞑ */
        {0x01a1, 'o'}, /* ơ */
        {0x00fe, 'p'}, /* þ (ICU's prototype of ƿ) */
        {0x01a5, 'p'}, /* ƥ */
        {0x02a0, 'q'}, /* ʠ */
        {0x0280, 'r'}, /* ʀ */
        {0x027e, 'r'}, /* ɾ */
        {0x027c, 'r'}, /* ɼ */
        {0x027d, 'r'}, /* ɽ */
        {0x024d, 'r'}, /* ɍ */
        {0x0282, 's'}, /* ʂ */
        {0x01ab, 't'}, /* ƫ */
        {0x0167, 't'}, /* ŧ */
        {0x0289, 'u'}, /* ʉ */
        {0x01b0, 'u'}, /* ư */
        {0x2c71, 'v'}, /* ⱱ */
        {0x2c74, 'v'}, /* ⱴ */
        {0x2c73, 'w'}, /* ⱳ */
        {0x01b4, 'y'}, /* ƴ */
        {0x024f, 'y'}, /* ɏ */
        {0x2c6c, 'z'}, /* ⱬ */
        {0x01b6, 'z'}, /* ƶ */
        {0x0290, 'z'}, /* ʐ */
        {0x01dd, 'a'}, /* ǝ (ICU's prototype of ə, dnstwist's glyph of a) */
        {0x01bb, '2'}, /* ƻ */
        {0x1d1b, 't'}, /* ᴛ (ICU's prototype of Cyrillic т) */
};

static char fold_cp(UChar32 c)
{
	for (size_t i = 0; i < sizeof(extra_fold) / sizeof(extra_fold[0]); i++)
		if (extra_fold[i].cp == c)
			return extra_fold[i].ascii;
	return 0;
}

/* Contracts "rn" -> "m", "cl" -> "d" and "vv" -> "w" in place; returns the new length. */
static size_t contract(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (i + 1 < len && s[i] == 'r' && s[i + 1] == 'n') {
			s[o++] = 'm';
			i++;
		} else if (i + 1 < len && s[i] == 'c' && s[i + 1] == 'l') {
			s[o++] = 'd';
			i++;
		} else if (i + 1 < len && s[i] == 'v' && s[i + 1] == 'v') {
			s[o++] = 'w';
			i++;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

size_t pi_skeleton_ascii(const char *text, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		switch (c) {
		case '0': c = 'o'; break;
		case '1':
		case '|': c = 'l'; break;
		default: break;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return contract(out, o);
}

long pi_skeleton_utf8(const char *text, size_t len, char *out, size_t size)
{
	UChar *src = NULL, *skel = NULL;
	int32_t src_len = 0, skel_len;
	UErrorCode st = U_ZERO_ERROR;
	size_t o = 0;
	int ascii = 1;
	long result = -1;

	if (size == 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			ascii = 0;
	if (ascii) {
		if (2 * len + 1 > size)
			return -1;
		return (long)pi_skeleton_ascii(text, len, out);
	}
	pthread_once(&checker_once, checker_open);
	if (!checker || len > SKEL_MAX_UCHARS / 2)
		return -1;
	src = malloc(sizeof(UChar) * SKEL_MAX_UCHARS);
	skel = malloc(sizeof(UChar) * SKEL_MAX_UCHARS * 4);
	if (!src || !skel)
		goto out;
	u_strFromUTF8(src, SKEL_MAX_UCHARS, &src_len, text, (int32_t)len, &st);
	if (U_FAILURE(st))
		goto out;
	/* Lower-case first: ICU's skeleton keeps case apart for most letters. */
	{
		UChar *lower = malloc(sizeof(UChar) * SKEL_MAX_UCHARS);
		int32_t lower_len;
		if (!lower)
			goto out;
		lower_len = u_strToLower(lower, SKEL_MAX_UCHARS, src, src_len, "", &st);
		if (U_FAILURE(st)) {
			free(lower);
			goto out;
		}
		memcpy(src, lower, sizeof(UChar) * (size_t)lower_len);
		src_len = lower_len;
		free(lower);
	}
	skel_len = uspoof_getSkeleton(checker, 0, src, src_len, skel, SKEL_MAX_UCHARS * 4, &st);
	if (U_FAILURE(st))
		goto out;
	for (int32_t i = 0; i < skel_len;) {
		UChar32 c;
		U16_NEXT(skel, i, skel_len, c);
		if (u_charType(c) == U_NON_SPACING_MARK)
			continue;
		c = u_tolower(c);
		if (c >= 0x80) {
			char a = fold_cp(c);
			if (a)
				c = (UChar32)(unsigned char)a;
		}
		if (c < 0x80) {
			if (o + 1 >= size)
				goto out;
			out[o++] = (char)c;
		} else {
			UBool err = 0;
			int32_t at = (int32_t)o;
			if (o + 5 >= size)
				goto out;
			U8_APPEND((uint8_t *)out, at, (int32_t)(size - 1), c, err);
			if (err)
				goto out;
			o = (size_t)at;
		}
	}
	out[o] = '\0';
	result = (long)contract(out, o);
out:
	free(src);
	free(skel);
	return result;
}
