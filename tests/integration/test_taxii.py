"""TAXII 2.1 server conformance (OASIS TAXII 2.1, sections 1.6, 3, 4, 5): discovery, API root,
collections, objects, object, manifest, versions, status, DELETE; media types, pagination,
filters, error bodies, max_content_length, authentication and authorisation.

Every STIX object the server returns is validated against the OASIS JSON schemas."""
import base64
import json

import pytest

import stixschema
from taxiiutil import (TAXII, TLP2, assert_taxii_error, assert_taxii_json, envelope, ids,
                       identity, indicator, malware, post_objects, read_all, stamp, version_of)

STIX = "application/stix+json;version=2.1"
ROOT = "/taxii2/hub/"

pytestmark = pytest.mark.skipif(not stixschema.available(), reason="no $PI_STIX_DIR/schemas")

ORG_USERS = {
    "isac": {"admin"},
    "northpost": {"nadia", "alice", "nils"},
    "southpost": {"bob", "sara"},
    "eastpost": {"carol"},
    "postreg": {"rita"},
    "meterco": {"mike"},
}
ALL_USERS = set().union(*ORG_USERS.values())
WRITERS = {"admin", "nadia", "alice", "nils", "bob", "carol"}


def obj_path(hub, oid, collection="community"):
    return hub.objects_path(collection) + oid + "/"


def manifest_path(hub, collection="community"):
    return "/taxii2/hub/collections/%s/manifest/" % hub.collections[collection]


# ---- discovery and API root ----

def test_discovery_urls_from_host(shared_hub):
    body = assert_taxii_json(shared_hub.get("/taxii2/", user="alice"))
    base = "http://127.0.0.1:%d" % shared_hub.port
    assert body["default"] == base + ROOT
    assert body["api_roots"] == [base + ROOT]
    assert isinstance(body["title"], str) and body["title"]
    # another Host header: the URLs follow it
    body = assert_taxii_json(shared_hub.get("/taxii2/", user="alice",
                                            headers={"Host": "hub.internal:8443"}))
    assert body["default"] == "http://hub.internal:8443" + ROOT
    assert body["api_roots"] == ["http://hub.internal:8443" + ROOT]


def test_discovery_refuses_hostile_host(shared_hub):
    for host in ("evil.example/\"><script>", "a b", "x" * 300):
        r = shared_hub.get("/taxii2/", user="alice", headers={"Host": host})
        assert "<script>" not in r.text
        assert_taxii_error(r, 400)


def test_discovery_public_url(make_hub):
    hub = make_hub(["--public-url", "https://hub.example"])
    body = assert_taxii_json(hub.get("/taxii2/", user="carol"))
    assert body["default"] == "https://hub.example/taxii2/hub/"
    assert body["api_roots"] == ["https://hub.example/taxii2/hub/"]
    # the Host header no longer matters
    body = assert_taxii_json(hub.get("/taxii2/", user="carol", headers={"Host": "other:1"}))
    assert body["default"] == "https://hub.example/taxii2/hub/"


def test_api_root(shared_hub):
    body = assert_taxii_json(shared_hub.get(ROOT, user="sara"))
    assert body["versions"] == [TAXII]
    assert body["max_content_length"] == 20 * 1024 * 1024
    assert isinstance(body["title"], str) and body["title"]


def test_unknown_api_root_and_resource(shared_hub):
    assert_taxii_error(shared_hub.get("/taxii2/nothere/", user="alice"), 404)
    assert_taxii_error(shared_hub.get(ROOT + "nothing/", user="alice"), 404)
    assert_taxii_error(shared_hub.get(ROOT + "collections/x/y/z/w/v/", user="alice"), 404)


def test_method_not_allowed(shared_hub):
    r = shared_hub.session.put(shared_hub.url + shared_hub.objects_path(),
                               headers=shared_hub.headers("alice", {"Content-Type": TAXII}), data="{}")
    assert_taxii_error(r, 405)
    assert "GET" in r.headers.get("Allow", "") and "POST" in r.headers["Allow"]
    assert_taxii_error(shared_hub.post(ROOT, user="alice", body={}), 405)
    assert_taxii_error(shared_hub.delete(manifest_path(shared_hub), user="alice"), 405)


# ---- collections ----

def expected_collections(hub, user):
    org = hub.users[user]["org"]
    want = {hub.collections["community"], hub.collections[org + "-private"]}
    if org in ("northpost", "southpost"):
        want.add(hub.collections["europe-posts"])
    return want


@pytest.mark.parametrize("user", sorted(ALL_USERS))
def test_collections_per_user(shared_hub, user):
    body = assert_taxii_json(shared_hub.get(ROOT + "collections/", user=user))
    got = {c["id"]: c for c in body["collections"]}
    assert len(got) == len(body["collections"]), "a collection is listed twice"
    assert set(got) == expected_collections(shared_hub, user)
    for c in got.values():
        assert c["can_read"] is True
        assert c["can_write"] is (user in WRITERS), (user, c)
        assert isinstance(c["title"], str) and c["title"]
        assert STIX in c["media_types"]
        one = assert_taxii_json(shared_hub.get(ROOT + "collections/%s/" % c["id"], user=user))
        assert one == c
    # every other collection answers 404, like one that does not exist
    for name, cid in shared_hub.collections.items():
        if cid not in got:
            assert_taxii_error(shared_hub.get(ROOT + "collections/%s/" % cid, user=user), 404)
            assert_taxii_error(shared_hub.get(ROOT + "collections/%s/objects/" % cid, user=user), 404)
            assert_taxii_error(shared_hub.get(ROOT + "collections/%s/manifest/" % cid, user=user), 404)


def test_unknown_collection(shared_hub):
    for cid in ("00000000-0000-4000-8000-000000000000", "nope", "x" * 200):
        assert_taxii_error(shared_hub.get(ROOT + "collections/%s/" % cid, user="alice"), 404)
        assert_taxii_error(shared_hub.get(ROOT + "collections/%s/objects/" % cid, user="alice"), 404)
        assert_taxii_error(shared_hub.post(ROOT + "collections/%s/objects/" % cid, user="alice",
                                           body=envelope([indicator()])), 404)


# ---- media types ----

@pytest.mark.parametrize("accept", [
    "text/html",
    "application/json",
    "application/taxii+json;version=2.0",
    "application/taxii+json;version=2.10",
    "application/stix+json;version=2.0",
])
def test_accept_refused(shared_hub, accept):
    for path in ("/taxii2/", ROOT, ROOT + "collections/", manifest_path(shared_hub),
                 shared_hub.objects_path()):
        r = shared_hub.get(path, user="alice", headers={"Accept": accept})
        assert_taxii_error(r, 406)


@pytest.mark.parametrize("accept", [
    TAXII, "application/taxii+json; version=2.1", "application/taxii+json", "*/*",
    "text/html, application/taxii+json;version=2.1;q=0.9",
])
def test_accept_allowed(shared_hub, accept):
    for path in ("/taxii2/", ROOT, ROOT + "collections/", manifest_path(shared_hub),
                 shared_hub.objects_path()):
        r = shared_hub.get(path, user="alice", headers={"Accept": accept})
        assert_taxii_json(r, 200)


@pytest.mark.parametrize("ctype", ["application/json", "text/plain",
                                   "application/taxii+json;version=2.0", None])
def test_post_content_type_refused(hub, ctype):
    headers = {"Content-Type": ctype} if ctype else {"Content-Type": ""}
    r = hub.post(hub.objects_path(), user="alice", body=envelope([indicator()]), headers=headers)
    assert_taxii_error(r, 415)
    assert count_all(hub) == 6


def count_all(hub, user="alice", collection="community"):
    items, _ = read_all(hub, manifest_path(hub, collection), user=user, key="objects",
                        params={"match[version]": "all"}, limit=1000)
    return len(items)


# ---- objects: POST and GET, pagination, headers ----

def test_post_and_get_objects(hub):
    objs = [indicator(tlp="GREEN"), malware(), identity()]
    st = post_objects(hub, objs)
    assert sorted((s["id"], s["version"]) for s in st["successes"]) == sorted(
        (o["id"], version_of(o)) for o in objs)
    assert st.get("failures", []) == []
    # the status resource reads back the same
    s2 = assert_taxii_json(hub.get(ROOT + "status/%s/" % st["id"], user="alice"))
    assert s2 == st
    # the same organisation may read it; another one may not; anonymous gets 401
    assert assert_taxii_json(hub.get(ROOT + "status/%s/" % st["id"], user="nils"))["id"] == st["id"]
    assert_taxii_error(hub.get(ROOT + "status/%s/" % st["id"], user="bob"), 404)
    assert_taxii_error(hub.get(ROOT + "status/%s/" % st["id"]), 401)
    assert_taxii_error(hub.get(ROOT + "status/00000000-0000-4000-8000-000000000000/", user="alice"), 404)
    # objects come back exactly as posted
    for o in objs:
        body = assert_taxii_json(hub.get(obj_path(hub, o["id"]), user="carol"))
        assert body["objects"] == [o]
        assert body["more"] is False
        stixschema.validate_objects(body["objects"])
    got, _ = read_all(hub, hub.objects_path(), user="carol")
    for o in objs:
        assert got.count(o) == 1


def test_posting_the_same_object_again(hub):
    o = indicator(tlp="GREEN")
    post_objects(hub, [o])
    st = post_objects(hub, [o])  # idempotent: a success, nothing added
    assert [s["id"] for s in st["successes"]] == [o["id"]]
    changed = dict(o, name="changed without a new modified")
    st = post_objects(hub, [changed], expect_success=0)
    assert st["failures"][0]["id"] == o["id"]
    versions = assert_taxii_json(hub.get(obj_path(hub, o["id"]) + "versions/", user="alice"))
    assert versions["versions"] == [o["modified"]]
    assert assert_taxii_json(hub.get(obj_path(hub, o["id"]), user="alice"))["objects"] == [o]


def test_status_counts_and_failures(hub):
    good = [indicator(tlp="GREEN"), indicator(tlp="CLEAR")]
    bad_pattern = indicator(tlp="GREEN")
    bad_pattern["pattern"] = "[domain-name:value = ]"
    bad_time = indicator(tlp="GREEN", created=stamp(1000), modified=stamp(0))
    r = hub.post(hub.objects_path(), user="alice", body=envelope([good[0], bad_pattern, good[1], bad_time]))
    st = assert_taxii_json(r, 202)
    assert (st["total_count"], st["success_count"], st["failure_count"], st["pending_count"]) == (4, 2, 2, 0)
    assert st["status"] == "complete"
    assert isinstance(st["request_timestamp"], str)
    assert sorted(s["id"] for s in st["successes"]) == sorted(ids(good))
    for s in st["successes"]:
        assert s["version"] == good[0]["modified"]
    fails = {f["id"]: f for f in st["failures"]}
    assert set(fails) == {bad_pattern["id"], bad_time["id"]}
    assert "pattern" in fails[bad_pattern["id"]]["message"]
    assert "modified" in fails[bad_time["id"]]["message"]
    for f in st["failures"]:
        assert f["id"] in f["message"]
    assert st.get("pendings", []) == []
    for o in (bad_pattern, bad_time):
        assert_taxii_error(hub.get(obj_path(hub, o["id"]), user="alice"), 404)
    for o in good:
        assert assert_taxii_json(hub.get(obj_path(hub, o["id"]), user="alice"))["objects"] == [o]
    assert assert_taxii_json(hub.get(ROOT + "status/%s/" % st["id"], user="alice")) == st


def _bad(prop, **changes):
    o = indicator(tlp="GREEN")
    for k, v in changes.items():
        if v is None:
            o.pop(k)
        else:
            o[k] = v
    return prop, o


@pytest.mark.parametrize("prop,obj", [
    _bad("spec_version", spec_version="2.0"),
    _bad("id", id="malware--6b616fc1-1505-48e3-8b2c-0d19337bff38"),
    _bad("valid_until", valid_until=stamp(-1000)),
    _bad("created", created="2024-02-30T00:00:00.000Z"),
    _bad("modified", modified="yesterday"),
    _bad("object_marking_refs",
         object_marking_refs=["marking-definition--00000000-0000-4000-8000-000000000000"]),
    _bad("pattern", pattern="[domain-name:value = 'x'"),
    _bad("pattern", pattern=None),
    _bad("type", type="Indicator"),
    _bad("indicator_types", indicator_types="malicious-activity"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_invalid_objects_are_refused_by_property(hub, prop, obj):
    st = post_objects(hub, [obj], expect_success=0)
    f = st["failures"][0]
    assert prop in f["message"], f
    assert_taxii_error(hub.get(obj_path(hub, obj["id"]), user="alice"), 404)


def test_status_failures_carry_version(hub):
    """TAXII 2.1 section 4.3.1: a status-details entry has id AND version (both required);
    an object that failed validation still has a version when it has modified/created."""
    bad = indicator(tlp="GREEN", created=stamp(1000), modified=stamp(0))
    st = post_objects(hub, [bad], expect_success=0)
    assert st["failures"][0]["id"] == bad["id"]
    assert st["failures"][0].get("version") == bad["modified"], st["failures"][0]


def test_pagination_250_objects(hub):
    posted = [indicator("page %03d" % i, tlp="GREEN") for i in range(250)]
    before, _ = read_all(hub, hub.objects_path(), user="nils")
    post_objects(hub, posted[:120])
    post_objects(hub, posted[120:])
    got, pages = read_all(hub, hub.objects_path(), user="nils", limit=100)
    assert len(pages) == -(-(len(before) + 250) // 100)
    for body, _ in pages[:-1]:
        assert body["more"] is True and len(body["objects"]) == 100
    assert pages[-1][0]["more"] is False
    got_ids = ids(got)
    assert len(got_ids) == len(set(got_ids)), "an object appears on two pages"
    assert set(got_ids) == set(ids(before)) | set(ids(posted))
    # the posted objects come in the order they were added
    assert [i for i in got_ids if i in set(ids(posted))] == ids(posted)
    # X-TAXII-Date-Added-First/Last: the first and last date_added of each page
    manifest, _ = read_all(hub, manifest_path(hub), user="nils", limit=1000)
    added = {m["id"]: m["date_added"] for m in manifest}
    assert len(manifest) == len(got)
    prev_last = ""
    for body, headers in pages:
        first = headers["X-TAXII-Date-Added-First"]
        last = headers["X-TAXII-Date-Added-Last"]
        assert first == added[body["objects"][0]["id"]]
        assert last == added[body["objects"][-1]["id"]]
        assert prev_last < first <= last
        prev_last = last
    # `next` is honoured, and asking twice gives the same page
    second = pages[0][0]["next"]
    a = assert_taxii_json(hub.get(hub.objects_path(), user="nils", params={"limit": "100", "next": second}))
    b = assert_taxii_json(hub.get(hub.objects_path(), user="nils", params={"limit": "100", "next": second}))
    assert a == b == pages[1][0]
    # manifest pages the same way
    mf, mpages = read_all(hub, manifest_path(hub), user="nils", limit=100)
    assert [m["id"] for m in mf] == got_ids
    assert len(mpages) == len(pages)
    for m in mf:
        assert set(m) == {"id", "date_added", "version", "media_type"}
        assert m["media_type"] == STIX


def test_pages_for_a_reader_who_sees_little(hub):
    """1,200 objects carol may not see, then 3 she may: pages stay bounded (the server scans
    a capped number of rows per request) and paging still shows her exactly what she may
    see, once each."""
    hidden = [indicator("hidden %d" % i, tlp="AMBER") for i in range(1200)]
    shown = [indicator("shown %d" % i, tlp="GREEN") for i in range(3)]
    post_objects(hub, hidden[:600])
    post_objects(hub, hidden[600:])
    post_objects(hub, shown)
    got, pages = read_all(hub, hub.objects_path(), user="carol", limit=5)
    names = sorted(o["name"] for o in got)
    assert names == sorted(["Parcel redelivery smishing (CLEAR)", "Customs fee smishing (GREEN)"] +
                           [o["name"] for o in shown])
    assert len(pages) >= 2, "1,200 hidden rows were scanned in one request"
    for body, headers in pages:
        if "objects" not in body:
            assert "X-TAXII-Date-Added-First" not in headers
    mf, _ = read_all(hub, manifest_path(hub), user="carol", limit=5)
    assert sorted(m["id"] for m in mf) == sorted(ids(got))


def test_limit_bounds(shared_hub):
    for bad in ("0", "-1", "abc", "1.5", "", " 5", "0x10"):
        r = shared_hub.get(shared_hub.objects_path(), user="alice", params={"limit": bad})
        body = assert_taxii_error(r, 400)
        assert "limit" in body["description"]
    # a limit above the server's page size is lowered, not refused (TAXII 2.1 section 3.4)
    for big in ("5000", "99999999999999999999999"):
        body = assert_taxii_json(shared_hub.get(shared_hub.objects_path(), user="alice", params={"limit": big}))
        assert body["more"] is False and len(body["objects"]) == 6
    body = assert_taxii_json(shared_hub.get(shared_hub.objects_path(), user="alice", params={"limit": "1"}))
    assert len(body["objects"]) == 1 and body["more"] is True
    for bad in ("abc", "-5", "1e9"):
        r = shared_hub.get(shared_hub.objects_path(), user="alice", params={"next": bad})
        assert "next" in assert_taxii_error(r, 400)["description"]


def test_empty_result_envelope(shared_hub):
    body = assert_taxii_json(shared_hub.get(shared_hub.objects_path(), user="alice",
                                            params={"match[type]": "malware-analysis"}))
    assert body == {"more": False}
    assert "X-TAXII-Date-Added-First" not in shared_hub.get(
        shared_hub.objects_path(), user="alice", params={"match[type]": "malware-analysis"}).headers


# ---- filters ----

def test_added_after(hub):
    first = [indicator(tlp="GREEN") for _ in range(5)]
    second = [indicator(tlp="GREEN") for _ in range(7)]
    post_objects(hub, first)
    post_objects(hub, second)
    manifest, _ = read_all(hub, manifest_path(hub), user="alice")
    added = {m["id"]: m["date_added"] for m in manifest}
    cut = added[first[-1]["id"]]
    got, pages = read_all(hub, hub.objects_path(), user="alice", params={"added_after": cut})
    assert ids(got) == ids(second)
    assert pages[0][1]["X-TAXII-Date-Added-First"] > cut
    # with paging
    got, pages = read_all(hub, hub.objects_path(), user="alice", params={"added_after": cut}, limit=3)
    assert ids(got) == ids(second) and len(pages) == 3
    # after the newest: nothing
    newest = max(added.values())
    assert assert_taxii_json(hub.get(hub.objects_path(), user="alice",
                                     params={"added_after": newest})) == {"more": False}
    for bad in ("yesterday", "2024-13-01T00:00:00Z", "2024-01-01"):
        assert_taxii_error(hub.get(hub.objects_path(), user="alice", params={"added_after": bad}), 400)


def test_match_id_and_type(hub):
    objs = [indicator(tlp="GREEN"), indicator(tlp="GREEN"), malware(), identity()]
    post_objects(hub, objs)
    p = hub.objects_path()
    got, _ = read_all(hub, p, user="bob", params={"match[id]": objs[0]["id"] + "," + objs[2]["id"]})
    assert sorted(ids(got)) == sorted([objs[0]["id"], objs[2]["id"]])
    got, _ = read_all(hub, p, user="bob", params={"match[type]": "malware"})
    assert ids(got) == [objs[2]["id"]]
    got, _ = read_all(hub, p, user="bob", params={"match[type]": "malware,identity"})
    assert sorted(ids(got)) == sorted([objs[2]["id"], objs[3]["id"]])
    got, _ = read_all(hub, p, user="bob", params={"match[type]": "indicator", "match[id]": objs[2]["id"]})
    assert got == []
    # the manifest takes the same filters
    mf, _ = read_all(hub, manifest_path(hub), user="bob", params={"match[type]": "identity"})
    assert [m["id"] for m in mf] == [objs[3]["id"]]
    for bad in ({"match[id]": "not-an-id"}, {"match[type]": "Bad_Type"}, {"match[id]": ""},
                {"match[type]": ","}):
        assert_taxii_error(hub.get(p, user="bob", params=bad), 400)


def three_versions(hub):
    base = indicator(tlp="GREEN", created=stamp(0))
    v1 = dict(base, modified=stamp(0), name="v1")
    v2 = dict(base, modified=stamp(60000), name="v2")
    v3 = dict(base, modified=stamp(120000), name="v3")
    # v2 arrives first: "first" and "last" are about versions, not about arrival
    post_objects(hub, [v2])
    post_objects(hub, [v3, v1])
    return v1, v2, v3


def test_match_version(hub):
    v1, v2, v3 = three_versions(hub)
    oid = v1["id"]
    op = obj_path(hub, oid)
    lp = hub.objects_path()

    def obj(params=None, path=op):
        return assert_taxii_json(hub.get(path, user="carol", params=params)).get("objects", [])

    assert obj() == [v3]
    assert obj({"match[version]": "last"}) == [v3]
    assert obj({"match[version]": "first"}) == [v1]
    assert sorted(obj({"match[version]": "all"}), key=lambda o: o["modified"]) == [v1, v2, v3]
    assert obj({"match[version]": v2["modified"]}) == [v2]
    assert sorted(obj({"match[version]": "first,last"}), key=lambda o: o["modified"]) == [v1, v3]
    assert sorted(obj({"match[version]": "%s,%s" % (v1["modified"], v2["modified"])}),
                  key=lambda o: o["modified"]) == [v1, v2]
    # timestamps compare as instants, whatever their precision
    assert obj({"match[version]": v2["modified"].replace(".000Z", "Z")}) == [v2]
    assert obj({"match[version]": v2["modified"].replace(".000Z", ".000000Z")}) == [v2]
    assert_taxii_error(hub.get(op, user="carol", params={"match[version]": stamp(30000)}), 404)
    assert_taxii_error(hub.get(op, user="carol", params={"match[version]": "newest"}), 400)
    # the objects endpoint applies the same filter
    q = {"match[id]": oid}
    assert obj(q, lp) == [v3]
    assert obj(dict(q, **{"match[version]": "first"}), lp) == [v1]
    assert sorted(obj(dict(q, **{"match[version]": "all"}), lp), key=lambda o: o["modified"]) == [v1, v2, v3]
    assert obj(dict(q, **{"match[version]": v2["modified"]}), lp) == [v2]
    # the date_added headers are on the object and versions answers too
    for p in (op, op + "versions/", manifest_path(hub)):
        r = hub.get(p, user="carol")
        assert r.headers["X-TAXII-Date-Added-First"] <= r.headers["X-TAXII-Date-Added-Last"]
    # versions lists every version (in date_added order, like every paged list)
    vs = assert_taxii_json(hub.get(op + "versions/", user="carol"))
    assert sorted(vs["versions"]) == [v1["modified"], v2["modified"], v3["modified"]]
    assert vs["more"] is False
    vs, pages = read_all(hub, op + "versions/", user="carol", key="versions", limit=1)
    assert sorted(vs) == [v1["modified"], v2["modified"], v3["modified"]] and len(pages) == 3
    # manifest: one entry per version asked for
    mf, _ = read_all(hub, manifest_path(hub), user="carol", params={"match[id]": oid, "match[version]": "all"})
    assert sorted(m["version"] for m in mf) == [v1["modified"], v2["modified"], v3["modified"]]
    mf, _ = read_all(hub, manifest_path(hub), user="carol", params={"match[id]": oid})
    assert [m["version"] for m in mf] == [v3["modified"]]


def test_match_spec_version(hub):
    v1, v2, v3 = three_versions(hub)
    oid = v1["id"]
    op = obj_path(hub, oid)
    body = assert_taxii_json(hub.get(op, user="bob", params={"match[spec_version]": "2.1"}))
    assert body["objects"] == [v3]
    body = assert_taxii_json(hub.get(op, user="bob", params={"match[spec_version]": "2.1",
                                                              "match[version]": "all"}))
    assert len(body["objects"]) == 3
    assert_taxii_error(hub.get(op, user="bob", params={"match[spec_version]": "2.0"}), 404)
    body = assert_taxii_json(hub.get(hub.objects_path(), user="bob",
                                     params={"match[spec_version]": "2.0", "match[id]": oid}))
    assert body == {"more": False}
    body = assert_taxii_json(hub.get(hub.objects_path(), user="bob",
                                     params={"match[spec_version]": "2.0,2.1", "match[id]": oid}))
    assert body["objects"] == [v3]
    vs = assert_taxii_json(hub.get(op + "versions/", user="bob", params={"match[spec_version]": "2.1"}))
    assert len(vs["versions"]) == 3


# ---- DELETE ----

def test_delete_by_owner(hub):
    v1, v2, v3 = three_versions(hub)
    other = indicator(tlp="GREEN")
    post_objects(hub, [other])
    op = obj_path(hub, v1["id"])
    # another organisation that can see it may not delete it: 403 (it can see it exists)
    assert_taxii_error(hub.delete(op, user="bob"), 403)
    # read-only user of the same community: 403
    assert_taxii_error(hub.delete(op, user="sara"), 403)
    assert_taxii_error(hub.delete(op), 401)
    assert len(assert_taxii_json(hub.get(op, user="alice", params={"match[version]": "all"}))["objects"]) == 3
    # deleting one version
    r = hub.delete(op, user="alice", params={"match[version]": "first"})
    assert r.status_code == 200, r.text
    vs = assert_taxii_json(hub.get(op + "versions/", user="alice"))
    assert vs["versions"] == [v2["modified"], v3["modified"]]
    # a colleague of the same organisation deletes the rest
    r = hub.delete(op, user="nils")
    assert r.status_code == 200, r.text
    assert_taxii_error(hub.get(op, user="alice"), 404)
    assert_taxii_error(hub.get(op + "versions/", user="alice"), 404)
    assert_taxii_error(hub.delete(op, user="alice"), 404)
    mf, _ = read_all(hub, manifest_path(hub), user="alice", params={"match[version]": "all"})
    assert v1["id"] not in {m["id"] for m in mf}
    got, _ = read_all(hub, hub.objects_path(), user="alice", params={"match[version]": "all"})
    assert v1["id"] not in ids(got) and other["id"] in ids(got)
    # the other object is untouched
    assert assert_taxii_json(hub.get(obj_path(hub, other["id"]), user="alice"))["objects"] == [other]


def test_delete_invisible_is_404(hub):
    unmarked = indicator()
    red = indicator(tlp="RED")
    post_objects(hub, [unmarked, red])
    for o in (unmarked, red):
        assert_taxii_error(hub.delete(obj_path(hub, o["id"]), user="bob"), 404)
        assert_taxii_error(hub.delete(obj_path(hub, o["id"]), user="admin"), 404)
    # red: even the creator's colleague cannot see it, so 404
    assert_taxii_error(hub.delete(obj_path(hub, red["id"]), user="nils"), 404)
    for o in (unmarked, red):
        assert assert_taxii_json(hub.get(obj_path(hub, o["id"]), user="alice"))["objects"] == [o]
    assert_taxii_error(hub.delete(obj_path(hub, "indicator--00000000-0000-4000-8000-000000000000"),
                                  user="alice"), 404)


# ---- max_content_length ----

def test_max_content_length(make_hub):
    hub = make_hub(["--max-content-length", "100000"])
    assert assert_taxii_json(hub.get(ROOT, user="alice"))["max_content_length"] == 100000
    small = [indicator(tlp="GREEN", description="x" * 1000) for _ in range(50)]
    assert len(json.dumps(envelope(small))) < 100000
    post_objects(hub, small)
    big = [indicator(tlp="GREEN", description="x" * 1000) for _ in range(120)]
    data = json.dumps(envelope(big))
    assert len(data) > 100000
    assert_taxii_error(hub.post(hub.objects_path(), user="alice", body=data), 413)

    def chunks():  # no Content-Length: the cap applies while reading
        for i in range(0, len(data), 8192):
            yield data[i:i + 8192].encode()
    r = hub.session.post(hub.url + hub.objects_path(), data=chunks(), timeout=60,
                         headers=hub.headers("alice", {"Content-Type": TAXII}))
    assert_taxii_error(r, 413)
    for o in big:
        assert_taxii_error(hub.get(obj_path(hub, o["id"]), user="alice"), 404)
    assert count_all(hub) == 6 + 50


# ---- authentication ----

def basic(user, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()


def test_authentication(shared_hub):
    hub = shared_hub
    path = ROOT + "collections/"

    def get(auth):
        h = {"Accept": TAXII}
        if auth:
            h["Authorization"] = auth
        return hub.session.get(hub.url + path, headers=h, timeout=60)

    assert_taxii_json(get("Bearer " + hub.tokens["alice"]))
    assert_taxii_json(get(basic("alice", hub.users["alice"]["password"])))
    assert_taxii_json(get(basic("alice", hub.users["alice"]["password"])))  # cached path
    assert_taxii_json(get(basic("alice", hub.tokens["alice"])))
    for auth in (None, "Bearer " + "pi_" + "0" * 40, "Bearer ", "Bearer " + hub.tokens["alice"] + "x",
                 basic("alice", "wrong-password"), basic("bob", hub.tokens["alice"]),
                 basic("nobody", "x"), basic("alice", hub.users["bob"]["password"]),
                 "Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode(),
                 "Digest username=alice", "Token " + hub.tokens["alice"]):
        r = get(auth)
        body = assert_taxii_error(r, 401)
        assert "WWW-Authenticate" in r.headers, auth
        assert "Bearer" in r.headers["WWW-Authenticate"] or "Basic" in r.headers["WWW-Authenticate"]
        assert hub.tokens["alice"] not in r.text and body
    # every TAXII endpoint needs credentials when anonymous reading is off
    for p in ("/taxii2/", ROOT, path, hub.objects_path(), manifest_path(hub),
              obj_path(hub, "indicator--00000000-0000-4000-8000-000000000000")):
        assert_taxii_error(hub.get(p), 401)
    assert_taxii_error(hub.post(hub.objects_path(), body=envelope([indicator()])), 401)


@pytest.mark.parametrize("user", ["sara", "rita", "mike"])
def test_non_writers_get_403(shared_hub, user):
    o = indicator(tlp="GREEN")
    r = shared_hub.post(shared_hub.objects_path(), user=user, body=envelope([o]))
    assert "may not add" in assert_taxii_error(r, 403)["description"]
    assert_taxii_error(shared_hub.get(obj_path(shared_hub, o["id"]), user="alice"), 404)
    own = shared_hub.users[user]["org"] + "-private"
    assert_taxii_error(shared_hub.post(shared_hub.objects_path(own), user=user, body=envelope([o])), 403)


def test_write_to_invisible_collection_is_404(shared_hub):
    o = indicator(tlp="GREEN")
    assert_taxii_error(shared_hub.post(shared_hub.objects_path("europe-posts"), user="carol",
                                       body=envelope([o])), 404)
    assert_taxii_error(shared_hub.post(shared_hub.objects_path("southpost-private"), user="alice",
                                       body=envelope([o])), 404)


def test_invisible_object_is_404_not_403(shared_hub):
    hub = shared_hub
    demo, _ = read_all(hub, hub.objects_path(), user="alice")
    red = [o for o in demo if TLP2["RED"] in o.get("object_marking_refs", [])]
    assert len(red) == 1
    rid = red[0]["id"]
    for user in ("carol", "nils", "sara", "admin", "rita"):
        for suffix in ("", "versions/"):
            assert_taxii_error(hub.get(obj_path(hub, rid) + suffix, user=user), 404)
        assert rid not in ids(read_all(hub, hub.objects_path(), user=user)[0])
    assert assert_taxii_json(hub.get(obj_path(hub, rid), user="bob"))["objects"] == red


def test_bad_object_ids_in_path(shared_hub):
    for oid in ("indicator", "indicator--1234", "INDICATOR--00000000-0000-4000-8000-000000000000"):
        assert_taxii_error(shared_hub.get(obj_path(shared_hub, oid), user="alice"), 404)


def test_unknown_query_parameters(shared_hub):
    hub = shared_hub
    for path, params in ((hub.objects_path(), {"match[foo]": "x"}),
                         (ROOT + "collections/", {"limit": "5"}),
                         ("/taxii2/", {"x": "1"}),
                         (obj_path(hub, "indicator--00000000-0000-4000-8000-000000000000") + "versions/",
                          {"match[version]": "all"}),
                         (manifest_path(hub), {"match[bogus]": "1"})):
        body = assert_taxii_error(hub.get(path, user="alice", params=params), 400)
        assert list(params)[0] in body["description"]
