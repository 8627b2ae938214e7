/* Unit tests of the web interface's server side: cookie parsing, language choice, sessions
 * (expiry, rotation, only the hash stored), the log-in throttle, and advisory storage. Each
 * test that needs a database gets a fresh one under a mkdtemp folder, removed afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secret.h"
#include "core/tlp.h"
#include "http/session.h"
#include "http/web.h"
#include "store/store.h"
#include "store/store_web.h"

#define SEC 1000000LL
#define T0 (1800000000LL * SEC)

struct fixture {
	char dir[64];
	char path[256];
	char url[300];
	pi_store *store;
};

static void remove_dir(const char *dir)
{
	char path[600];
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		remove(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pi_error err;
	int version = 0;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pi_web_test_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hub.db", f->dir);
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
	if (pi_store_open(f->url, &f->store, &err) != PI_OK) {
		fprintf(stderr, "open: %s\n", err.message);
		return -1;
	}
	if (pi_store_migrate(f->store, &version, &err) != PI_OK) {
		fprintf(stderr, "migrate: %s\n", err.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pi_store_close(f->store);
	remove_dir(f->dir);
	free(f);
	return 0;
}

static void test_cookie_get(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(pi_cookie_get("pi_session=abc", "pi_session", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(
	        pi_cookie_get("a=1; pi_lang=fr ;pi_session=xyz", "pi_lang", v, sizeof(v)), 0);
	assert_string_equal(v, "fr");
	assert_int_equal(
	        pi_cookie_get("a=1; pi_lang=fr ;pi_session=xyz", "pi_session", v, sizeof(v)), 0);
	assert_string_equal(v, "xyz");
	/* a longer name that starts with the name is another cookie */
	assert_int_equal(
	        pi_cookie_get("xpi_session=1; pi_sessionx=2", "pi_session", v, sizeof(v)), -1);
	assert_int_equal(pi_cookie_get("pi_session=", "pi_session", v, sizeof(v)), -1);
	assert_int_equal(pi_cookie_get("", "pi_session", v, sizeof(v)), -1);
	/* too long for the buffer: refused, not truncated */
	assert_int_equal(pi_cookie_get("pi_session=0123456789", "pi_session", v, 8), -1);
	assert_string_equal(v, "");
}

static void test_lang(void **state)
{
	(void)state;
	assert_string_equal(pi_web_lang(NULL, NULL), "en");
	assert_string_equal(pi_web_lang(NULL, "fr-CH, fr;q=0.9, en;q=0.8"), "fr");
	assert_string_equal(pi_web_lang(NULL, "en-US,fr;q=0.5"), "en");
	assert_string_equal(pi_web_lang(NULL, "de-DE, fr;q=0.3"), "fr");
	assert_string_equal(pi_web_lang(NULL, "de-DE"), "en");
	assert_string_equal(pi_web_lang(NULL, "fy, en;q=0.1"), "en"); /* "fy" is not French */
	assert_string_equal(pi_web_lang(NULL, "en;q=0.4, fr;q=0.6"), "fr");
	/* the user's choice wins; an unknown choice is ignored */
	assert_string_equal(pi_web_lang("pi_lang=fr", "en"), "fr");
	assert_string_equal(pi_web_lang("pi_lang=en", "fr"), "en");
	assert_string_equal(pi_web_lang("pi_lang=de", "fr"), "fr");
}

static void test_session_lifecycle(void **state)
{
	struct fixture *f = *state;
	char id[PI_SESSION_ID_LEN + 1], other[PI_SESSION_ID_LEN + 1];
	struct pi_web_session s, got;
	struct pi_error err;

	assert_int_equal(pi_session_create(f->store, 7, T0, id, &s, &err), PI_OK);
	assert_int_equal(strlen(id), PI_SESSION_ID_LEN);
	assert_int_equal(strlen(s.csrf), PI_WEB_CSRF_LEN);
	assert_string_not_equal(id, s.csrf);
	assert_int_equal(s.expires_at, T0 + PI_SESSION_MAX_US);
	assert_int_equal(pi_session_check(f->store, id, T0 + 5 * SEC, &got, &err), PI_OK);
	assert_int_equal(got.user_id, 7);
	assert_string_equal(got.csrf, s.csrf);
	/* a second log-in gets another id and another CSRF token */
	assert_int_equal(pi_session_create(f->store, 7, T0, other, &got, &err), PI_OK);
	assert_string_not_equal(id, other);
	assert_string_not_equal(s.csrf, got.csrf);
	/* unknown, malformed */
	memcpy(other, id, sizeof(other));
	other[0] = other[0] == 'A' ? 'B' : 'A';
	assert_int_equal(pi_session_check(f->store, other, T0, &got, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_session_check(f->store, "short", T0, &got, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_session_check(f->store, "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
	                         T0, &got, &err),
	        PI_ERR_NOTFOUND);
	/* log-out */
	assert_int_equal(pi_session_destroy(f->store, id, &err), PI_OK);
	assert_int_equal(pi_session_check(f->store, id, T0 + SEC, &got, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_session_destroy(f->store, id, &err), PI_OK);
}

static void test_session_expiry(void **state)
{
	struct fixture *f = *state;
	char id[PI_SESSION_ID_LEN + 1];
	struct pi_web_session s, got;
	struct pi_error err;
	int64_t now = T0;

	/* idle: unused for the idle time ends it, and it stays ended */
	assert_int_equal(pi_session_create(f->store, 1, T0, id, &s, &err), PI_OK);
	assert_int_equal(
	        pi_session_check(f->store, id, T0 + PI_SESSION_IDLE_US - SEC, &got, &err), PI_OK);
	assert_int_equal(
	        pi_session_check(f->store, id, T0 + 2 * PI_SESSION_IDLE_US - 2 * SEC, &got, &err),
	        PI_OK);
	assert_int_equal(pi_session_check(f->store, id, T0 + 3 * PI_SESSION_IDLE_US, &got, &err),
	        PI_ERR_NOTFOUND);
	assert_int_equal(
	        pi_session_check(f->store, id, T0 + 2 * PI_SESSION_IDLE_US - SEC, &got, &err),
	        PI_ERR_NOTFOUND);
	/* absolute: in use all along, it still ends PI_SESSION_MAX_US after log-in */
	assert_int_equal(pi_session_create(f->store, 1, T0, id, &s, &err), PI_OK);
	for (int i = 0; i < 100 && now + 10 * 60 * SEC < T0 + PI_SESSION_MAX_US; i++) {
		now += 10 * 60 * SEC;
		assert_int_equal(pi_session_check(f->store, id, now, &got, &err), PI_OK);
	}
	assert_int_equal(pi_session_check(f->store, id, T0 + PI_SESSION_MAX_US, &got, &err),
	        PI_ERR_NOTFOUND);
}

static int count_rows(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	        sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void test_session_only_hash_stored(void **state)
{
	struct fixture *f = *state;
	char id[PI_SESSION_ID_LEN + 1], sql[300];
	struct pi_web_session s;
	struct pi_error err;

	assert_int_equal(pi_session_create(f->store, 3, T0, id, &s, &err), PI_OK);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM web_sessions"), 1);
	assert_int_equal(count_rows(f->path, "SELECT length(id_hash) FROM web_sessions"), 32);
	snprintf(sql, sizeof(sql),
	        "SELECT count(*) FROM web_sessions WHERE id_hash = CAST('%s' AS BLOB) OR csrf = "
	        "'%s'",
	        id, id);
	assert_int_equal(count_rows(f->path, sql), 0);
	/* expired sessions are purged when the next one is created */
	assert_int_equal(
	        pi_session_create(f->store, 4, T0 + PI_SESSION_MAX_US, id, &s, &err), PI_OK);
	assert_int_equal(count_rows(f->path, "SELECT count(*) FROM web_sessions"), 1);
}

static void test_throttle(void **state)
{
	(void)state;
	pi_login_reset();
	for (int i = 0; i < PI_LOGIN_MAX_USER_FAILS - 1; i++)
		pi_login_failed("carol", "192.0.2.1", T0 + i * SEC);
	assert_int_equal(pi_login_locked("carol", "192.0.2.1", T0 + 10 * SEC), 0);
	pi_login_failed("carol", "192.0.2.1", T0 + 10 * SEC);
	/* locked until the window that started with the first failure ends */
	assert_int_equal(pi_login_locked("carol", "192.0.2.9", T0 + 10 * SEC),
	        PI_LOGIN_WINDOW_US / SEC - 10);
	assert_int_equal(pi_login_locked("dave", "192.0.2.9", T0 + 10 * SEC), 0);
	assert_int_equal(pi_login_locked("carol", "192.0.2.9", T0 + PI_LOGIN_WINDOW_US), 0);
	/* success clears the count */
	pi_login_reset();
	for (int i = 0; i < PI_LOGIN_MAX_USER_FAILS - 1; i++)
		pi_login_failed("erin", NULL, T0);
	pi_login_succeeded("erin");
	pi_login_failed("erin", NULL, T0);
	assert_int_equal(pi_login_locked("erin", NULL, T0), 0);
	/* one address trying many names is locked out too */
	pi_login_reset();
	for (int i = 0; i < PI_LOGIN_MAX_IP_FAILS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "user%d", i);
		pi_login_failed(name, "198.51.100.7", T0);
	}
	assert_true(pi_login_locked("someone-new", "198.51.100.7", T0 + SEC) > 0);
	assert_int_equal(pi_login_locked("someone-new", "198.51.100.8", T0 + SEC), 0);
	pi_login_reset();
}

struct collect {
	int64_t ids[8];
	size_t n;
};

static int collect_one(void *arg, const struct pi_web_advisory *a)
{
	struct collect *c = arg;

	assert_null(a->body);
	if (c->n < 8)
		c->ids[c->n++] = a->id;
	return 0;
}

static void test_advisories_store(void **state)
{
	struct fixture *f = *state;
	struct pi_web_advisory a, got;
	struct pi_error err;
	struct collect c;
	int64_t id1 = 0, id2 = 0;

	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	snprintf(a.kind, sizeof(a.kind), "advisory");
	a.title = "Smishing wave";
	a.body = "# Block\n\n*these*";
	a.tlp = PI_TLP_GREEN;
	a.org_id = 1;
	a.user_id = 2;
	a.created_at = T0;
	assert_int_equal(pi_store_web_advisory_add(f->store, &a, &id1, &err), PI_OK);
	snprintf(a.kind, sizeof(a.kind), "best-practice");
	a.created_at = T0 + SEC;
	assert_int_equal(pi_store_web_advisory_add(f->store, &a, &id2, &err), PI_OK);
	assert_true(id2 > id1);
	assert_int_equal(pi_store_web_advisory_get(f->store, id1, &got, &err), PI_OK);
	assert_string_equal(got.kind, "advisory");
	assert_string_equal(got.title, "Smishing wave");
	assert_string_equal(got.body, "# Block\n\n*these*");
	assert_int_equal(got.tlp, PI_TLP_GREEN);
	assert_int_equal(got.created_at, T0);
	pi_web_advisory_clear(&got);
	assert_int_equal(
	        pi_store_web_advisory_get(f->store, id2 + 100, &got, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_store_web_advisory_each(f->store, collect_one, &c, &err), PI_OK);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], id2); /* newest first */
	assert_int_equal(c.ids[1], id1);
	/* the table refuses a kind the interface does not know */
	snprintf(a.kind, sizeof(a.kind), "rumour");
	assert_int_not_equal(pi_store_web_advisory_add(f->store, &a, &id1, &err), PI_OK);
}

static void test_assets_embedded(void **state)
{
	int app = 0, css = 0;

	(void)state;
	assert_true(pi_web_nassets >= 10);
	for (size_t i = 0; i < pi_web_nassets; i++) {
		assert_true(pi_web_assets[i].len > 0);
		assert_null(strchr(pi_web_assets[i].path, '/'));
		if (strcmp(pi_web_assets[i].path, "app.js") == 0 &&
		        strncmp(pi_web_assets[i].type, "text/javascript", 15) == 0)
			app = 1;
		if (strcmp(pi_web_assets[i].path, "app.css") == 0 &&
		        strncmp(pi_web_assets[i].type, "text/css", 8) == 0)
			css = 1;
	}
	assert_true(app && css);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cookie_get),
	        cmocka_unit_test(test_lang),
	        cmocka_unit_test_setup_teardown(test_session_lifecycle, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_session_expiry, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_session_only_hash_stored, setup, teardown),
	        cmocka_unit_test(test_throttle),
	        cmocka_unit_test_setup_teardown(test_advisories_store, setup, teardown),
	        cmocka_unit_test(test_assets_embedded),
	};

	pi_secret_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
