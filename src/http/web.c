/* web.c - the web interface: page shells, embedded assets, log-in and log-out.
 *
 * The interface is server-rendered only as far as a shell: every page is the same small
 * HTML document (language, CSRF token, the script module /static/app.js), and the page's
 * module fetches what it shows from the JSON API under /api/v1/ with the session cookie.
 * So whatever the user may see is decided by the API (pi_access_allows), never here.
 *
 * Paths served here:
 *   GET  /static/NAME        embedded file of web/ (404 if unknown)
 *   GET  / and page paths    the shell (303 to /login when there is no valid session);
 *                            "/" only for browsers (Accept: text/html), API clients keep
 *                            the JSON index of server.c
 *   POST /login              {"username","password"} -> session cookie + {"csrf"}
 *   POST /logout             ends the session (CSRF token required), clears the cookie
 * Every response here carries PI_WEB_CSP instead of the API's default-src 'none'.
 */
#include "http/web.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "http/http_int.h"
#include "http/session.h"
#include "store/member.h"

#define LOGIN_BODY_MAX 4096

/* First path segments of the pages (web/app.js has the same list). */
static const char *const pages[] = {"login", "report", "cases", "regulator", "intel", "indicators",
        "collections", "share", "advisories", "admin", "tokens", NULL};

const char *pi_web_lang(const char *cookie_header, const char *accept_language)
{
	char v[8];
	const char *p = accept_language;
	double best_q = -1.0;
	const char *best = "en";

	if (cookie_header && pi_cookie_get(cookie_header, "pi_lang", v, sizeof(v)) == 0) {
		if (strcmp(v, "fr") == 0)
			return "fr";
		if (strcmp(v, "en") == 0)
			return "en";
	}
	/* Accept-Language: fr-CH, fr;q=0.9, en;q=0.8 -> the supported language of highest q,
	 * the earlier one on a tie */
	for (int n = 0; p && *p && n < 32; n++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *q = memchr(p, ';', len);
		double qv = 1.0;
		const char *lang = NULL;
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		if (len >= 2 && strncasecmp(p, "fr", 2) == 0 &&
		        (len == 2 || p[2] == '-' || p[2] == ';'))
			lang = "fr";
		else if (len >= 2 && strncasecmp(p, "en", 2) == 0 &&
		         (len == 2 || p[2] == '-' || p[2] == ';'))
			lang = "en";
		if (q && strncmp(q, ";q=", 3) == 0)
			qv = strtod(q + 3, NULL);
		if (lang && qv > best_q) {
			best_q = qv;
			best = lang;
		}
		p = end ? end + 1 : NULL;
	}
	return best;
}

static const struct pi_web_asset *find_asset(const char *name)
{
	for (size_t i = 0; i < pi_web_nassets; i++)
		if (strcmp(pi_web_assets[i].path, name) == 0)
			return &pi_web_assets[i];
	return NULL;
}

static int is_page(const struct pi_request *req)
{
	if (req->nseg == 0)
		return 1;
	for (size_t i = 0; pages[i]; i++)
		if (strcmp(req->seg[0], pages[i]) == 0)
			return req->nseg <= 3;
	return 0;
}

static int wants_html(struct pi_request *req)
{
	const char *accept = pi_req_header(req, "Accept");

	return accept && strstr(accept, "text/html") != NULL;
}

static int is_tls(const struct pi_request *req)
{
	return req->server->tls_cert_pem != NULL;
}

static void set_cookie(struct pi_request *req, const char *value, int max_age)
{
	char h[256];
	int n = snprintf(h, sizeof(h), "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
	        PI_SESSION_COOKIE, value, max_age, is_tls(req) ? "; Secure" : "");

	if (n > 0 && (size_t)n < sizeof(h))
		pi_resp_header(req, "Set-Cookie", h);
}

static void client_addr(struct pi_request *req, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(out, size, "unknown");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET,
		        &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr, out,
		        (socklen_t)size);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		        &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr,
		        out, (socklen_t)size);
}

/* Appends s to out with the five HTML special characters escaped. */
static void html_escape(struct pi_buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': pi_buf_puts(out, "&amp;"); break;
		case '<': pi_buf_puts(out, "&lt;"); break;
		case '>': pi_buf_puts(out, "&gt;"); break;
		case '"': pi_buf_puts(out, "&quot;"); break;
		case '\'': pi_buf_puts(out, "&#39;"); break;
		default: pi_buf_append(out, s, 1);
		}
	}
}

static void serve_asset(struct pi_request *req)
{
	const struct pi_web_asset *a = req->nseg == 2 ? find_asset(req->seg[1]) : NULL;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		pi_resp_error(req, 405, "Method not allowed", "use GET");
		return;
	}
	if (!a) {
		pi_resp_error(req, 404, "Not found", "no such file of the web interface");
		return;
	}
	if (pi_buf_append(&req->out, a->data, a->len) != PI_OK) {
		pi_resp_error(req, 500, "Internal error", "the file could not be sent");
		return;
	}
	pi_resp_json(req, 200, a->type);
}

static void serve_shell(struct pi_request *req, const char *lang, const char *csrf)
{
	struct pi_buf *o = &req->out;

	pi_buf_printf(o,
	        "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<meta name=\"csrf-token\" content=\"",
	        lang);
	html_escape(o, csrf ? csrf : "");
	pi_buf_puts(o, "\">\n<title>");
	html_escape(o, req->server->cfg.title);
	pi_buf_puts(o, "</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
	               "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">\n"
	               "<script type=\"module\" src=\"/static/app.js\"></script>\n</head>\n<body>\n"
	               "<a class=\"skip\" href=\"#main\" id=\"skip\"></a>\n"
	               "<header id=\"top\"></header>\n"
	               "<main id=\"main\" tabindex=\"-1\"><noscript>");
	pi_buf_puts(
	        o, strcmp(lang, "fr") == 0
	                   ? "Cette interface a besoin de JavaScript. L'API JSON est sous /api/v1/."
	                   : "This interface needs JavaScript. The JSON API is under /api/v1/.");
	pi_buf_puts(o,
	        "</noscript></main>\n<div id=\"live\" class=\"sr-only\" aria-live=\"polite\">"
	        "</div>\n</body>\n</html>\n");
	pi_resp_json(req, 200, "text/html; charset=utf-8");
}

/* "https://host" or "http://host" of the request, for the Origin check. */
static int origin_ok(struct pi_request *req)
{
	const char *origin = pi_req_header(req, "Origin");
	const char *host = pi_req_header(req, "Host");
	char expect[600];
	int n;

	if (!origin)
		return 1; /* not a browser cross-site request: those always send Origin on POST */
	if (!host)
		return 0;
	n = snprintf(expect, sizeof(expect), "%s://%s", is_tls(req) ? "https" : "http", host);
	if (n < 0 || (size_t)n >= sizeof(expect))
		return 0;
	if (strcmp(origin, expect) == 0)
		return 1;
	/* behind a TLS-terminating proxy the public URL says https */
	return req->server->cfg.public_url[0] &&
	       strncmp(origin, req->server->cfg.public_url, strlen(origin)) == 0;
}

static void login_failed(struct pi_request *req)
{
	pi_resp_error(req, 401, "Log-in failed",
	        "the user name or the password is not right (after %d failed tries the account "
	        "is locked for %lld minutes)",
	        PI_LOGIN_MAX_USER_FAILS, PI_LOGIN_WINDOW_US / 60000000LL);
}

static void handle_login(struct pi_request *req)
{
	const char *ct = pi_req_header(req, "Content-Type");
	const char *cookies = pi_req_header(req, "Cookie");
	char addr[64], old[PI_SESSION_ID_LEN + 2], id[PI_SESSION_ID_LEN + 1] = "";
	char stored[PI_PASSWORD_HASH_MAX] = "";
	const cJSON *jname, *jpass;
	cJSON *body = NULL;
	struct pi_user user;
	struct pi_web_session s;
	struct pi_error err;
	int64_t now = pi_time_now_us(), wait;
	char retry[32];

	if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
		pi_resp_error(
		        req, 415, "Unsupported media type", "send the log-in as application/json");
		return;
	}
	if (!origin_ok(req)) {
		pi_resp_error(req, 403, "Forbidden", "log-in from another site is refused");
		return;
	}
	if (req->body.len > LOGIN_BODY_MAX ||
	        pi_json_parse(req->body.data, req->body.len, 4, &body, &err) != PI_OK ||
	        !cJSON_IsObject(body)) {
		pi_resp_error(
		        req, 400, "Invalid input", "send {\"username\": ..., \"password\": ...}");
		goto out;
	}
	jname = cJSON_GetObjectItemCaseSensitive(body, "username");
	jpass = cJSON_GetObjectItemCaseSensitive(body, "password");
	if (!cJSON_IsString(jname) || !cJSON_IsString(jpass) || !jname->valuestring[0] ||
	        !jpass->valuestring[0] || strlen(jname->valuestring) > 63 ||
	        strlen(jpass->valuestring) > PI_PASSWORD_MAX_LEN) {
		pi_resp_error(req, 400, "Invalid input", "give your user name and your password");
		goto out;
	}
	client_addr(req, addr, sizeof(addr));
	wait = pi_login_locked(jname->valuestring, addr, now);
	if (wait > 0) {
		snprintf(retry, sizeof(retry), "%lld", (long long)wait);
		pi_resp_header(req, "Retry-After", retry);
		pi_log_info("event=login_locked method=web addr=%s", addr);
		pi_resp_error(req, 429, "Too many failed log-ins",
		        "too many failed log-ins: try again in %lld minutes",
		        (long long)((wait + 59) / 60));
		goto out;
	}
	if (pi_store_user_find(req->server->store, jname->valuestring, &user, stored,
	            sizeof(stored), &err) != PI_OK ||
	        user.disabled || !stored[0] || !pi_password_verify(stored, jpass->valuestring)) {
		pi_login_failed(jname->valuestring, addr, now);
		pi_log_info("event=login_failed method=web addr=%s", addr);
		login_failed(req);
		goto out;
	}
	pi_login_succeeded(jname->valuestring);
	/* rotate: the session the browser had (if any) ends here */
	if (cookies && pi_cookie_get(cookies, PI_SESSION_COOKIE, old, sizeof(old)) == 0)
		pi_session_destroy(req->server->store, old, &err);
	if (pi_session_create(req->server->store, user.id, now, id, &s, &err) != PI_OK) {
		pi_log_error("event=web_session_create_failed error=\"%s\"", err.message);
		pi_resp_error(
		        req, 500, "Internal error", "the session could not be started; try again");
		goto out;
	}
	set_cookie(req, id, (int)(PI_SESSION_MAX_US / 1000000));
	pi_log_info("event=login method=web user=%s", user.username);
	pi_buf_puts(&req->out, "{\"username\":");
	pi_buf_json_string(&req->out, user.username);
	pi_buf_puts(&req->out, ",\"csrf\":");
	pi_buf_json_string(&req->out, s.csrf);
	pi_buf_puts(&req->out, "}");
	pi_resp_json(req, 200, "application/json");
out:
	sodium_memzero(id, sizeof(id));
	sodium_memzero(old, sizeof(old));
	if (body) {
		jpass = cJSON_GetObjectItemCaseSensitive(body, "password");
		if (cJSON_IsString(jpass))
			sodium_memzero(jpass->valuestring, strlen(jpass->valuestring));
		cJSON_Delete(body);
	}
}

static void handle_logout(struct pi_request *req)
{
	const char *cookies = pi_req_header(req, "Cookie");
	char id[PI_SESSION_ID_LEN + 2];
	struct pi_user user;
	struct pi_error err;
	int r = pi_session_auth(req, &user, NULL);

	if (r < 0)
		return; /* CSRF refusal already answered */
	if (r == 1 && cookies && pi_cookie_get(cookies, PI_SESSION_COOKIE, id, sizeof(id)) == 0) {
		pi_session_destroy(req->server->store, id, &err);
		pi_log_info("event=logout user=%s", user.username);
		sodium_memzero(id, sizeof(id));
	}
	set_cookie(req, "", 0);
	pi_buf_puts(&req->out, "{\"logged_out\":true}");
	pi_resp_json(req, 200, "application/json");
}

int pi_web_handle(struct pi_request *req)
{
	const char *cookies = pi_req_header(req, "Cookie");
	char csrf[PI_WEB_CSRF_LEN + 1];
	struct pi_user user;
	int r;

	if (req->nseg >= 1 && strcmp(req->seg[0], "static") == 0) {
		req->csp = PI_WEB_CSP;
		serve_asset(req);
		return 1;
	}
	if (req->nseg == 1 && strcmp(req->method, "POST") == 0 &&
	        (strcmp(req->seg[0], "login") == 0 || strcmp(req->seg[0], "logout") == 0)) {
		if (req->body_too_big) {
			pi_resp_error(
			        req, 413, "Request too large", "the request body is too large");
			return 1;
		}
		if (strcmp(req->seg[0], "login") == 0)
			handle_login(req);
		else
			handle_logout(req);
		return 1;
	}
	if (!is_page(req) || (req->nseg == 0 && !wants_html(req)))
		return 0;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		pi_resp_error(req, 405, "Method not allowed", "pages are read with GET");
		return 1;
	}
	req->csp = PI_WEB_CSP;
	r = pi_session_auth(req, &user, csrf);
	if (r <= 0 && !(req->nseg >= 1 && strcmp(req->seg[0], "login") == 0)) {
		char loc[600];
		/* back to the page after log-in; only our own paths (no scheme, no "//") */
		snprintf(loc, sizeof(loc), "/login");
		if (req->nseg >= 1) {
			size_t used = strlen(loc);
			int n = snprintf(loc + used, sizeof(loc) - used, "?next=");
			used += (size_t)(n > 0 ? n : 0);
			for (size_t i = 0; i < req->nseg && used + 1 < sizeof(loc); i++) {
				char enc[200];
				size_t k = 0;
				for (const char *c = req->seg[i]; *c && k + 4 < sizeof(enc); c++) {
					unsigned char ch = (unsigned char)*c;
					if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
					        (ch >= '0' && ch <= '9') || ch == '-' ||
					        ch == '_' || ch == '.')
						enc[k++] = (char)ch;
					else
						k += (size_t)snprintf(
						        enc + k, sizeof(enc) - k, "%%%02X", ch);
				}
				enc[k] = '\0';
				n = snprintf(loc + used, sizeof(loc) - used, "%%2F%s", enc);
				if (n < 0 || (size_t)n >= sizeof(loc) - used)
					break;
				used += (size_t)n;
			}
		}
		pi_resp_header(req, "Location", loc);
		pi_buf_puts(&req->out, "log in first: /login\n");
		pi_resp_json(req, 303, "text/plain; charset=utf-8");
		return 1;
	}
	serve_shell(req, pi_web_lang(cookies, pi_req_header(req, "Accept-Language")),
	        r == 1 ? csrf : NULL);
	return 1;
}
