/* web.h - the web interface served by the hub itself: the HTML shell of every page, the
 * embedded static assets (web/ turned into a C array at build time by web/embed.py), and
 * log-in / log-out. Not for use outside src/http.
 */
#ifndef PI_HTTP_WEB_H
#define PI_HTTP_WEB_H

#include <stddef.h>

struct pi_request;

/* One embedded file of web/ (generated web_assets.c). */
struct pi_web_asset {
	const char *path; /* "app.js", relative to web/ */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct pi_web_asset pi_web_assets[];
extern const size_t pi_web_nassets;

/* The Content-Security-Policy of pages and assets: scripts, styles, images and fetches from
 * the hub itself only, no inline script or style, no framing. */
#define PI_WEB_CSP                                                                                 \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "    \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

/* Serves the request if it belongs to the web interface (/, a page path, /static/...,
 * POST /login, POST /logout): returns 1 with the response set, 0 if it is not ours. */
int pi_web_handle(struct pi_request *req);

/* The language for the request: "fr" or "en", from the pi_lang cookie, else the first
 * supported language of Accept-Language, else English. */
const char *pi_web_lang(const char *cookie_header, const char *accept_language);

#endif
