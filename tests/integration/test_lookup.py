"""Look-up API: /api/v1/lookup (GET one value, POST a batch), exact / parent-domain / CIDR
matches, counts over visible objects only, warninglists, expiry and revocation, refusals."""
import os
import sqlite3
import uuid

import pytest

from taxiiutil import indicator, post_objects, stamp

os.environ.setdefault("POSTISAC_WARNINGLISTS",
                      os.path.join(os.path.dirname(__file__), "..", "..", "data", "warninglists"))
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def lookup(hub, value, user="alice", **params):
    params["value"] = value
    return hub.get("/api/v1/lookup", user=user, params=params, headers={"Accept": "application/json"})


def ind(pattern, **kw):
    o = indicator(**kw)
    o["pattern"] = pattern
    return o


def test_exact_domain_match_counts_and_listing(hub):
    a = ind("[domain-name:value = 'Parcel-Redelivery.example.']", tlp="GREEN", name="smish domain")
    post_objects(hub, [a])
    b = ind("[domain-name:value = 'parcel-redelivery.example']", tlp="GREEN", name="same, southpost")
    post_objects(hub, [b], user="bob")
    r = lookup(hub, "PARCEL-REDELIVERY.EXAMPLE", user="carol")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "domain"
    assert body["normalised"] == "parcel-redelivery.example"
    assert body["found"] is True
    assert body["objects"] == 2
    assert body["active"] == 2
    assert body["organisations"] == 2
    assert body["warninglists"] == []
    assert len(body["matches"]) == 1
    m = body["matches"][0]
    assert m["match"] == "exact" and m["value"] == "parcel-redelivery.example"
    assert m["objects"] == 2 and m["organisations"] == 2 and m["too_common"] is False
    assert sorted(x["id"] for x in m["listed"]) == sorted([a["id"], b["id"]])
    names = {x["id"]: x["name"] for x in m["listed"]}
    assert names[a["id"]] == "smish domain"
    for x in m["listed"]:
        assert x["type"] == "indicator" and x["tlp"] == "green" and x["active"] is True
        assert x["revoked"] is False and x["expired"] is False
        assert x["sightings"]["sightings"] == 0
    assert body["first_seen"] is not None and body["last_seen"] is not None


def test_parent_domain_and_url_host(hub):
    a = ind("[domain-name:value = 'evil-post.example']", tlp="GREEN")
    post_objects(hub, [a])
    body = lookup(hub, "track.login.evil-post.example").json()
    assert body["found"] is True
    assert [(m["match"], m["value"]) for m in body["matches"]] == [("parent-domain", "evil-post.example")]
    body = lookup(hub, "https://login.evil-post.example/track?id=1").json()
    assert body["kind"] == "url"
    assert [(m["match"], m["value"]) for m in body["matches"]] == [("url-host", "evil-post.example")]
    assert body["matches"][0]["listed"][0]["id"] == a["id"]


def test_ip_inside_shared_cidr(hub):
    a = ind("[ipv4-addr:value ISSUBSET '203.0.114.0/23']", tlp="GREEN")
    b = ind("[ipv4-addr:value = '203.0.114.77']", tlp="GREEN")
    post_objects(hub, [a, b])
    body = lookup(hub, "203.0.114.77").json()
    assert body["kind"] == "ipv4"
    got = sorted((m["match"], m["value"], m["listed"][0]["id"]) for m in body["matches"])
    assert got == sorted([("exact", "203.0.114.77", b["id"]), ("cidr", "203.0.114.0/23", a["id"])])
    assert body["objects"] == 2
    body = lookup(hub, "203.0.115.1").json()
    assert [(m["match"], m["value"]) for m in body["matches"]] == [("cidr", "203.0.114.0/23")]
    body = lookup(hub, "203.0.116.1").json()
    assert body["found"] is False and body["matches"] == [] and body["objects"] == 0


def test_hashes_email_phone_kinds(hub):
    sha = "A" * 64
    a = ind("[file:hashes.'SHA-256' = '%s'] OR [email-addr:value = 'refund@Evil-Post.example'] OR "
            "[x-phone-number:value = '+44 7700 900123']" % sha, tlp="GREEN")
    post_objects(hub, [a])
    for value, kind, norm in [(sha, "sha256", "a" * 64),
                              ("refund@evil-post.example", "email", "refund@evil-post.example"),
                              ("+447700900123", "phone", "+447700900123")]:
        body = lookup(hub, value).json()
        assert body["kind"] == kind, body
        assert body["normalised"] == norm
        assert body["found"] is True, body
        assert body["matches"][0]["listed"][0]["id"] == a["id"]
    assert lookup(hub, "a" * 32, kind="md5").json()["kind"] == "md5"


def test_amber_of_another_org_is_no_hint(hub):
    secret = ind("[domain-name:value = 'amber-only.example']", tlp="AMBER")
    post_objects(hub, [secret])  # alice, northpost
    hidden = lookup(hub, "amber-only.example", user="bob").json()
    unknown = lookup(hub, "never-shared.example", user="bob").json()
    for k in ("value", "normalised"):
        hidden.pop(k)
        unknown.pop(k)
    assert hidden == unknown
    assert hidden["found"] is False and hidden["objects"] == 0 and hidden["matches"] == []
    # the owner's organisation sees it
    assert lookup(hub, "amber-only.example", user="nils").json()["objects"] == 1
    # batch form gives the same answers
    r = hub.post("/api/v1/lookup", user="bob", headers=JSON,
                 body={"values": ["amber-only.example", "never-shared.example"]})
    res = r.json()["results"]
    res[0].pop("value"), res[0].pop("normalised"), res[1].pop("value"), res[1].pop("normalised")
    assert res[0] == res[1]


def test_expired_and_revoked_not_active(hub):
    now_base = stamp()
    expired = ind("[domain-name:value = 'old-wave.example']", tlp="GREEN",
                  valid_until="2024-06-01T00:00:00.000Z")
    live = ind("[domain-name:value = 'old-wave.example']", tlp="GREEN",
               valid_until="2999-01-01T00:00:00.000Z")
    post_objects(hub, [expired, live])
    body = lookup(hub, "old-wave.example").json()
    assert body["objects"] == 2 and body["active"] == 1
    flags = {x["id"]: (x["expired"], x["active"]) for x in body["matches"][0]["listed"]}
    assert flags == {expired["id"]: (True, False), live["id"]: (False, True)}
    revoked = dict(live, modified=stamp(1000), revoked=True)
    post_objects(hub, [revoked])
    body = lookup(hub, "old-wave.example").json()
    assert body["objects"] == 2 and body["active"] == 0
    listed = {x["id"]: x for x in body["matches"][0]["listed"]}
    assert listed[live["id"]]["revoked"] is True and listed[live["id"]]["active"] is False
    assert now_base


def test_delete_drops_from_index(hub):
    a = ind("[domain-name:value = 'deleted-soon.example']", tlp="GREEN")
    post_objects(hub, [a])
    assert lookup(hub, "deleted-soon.example").json()["objects"] == 1
    r = hub.delete(hub.objects_path() + a["id"] + "/", user="alice")
    assert r.status_code == 200, r.text
    body = lookup(hub, "deleted-soon.example").json()
    assert body["found"] is False and body["objects"] == 0


def test_new_version_replaces_old_observables(hub):
    a = ind("[domain-name:value = 'v1.example']", tlp="GREEN")
    post_objects(hub, [a])
    a2 = dict(a, modified=stamp(5000), pattern="[domain-name:value = 'v2.example']")
    post_objects(hub, [a2])
    assert lookup(hub, "v1.example").json()["objects"] == 0
    assert lookup(hub, "v2.example").json()["objects"] == 1


def test_warninglists_flag_and_ingest_warning(hub):
    body = lookup(hub, "8.8.8.8").json()
    assert body["warninglists"] == ["public-dns-resolvers"]
    assert lookup(hub, "192.168.10.1").json()["warninglists"] == ["private-ipv4"]
    assert lookup(hub, "tools.usps.com").json()["warninglists"] == ["postal-operators"]
    assert lookup(hub, "usps-track.example").json()["warninglists"] == []
    st = post_objects(hub, [ind("[ipv4-addr:value = '8.8.8.8']", tlp="GREEN")])
    msg = st["successes"][0].get("message", "")
    assert "8.8.8.8" in msg and "public-dns-resolvers" in msg, st


def test_invalid_values_reported_on_ingest(hub):
    st = post_objects(hub, [ind("[ipv4-addr:value = '300.1.2.3']", tlp="GREEN")])
    msg = st["successes"][0].get("message", "")
    assert msg.startswith("warning: '300.1.2.3' not indexed"), st
    assert lookup(hub, "300.1.2.3", kind="ipv4").status_code == 400


def test_refusals(hub):
    r = hub.session.get(hub.url + "/api/v1/lookup", params={"value": "x.example"})
    assert r.status_code == 401
    r = lookup(hub, "")
    assert r.status_code == 400 and "value" in r.json()["description"]
    r = lookup(hub, "999.1.1.1", kind="ipv4")
    assert r.status_code == 400
    assert "'999.1.1.1' is not a valid ipv4-cidr" in r.json()["description"]
    r = lookup(hub, "x.example", kind="colour")
    assert r.status_code == 400 and "kind 'colour'" in r.json()["description"]
    r = lookup(hub, "x.example", extra="1")
    assert r.status_code == 400
    r = hub.post("/api/v1/lookup", user="alice", headers=JSON,
                 body={"values": ["a%d.example" % i for i in range(10001)]})
    assert r.status_code == 413 and "at most 10000" in r.json()["description"]
    r = hub.post("/api/v1/lookup", user="alice", headers=JSON, body={"values": []})
    assert r.status_code == 400
    r = hub.post("/api/v1/lookup", user="alice", headers=JSON, body={"values": [1]})
    assert r.status_code == 400 and "values[0]" in r.json()["description"]
    r = hub.post("/api/v1/lookup", user="alice", headers=JSON, body={"value": ["x"]})
    assert r.status_code == 400 and "'value'" in r.json()["description"]
    r = hub.post("/api/v1/lookup", user="alice", headers={"Content-Type": "text/plain"}, body="x")
    assert r.status_code == 415
    r = hub.post("/api/v1/lookup", user="alice", headers=JSON, body="{bad")
    assert r.status_code == 400


def test_batch_mixes_answers_and_errors(hub):
    post_objects(hub, [ind("[domain-name:value = 'batch-hit.example']", tlp="GREEN")])
    r = hub.post("/api/v1/lookup", user="alice", headers=JSON,
                 body={"values": ["batch-hit.example", "300.300.300.300/40", "miss.example"]})
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x.get("found") for x in res] == [True, None, False]
    assert "error" in res[1] and "not a valid" in res[1]["error"]
    big = hub.post("/api/v1/lookup", user="alice", headers=JSON,
                   body={"values": ["v%d.batch.example" % i for i in range(10000)]})
    assert big.status_code == 200 and len(big.json()["results"]) == 10000


def test_names_of_a_database_indexed_before_names_were_kept(hub):
    """Intel migration 5 keeps each object's name in its index rows and fills it in for rows
    indexed before: a look-up lists the name without reading the body."""
    named = ind("[domain-name:value = 'old-index.example']", tlp="GREEN",
                name='old "quoted" name \u00e9')
    post_objects(hub, [named])
    unnamed = ind("[domain-name:value = 'old-index.example']", tlp="GREEN")
    del unnamed["name"]
    post_objects(hub, [unnamed])
    hub.stop()
    # turn the database back into one of intel schema 4: no name column in intel_refs
    db = sqlite3.connect(hub.db[len("sqlite:"):])
    db.execute("ALTER TABLE intel_refs DROP COLUMN name")
    db.execute("UPDATE settings SET value = '4' WHERE key = 'schema.intel'")
    db.commit()
    db.close()
    hub.start()
    r = lookup(hub, "old-index.example")
    assert r.status_code == 200, r.text
    listed = {x["id"]: x for x in r.json()["matches"][0]["listed"]}
    assert listed[named["id"]]["name"] == 'old "quoted" name \u00e9'
    assert "name" not in listed[unnamed["id"]]
    db = sqlite3.connect(hub.db[len("sqlite:"):])
    assert db.execute("SELECT value FROM settings WHERE key = 'schema.intel'").fetchone() == ("5",)
    db.close()


def test_lookup_snapshot_sees_credential_changes_at_once(hub):
    """GET /api/v1/lookup checks a cached token inside the look-up's own read snapshot: a
    token revoked or a user disabled by another process (the CLI) is refused on the very next
    look-up, and the answers before and after come from consistent snapshots."""
    import subprocess
    from conftest import BIN
    post_objects(hub, [ind("[domain-name:value = 'snapshot.example']", tlp="GREEN")])
    r = hub.post("/api/v1/users/alice/tokens", user="alice", body={"name": "snap"},
                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert r.status_code == 201, r.text
    tok, tid = r.json()["token"], r.json()["id"]

    def look(token):
        return hub.session.get(hub.url + "/api/v1/lookup", params={"value": "snapshot.example"},
                               headers={"Authorization": "Bearer " + token,
                                        "Accept": "application/json"}, timeout=60)

    for _ in range(3):  # the principal is cached after the first
        r = look(tok)
        assert r.status_code == 200 and r.json()["found"] is True, r.text
    out = subprocess.run([os.path.abspath(BIN), "user", "token-revoke", "alice", str(tid),
                          "--db", hub.db], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    r = look(tok)
    assert r.status_code == 401, r.text
    # a disabled user: every token of hers stops at once, then works again when enabled
    assert look(hub.tokens["nadia"]).status_code == 200
    out = subprocess.run([os.path.abspath(BIN), "user", "set", "nadia", "--disable",
                          "--db", hub.db], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert look(hub.tokens["nadia"]).status_code == 401
    out = subprocess.run([os.path.abspath(BIN), "user", "set", "nadia", "--enable",
                          "--db", hub.db], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert look(hub.tokens["nadia"]).status_code == 200
    # the snapshot never leaks into later requests: writes right after a look-up work
    for _ in range(3):
        assert look(hub.tokens["alice"]).status_code == 200
        assert post_objects(hub, [ind("[domain-name:value = 'after.example']", tlp="GREEN")]) \
            is not None
    assert "Sanitizer" not in hub.read_log()
