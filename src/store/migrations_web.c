/* migrations_web.c - the tables of the web interface (module "web"; see store_web.h).
 *
 *   web_sessions     browser log-in sessions: only the SHA-256 of the random 256-bit session
 *                    id is kept (id_hash), with the per-session CSRF token, the user, and the
 *                    times that bound it (created_at, seen_at for the idle expiry, expires_at
 *                    for the absolute one), all microseconds UTC
 *   web_advisories   advisories and best practices: Markdown source, TLP (enum pi_tlp), the
 *                    publishing organisation and user, the time of publication
 * A released entry is never edited: a change is a new entry.
 */
#include "store/store_int.h"

const char *const pi_store_web_migrations[] = {
        /* 1 */
        "CREATE TABLE web_sessions ("
        "  id_hash BLOB PRIMARY KEY,"
        "  user_id INTEGER NOT NULL,"
        "  csrf TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  seen_at INTEGER NOT NULL,"
        "  expires_at INTEGER NOT NULL"
        ") WITHOUT ROWID;"
        "CREATE INDEX web_sessions_user ON web_sessions(user_id);"
        "CREATE TABLE web_advisories ("
        "  id INTEGER PRIMARY KEY,"
        "  kind TEXT NOT NULL CHECK (kind IN ('advisory', 'best-practice')),"
        "  title TEXT NOT NULL,"
        "  body TEXT NOT NULL,"
        "  tlp INTEGER NOT NULL,"
        "  org_id INTEGER NOT NULL,"
        "  user_id INTEGER NOT NULL,"
        "  created_at INTEGER NOT NULL"
        ");",
};
