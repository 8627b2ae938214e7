/* path.h - the request-path parser: splits a raw (still percent-encoded) path into decoded
 * segments, strictly. Pure and allocation-free, so it can be fuzzed on its own.
 *
 * Refused: a path not starting with '/', longer than PI_PATH_MAX, more than
 * PI_PATH_MAX_SEGMENTS segments or a segment longer than PI_PATH_MAX_SEGMENT; invalid
 * percent-encoding (%XX with two hex digits only; %00 never); segments "." and ".."; a
 * decoded segment containing '/' or '\'. Empty segments (double slashes) are skipped.
 */
#ifndef PI_HTTP_PATH_H
#define PI_HTTP_PATH_H

#include <stddef.h>

#include "core/error.h"

#define PI_PATH_MAX 4096
#define PI_PATH_MAX_SEGMENTS 12
#define PI_PATH_MAX_SEGMENT 256

struct pi_path {
	size_t nseg;
	int trailing_slash;
	char seg[PI_PATH_MAX_SEGMENTS][PI_PATH_MAX_SEGMENT + 1];
};

/* Parses url into out. PI_ERR_INVALID (bad encoding, dot segments, no leading '/'),
 * PI_ERR_TOOBIG (too long) or PI_ERR_NOTFOUND (too many or too long segments: no such
 * resource can exist), with err saying which. */
pi_status pi_path_parse(const char *url, struct pi_path *out, struct pi_error *err);

/* Strict percent-decoding (RFC 3986): %XX with hex digits; %00 refused. Returns the
 * decoded length or -1. out must have room for strlen(in) + 1 bytes; in == out is allowed. */
long pi_url_decode(const char *in, char *out);

#endif
