"""Hostile and broken input to the TAXII server: each request gets a clear 4xx TAXII error
(or, for objects that are individually invalid, a 202 status listing each as a failure),
changes nothing (the collection holds the same objects before and after), and the server
stays up (GET /healthz after every test)."""
import json

import pytest

from taxiiutil import (TAXII, assert_taxii_error, assert_taxii_json, envelope, indicator,
                       raw_get, raw_request, raw_taxii_error, read_all)


def snapshot(hub):
    out = {}
    for coll in ("community", "europe-posts", "northpost-private"):
        items, _ = read_all(hub, "/taxii2/hub/collections/%s/manifest/" % hub.collections[coll],
                            user="alice", params={"match[version]": "all"}, limit=1000)
        out[coll] = sorted((m["id"], m["version"], m["date_added"]) for m in items)
    return out


@pytest.fixture
def h(shared_hub):
    before = snapshot(shared_hub)
    yield shared_hub
    r = shared_hub.session.get(shared_hub.url + "/healthz", timeout=30)
    assert r.status_code == 200 and r.json() == {"status": "ok"}, "server is down"
    assert snapshot(shared_hub) == before, "the request changed the collections"


def post_raw(hub, data, user="alice", ctype=TAXII, path=None):
    headers = {"Content-Type": ctype} if ctype else {}
    return hub.post(path or hub.objects_path(), user=user, body=data, headers=headers)


GOOD = json.dumps(envelope([indicator(markings=["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])]))


@pytest.mark.parametrize("data", [
    "", " ", "{", "}", "[", "nul", "not json", "{objects: []}", "{'objects': []}",
    '{"objects": [}', '{"objects": [],}', '{"objects": [1,]}', '{"objects": []} x',
    '{"objects": []}{"objects": []}', '{"objects": [01]}', '{"objects": ["\\x"]}',
    '{"objects": ["a\tb"]}', '{"objects": [NaN]}', '{"objects": [1e]}',
    '{"objects": ["\\ud800"]}', '{"objects": ["\\udc00x"]}',
])
def test_malformed_json(h, data):
    body = assert_taxii_error(post_raw(h, data), 400)
    assert "JSON" in body["title"] or "JSON" in body["description"]


@pytest.mark.parametrize("cut", [1, 10, 0.25, 0.5, 0.75, -2, -1])
def test_truncated_json(h, cut):
    n = cut if isinstance(cut, int) and cut > 0 else (len(GOOD) + cut if isinstance(cut, int)
                                                      else int(len(GOOD) * cut))
    assert_taxii_error(post_raw(h, GOOD[:n]), 400)


@pytest.mark.parametrize("data", [
    '{"objects": {}}', '{"objects": "x"}', '{"objects": null}', '{"objects": 1}',
    '[]', '[{"objects": []}]', '"objects"', '1', 'null', 'true', '{}', '{"object": []}',
])
def test_wrong_types(h, data):
    r = post_raw(h, data)
    assert 400 <= r.status_code < 500
    assert_taxii_error(r, r.status_code)


@pytest.mark.parametrize("items", [
    [1], ["x"], [None], [[]], [True], [{}], [{"type": "indicator"}],
    [1, "x", None, [], True, {}],
])
def test_non_object_items(h, items):
    r = post_raw(h, json.dumps({"objects": items}))
    if r.status_code == 202:
        st = r.json()
        assert st["success_count"] == 0 and st["failure_count"] == len(items), st
        assert len(st["failures"]) == len(items)
        assert all(f.get("message") for f in st["failures"])
    else:
        assert_taxii_error(r, r.status_code)
        assert 400 <= r.status_code < 500


def test_duplicate_keys(h):
    o = json.dumps(indicator())
    assert_taxii_error(post_raw(h, '{"objects": [], "objects": [%s]}' % o), 400)
    dup = o[:-1] + ', "name": "second name"}'
    assert_taxii_error(post_raw(h, '{"objects": [%s]}' % dup), 400)
    dup_nested = o[:-1] + ', "external_references": [{"source_name": "a", "source_name": "b"}]}'
    assert_taxii_error(post_raw(h, '{"objects": [%s]}' % dup_nested), 400)


@pytest.mark.parametrize("raw", [
    b'{"objects": ["\xff"]}', b'{"objects": ["\xc0\xaf"]}', b'{"objects": ["\xed\xa0\x80"]}',
    b'{"objects": ["\xe2\x82"]}', b'{"objects": ["\xf4\x90\x80\x80"]}', b'\xef\xbb\xbf{"objects": []}',
    b'{"objects": []}\x00',
])
def test_invalid_utf8(h, raw):
    assert_taxii_error(post_raw(h, raw), 400)


def test_deep_nesting(h):
    for depth in (101, 1000, 10000):
        data = '{"objects": [' + "[" * depth + "]" * depth + "]}"
        assert_taxii_error(post_raw(h, data), 400)
        data = '{"objects": [' + '{"a":' * depth + "1" + "}" * depth + "]}"
        assert_taxii_error(post_raw(h, data), 400)


def test_ten_megabyte_strings(h):
    big = "a" * (10 << 20)
    # as a key, as the objects member, as an id: refused, nothing stored
    r = post_raw(h, '{"%s": []}' % big)
    assert_taxii_error(r, r.status_code)
    assert 400 <= r.status_code < 500
    r = post_raw(h, json.dumps({"objects": big}))
    assert_taxii_error(r, r.status_code)
    assert 400 <= r.status_code < 500
    o = indicator()
    o["id"] = "indicator--" + big
    r = post_raw(h, json.dumps(envelope([o])))
    if r.status_code == 202:
        st = r.json()
        assert st["failure_count"] == 1 and st["success_count"] == 0
    else:
        assert_taxii_error(r, r.status_code)
        assert 400 <= r.status_code < 500


def test_status_does_not_echo_huge_ids(h):
    o = indicator()
    o["id"] = "indicator--" + "a" * (10 << 20)
    r = post_raw(h, json.dumps(envelope([o])))
    assert r.status_code == 202 and r.json()["failure_count"] == 1
    assert len(r.content) < 100000, "the status echoes a 10 MB id"


def test_ten_megabyte_description_round_trips_or_is_refused(shared_hub):
    """A valid object with a 10 MB description: either refused with a 4xx / failure, or
    stored and read back byte for byte. (Not under `h`: it may legitimately add one.)"""
    hub = shared_hub
    o = indicator(markings=["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
                  description="d" * (10 << 20))
    r = post_raw(hub, json.dumps(envelope([o])))
    if r.status_code == 202 and r.json()["success_count"] == 1:
        got = assert_taxii_json(hub.get(hub.objects_path() + o["id"] + "/", user="alice"))
        assert got["objects"] == [o]
        assert hub.delete(hub.objects_path() + o["id"] + "/", user="alice").status_code == 200
    elif r.status_code != 202:
        assert_taxii_error(r, r.status_code)
        assert 400 <= r.status_code < 500
    assert hub.session.get(hub.url + "/healthz", timeout=30).status_code == 200


def test_oversized_body(h):
    size = 21 << 20
    # declared length over the cap: answered at once
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: %s\r\nAccept: %s\r\nContent-Length: %d\r\n\r\n"
            % (h.objects_path(), h.port, h.tokens["alice"], TAXII, TAXII, size)).encode()
    status, hdrs, body = raw_request(h.port, head + b'{"objects": [' + b" " * 65536)
    raw_taxii_error(status, hdrs, body, 413)
    # chunked, no length: counted while reading
    r = h.session.post(h.url + h.objects_path(), data=(b" " * (1 << 20) for _ in range(22)),
                       headers=h.headers("alice", {"Content-Type": TAXII}), timeout=120)
    assert_taxii_error(r, 413)
    # an oversized body for an anonymous request is refused the same way, before auth
    status, hdrs, body = raw_request(h.port, head.replace(
        b"Authorization: Bearer " + h.tokens["alice"].encode() + b"\r\n", b"") + b"{")
    assert status == 413


@pytest.mark.parametrize("params,name", [
    ({"foo": "1"}, "foo"), ({"match[ID]": "x"}, "match[ID]"), ({"Limit": "1"}, "Limit"),
    ({"match[version]": "all", "sort": "asc"}, "sort"), ({"next": ""}, "next"),
])
def test_unknown_query_parameter(h, params, name):
    r = h.get(h.objects_path(), user="alice", params=params)
    body = assert_taxii_error(r, 400)
    assert name in body["description"]
    r = h.post(h.objects_path(), user="alice", body=GOOD, params=params)
    assert_taxii_error(r, 400)


@pytest.mark.parametrize("target", [
    "/taxii2/hub/collections/%zz/",
    "/taxii2/hub/collections/%/",
    "/taxii2/hub/collections/%4/",
    "/taxii2/hub/collections/abc%00def/",
    "/taxii2/hub/collections/{objects}?limit=%zz",
    "/taxii2/hub/collections/{objects}?limit=1%",
    "/taxii2/hub/collections/{objects}?match%5Bid=1",
    "/taxii2/hub/collections/{objects}?match[type]=indicator%00",
    "/taxii2/hub/collections/{objects}?%zz=1",
])
def test_invalid_percent_encoding(h, target):
    target = target.replace("{objects}", h.collections["community"] + "/objects/")
    status, hdrs, body = raw_get(h, target)
    b = raw_taxii_error(status, hdrs, body, status)
    assert status in (400, 404), (status, b)
    if "%zz" in target or target.endswith("%/") or "%4/" in target or "%00" in target:
        assert status == 400, b


@pytest.mark.parametrize("target,expect", [
    ("/taxii2/hub/collections/../", 400),
    ("/taxii2/hub/collections/./", 400),
    ("/taxii2/hub/collections/%2e%2e/", 400),
    ("/taxii2/hub/collections/%2E%2E/%2E%2E/", 400),
    ("/taxii2/hub/collections/{c}/objects/..%2F..%2F/", 400),
    ("/taxii2/hub/collections/{c}%2Fobjects/", 400),
    ("/taxii2/hub/collections/{c}/objects/x%5Cy/", 400),
    ("/taxii2/hub/collections/{c}/objects/indicator--..%2f..%2fetc%2fpasswd/", 400),
    ("/taxii2/../taxii2/hub/", 400),
    ("/taxii2/hub/collections/" + "a" * 300 + "/", 404),
    ("/taxii2/hub/collections/" + "a/" * 50, 404),
    ("/taxii2/hub/" + "x" * 5000 + "/", 414),
])
def test_path_tricks(h, target, expect):
    target = target.replace("{c}", h.collections["community"])
    status, hdrs, body = raw_get(h, target)
    raw_taxii_error(status, hdrs, body, expect)


def test_double_slashes_do_not_bypass_anything(h):
    """Empty segments are either refused or read as the canonical path, with the same
    authorisation: never a way around it."""
    c = h.collections["community"]
    sp = h.collections["southpost-private"]
    for target in ("//taxii2//hub//collections//%s//objects//" % c,
                   "/taxii2/hub/collections//%s/objects/" % sp,
                   "//taxii2/hub/collections/%s/objects/" % sp):
        status, hdrs, body = raw_get(h, target)
        if "southpost" in target or sp in target:
            raw_taxii_error(status, hdrs, body, 404 if status == 404 else 400)
        elif status == 200:
            canonical = raw_get(h, "/taxii2/hub/collections/%s/objects/" % c)
            assert json.loads(body) == json.loads(canonical[2])
        else:
            raw_taxii_error(status, hdrs, body, status)
        status, hdrs, body = raw_get(h, target, user=None)
        assert status in (400, 401, 404), status


def test_post_to_missing_collection(h):
    c = h.collections["community"]
    for cid in ("00000000-0000-4000-8000-000000000000", "nope", c[:-1] + ("1" if c[-1] != "1" else "2")):
        r = h.post("/taxii2/hub/collections/%s/objects/" % cid, user="alice", body=GOOD)
        assert_taxii_error(r, 404)


def test_huge_headers_and_many_values(h):
    r = h.get(h.objects_path(), user="alice", params={"match[id]": ",".join(
        ["indicator--00000000-0000-4000-8000-%012d" % i for i in range(101)])})
    assert_taxii_error(r, 400)
    r = h.get(h.objects_path(), user="alice", headers={"Accept": "a/b, " * 2000 + TAXII})
    assert 200 <= r.status_code < 500
    r = h.get(h.objects_path(), user="alice", headers={"X-Junk": "x" * 20000})
    assert r.status_code in (200, 400, 413, 431)


def test_methods(h):
    for m in ("PUT", "PATCH", "OPTIONS", "TRACE", "FOO"):
        r = h.session.request(m, h.url + h.objects_path(), headers=h.headers("alice"), timeout=30)
        assert 400 <= r.status_code < 500, (m, r.status_code)
        if r.status_code == 405:
            assert_taxii_error(r, 405)
