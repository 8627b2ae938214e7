#include "http/path.h"

#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long pi_url_decode(const char *in, char *out)
{
	size_t o = 0;

	for (size_t i = 0; in[i]; i++) {
		if (in[i] == '%') {
			int hi = hexval(in[i + 1]), lo = hi >= 0 ? hexval(in[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	return (long)o;
}

pi_status pi_path_parse(const char *url, struct pi_path *out, struct pi_error *err)
{
	size_t len = strlen(url);
	const char *p = url;

	out->nseg = 0;
	out->trailing_slash = 0;
	if (len > PI_PATH_MAX)
		return pi_error_set(err, PI_ERR_TOOBIG, "the request path is longer than %d bytes",
			PI_PATH_MAX);
	if (url[0] != '/')
		return pi_error_set(err, PI_ERR_INVALID, "the request path must start with '/'");
	out->trailing_slash = len > 1 && url[len - 1] == '/';
	while (*p) {
		const char *end;
		size_t n;
		char *seg;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (out->nseg >= PI_PATH_MAX_SEGMENTS || n > PI_PATH_MAX_SEGMENT)
			return pi_error_set(err, PI_ERR_NOTFOUND, "no such resource");
		seg = out->seg[out->nseg];
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (pi_url_decode(seg, seg) < 0)
			return pi_error_set(err, PI_ERR_INVALID,
				"path segment '%.80s' has invalid percent-encoding (use %%XX with two hex digits, no %%00)",
				out->seg[out->nseg]);
		if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 || strchr(seg, '/') ||
			strchr(seg, '\\'))
			return pi_error_set(err, PI_ERR_INVALID,
				"path segments may not be '.', '..' or contain '/' or '\\'");
		out->nseg++;
		p = end;
	}
	return PI_OK;
}
