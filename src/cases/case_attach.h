/* case_attach.h - what an attachment may be: a screen capture (PNG, JPEG) or a document
 * (PDF, plain text), recognised by its content, never by the name or the declared type.
 *
 * Pure functions, no I/O. The checks:
 *   name    1-200 bytes of UTF-8 without '/', '\\', control characters or a leading '.'
 *           (so no path and no hidden file), not "." or "..", ending in an extension of
 *           the detected type (.png; .jpg/.jpeg; .pdf; .txt/.log/.csv/.md)
 *   size    1..max bytes
 *   PNG     signature, IHDR first (length 13, width and height > 0), chunks walk to IEND
 *           at the very end, every chunk inside the data
 *   JPEG    SOI, then marker segments with lengths inside the data up to SOS, EOI at the end
 *   PDF     "%PDF-1." or "%PDF-2." at the start and "%%EOF" in the last 1024 bytes
 *   text    valid UTF-8 with no NUL and no control characters but tab, CR and LF
 * A declared type (Content-Type) other than the detected one is refused;
 * application/octet-stream and an absent type are accepted.
 */
#ifndef PI_CASES_CASE_ATTACH_H
#define PI_CASES_CASE_ATTACH_H

#include <stddef.h>

#include "core/error.h"

#define PI_ATTACH_MAX_NAME 200

/* PI_OK and *media_type ("image/png", "image/jpeg", "application/pdf", "text/plain";
 * static) when the attachment is acceptable. PI_ERR_INVALID (bad name, unknown or
 * malformed content, type mismatch) or PI_ERR_TOOBIG, err saying which. */
pi_status pi_attach_check(const char *filename, const char *declared_type, const void *data,
        size_t len, size_t max, const char **media_type, struct pi_error *err);

/* Nonzero for image types that may be shown inline. */
int pi_attach_is_image(const char *media_type);

#endif
