/* case_attach.c - attachment content checks (case_attach.h). */
#include "cases/case_attach.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int png_ok(const unsigned char *d, size_t n)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	size_t pos = 8;
	int first = 1;

	if (n < 8 + 25 + 12 || memcmp(d, sig, 8) != 0)
		return 0;
	while (pos + 12 <= n) {
		uint32_t len = be32(d + pos);
		const unsigned char *type = d + pos + 4;
		if (len > n - pos - 12)
			return 0;
		if (first) {
			if (memcmp(type, "IHDR", 4) != 0 || len != 13)
				return 0;
			if (be32(d + pos + 8) == 0 || be32(d + pos + 12) == 0)
				return 0;
			first = 0;
		}
		pos += 12 + (size_t)len;
		if (memcmp(type, "IEND", 4) == 0)
			return len == 0 && pos == n;
	}
	return 0;
}

static int jpeg_ok(const unsigned char *d, size_t n)
{
	size_t pos = 2;

	if (n < 4 || d[0] != 0xff || d[1] != 0xd8 || d[n - 2] != 0xff || d[n - 1] != 0xd9)
		return 0;
	while (pos + 4 <= n) {
		unsigned marker;
		size_t len;
		if (d[pos] != 0xff)
			return 0;
		while (pos < n && d[pos] == 0xff) /* fill bytes */
			pos++;
		if (pos + 3 > n)
			return 0;
		marker = d[pos++];
		if (marker == 0xd8 || marker == 0xd9 || marker == 0x00 ||
		        (marker >= 0xd0 && marker <= 0xd7))
			return 0; /* no second SOI, no EOI before SOS, no stray RSTn */
		len = (size_t)d[pos] << 8 | d[pos + 1];
		if (len < 2 || len > n - pos)
			return 0;
		if (marker == 0xda) /* SOS: entropy-coded data follows up to EOI */
			return pos + len <= n - 2;
		pos += len;
	}
	return 0;
}

static int pdf_ok(const unsigned char *d, size_t n)
{
	size_t from = n > 1024 ? n - 1024 : 0;

	if (n < 16 || (memcmp(d, "%PDF-1.", 7) != 0 && memcmp(d, "%PDF-2.", 7) != 0))
		return 0;
	for (size_t i = from; i + 5 <= n; i++)
		if (memcmp(d + i, "%%EOF", 5) == 0)
			return 1;
	return 0;
}

/* Valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF); with text set, also no
 * control characters but tab, CR and LF. */
static int utf8_ok(const unsigned char *d, size_t n, int text)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = d[i];
		unsigned need, cp;
		if (c < 0x80) {
			if (text && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\r' && c != '\n')
				return 0;
			if (c == 0)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((d[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (d[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		        (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int has_ext(const char *name, const char *const *exts)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return 0;
	for (size_t i = 0; exts[i]; i++)
		if (strcasecmp(dot + 1, exts[i]) == 0)
			return 1;
	return 0;
}

static pi_status check_name(const char *name, struct pi_error *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > PI_ATTACH_MAX_NAME)
		return pi_error_set(err, PI_ERR_INVALID,
		        "filename: give a file name of 1 to %d bytes (?filename=NAME)",
		        PI_ATTACH_MAX_NAME);
	if (!utf8_ok((const unsigned char *)name, len, 1) || strchr(name, '\t') ||
	        strchr(name, '\r') || strchr(name, '\n'))
		return pi_error_set(
		        err, PI_ERR_INVALID, "filename: must be UTF-8 without control characters");
	if (strchr(name, '/') || strchr(name, '\\') || strchr(name, ':'))
		return pi_error_set(err, PI_ERR_INVALID,
		        "filename '%.200s': a file name only, without '/', '\\' or ':' (no paths)",
		        name);
	if (name[0] == '.')
		return pi_error_set(err, PI_ERR_INVALID,
		        "filename '%.200s': may not start with '.' (no hidden files, no '..')",
		        name);
	if (strchr(name, '"') || strchr(name, ';'))
		return pi_error_set(err, PI_ERR_INVALID,
		        "filename '%.200s': may not contain '\"' or ';'", name);
	return PI_OK;
}

static int declared_matches(const char *declared, const char *detected)
{
	size_t n;

	if (!declared || !*declared)
		return 1;
	n = strcspn(declared, "; ");
	if (n == strlen("application/octet-stream") &&
	        strncasecmp(declared, "application/octet-stream", n) == 0)
		return 1;
	if (strcmp(detected, "image/jpeg") == 0 && n == 9 &&
	        strncasecmp(declared, "image/jpg", n) == 0)
		return 1;
	return n == strlen(detected) && strncasecmp(declared, detected, n) == 0;
}

pi_status pi_attach_check(const char *filename, const char *declared_type, const void *data,
        size_t len, size_t max, const char **media_type, struct pi_error *err)
{
	static const char *const png_ext[] = {"png", NULL};
	static const char *const jpeg_ext[] = {"jpg", "jpeg", NULL};
	static const char *const pdf_ext[] = {"pdf", NULL};
	static const char *const text_ext[] = {"txt", "log", "csv", "md", NULL};
	const unsigned char *d = data;
	const char *type = NULL;
	const char *const *exts = NULL;
	pi_status ret = check_name(filename, err);

	*media_type = NULL;
	if (ret != PI_OK)
		return ret;
	if (len == 0)
		return pi_error_set(err, PI_ERR_INVALID, "the attachment is empty");
	if (len > max)
		return pi_error_set(err, PI_ERR_TOOBIG,
		        "the attachment is %zu bytes, more than the limit of %zu bytes", len, max);
	if (len >= 8 && d[0] == 0x89 && memcmp(d + 1, "PNG", 3) == 0) {
		if (!png_ok(d, len))
			return pi_error_set(err, PI_ERR_INVALID,
			        "the PNG file is malformed (signature, IHDR, chunks or IEND)");
		type = "image/png";
		exts = png_ext;
	} else if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff) {
		if (!jpeg_ok(d, len))
			return pi_error_set(err, PI_ERR_INVALID,
			        "the JPEG file is malformed (segments, SOS or EOI)");
		type = "image/jpeg";
		exts = jpeg_ext;
	} else if (len >= 5 && memcmp(d, "%PDF-", 5) == 0) {
		if (!pdf_ok(d, len))
			return pi_error_set(err, PI_ERR_INVALID,
			        "the PDF file is malformed (header or %%%%EOF)");
		type = "application/pdf";
		exts = pdf_ext;
	} else if (utf8_ok(d, len, 1)) {
		type = "text/plain";
		exts = text_ext;
	} else {
		return pi_error_set(err, PI_ERR_INVALID,
		        "unsupported content: attachments may be PNG or JPEG screen captures, PDF "
		        "or "
		        "plain UTF-8 text");
	}
	if (!declared_matches(declared_type, type))
		return pi_error_set(err, PI_ERR_INVALID,
		        "the declared type '%.64s' does not match the content (%s)", declared_type,
		        type);
	if (!has_ext(filename, exts))
		return pi_error_set(err, PI_ERR_INVALID,
		        "filename '%.200s': the extension does not match the content (%s)",
		        filename, type);
	*media_type = type;
	return PI_OK;
}

int pi_attach_is_image(const char *media_type)
{
	return media_type &&
	       (strcmp(media_type, "image/png") == 0 || strcmp(media_type, "image/jpeg") == 0);
}
