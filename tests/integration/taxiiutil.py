"""Helpers shared by the TAXII integration tests: STIX objects to post, TAXII error checks,
paging through a collection. Every object read back is validated against the OASIS schemas."""
import datetime
import json
import socket
import time
import uuid

import stixschema

TAXII = "application/taxii+json;version=2.1"

TLP2 = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1 = {
    "WHITE": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "GREEN": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "AMBER": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "RED": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
_clock = [0]


def stamp(offset_ms=0, base=None):
    """A STIX timestamp with millisecond precision."""
    t = (base or datetime.datetime(2024, 5, 1, 12, 0, 0)) + datetime.timedelta(milliseconds=offset_ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def indicator(name="test indicator", tlp=None, markings=None, recipients=None, created=None,
              modified=None, oid=None, domain=None, **extra):
    """A valid STIX 2.1 indicator (domain-name pattern). tlp: key of TLP2 or None."""
    oid = oid or "indicator--" + str(uuid.uuid4())
    created = created or stamp()
    o = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": oid,
        "created": created,
        "modified": modified or created,
        "name": name,
        "indicator_types": ["malicious-activity"],
        "pattern": "[domain-name:value = '%s']" % (domain or oid[11:19] + ".example"),
        "pattern_type": "stix",
        "valid_from": created,
    }
    refs = list(markings or [])
    if tlp:
        refs.append(TLP2[tlp])
    if refs:
        o["object_marking_refs"] = refs
    if recipients:
        o["x_postisac_recipients"] = list(recipients)
    o.update(extra)
    return o


def malware(name="test malware", **extra):
    o = {"type": "malware", "spec_version": "2.1", "id": "malware--" + str(uuid.uuid4()),
         "created": stamp(), "modified": stamp(), "name": name, "is_family": False,
         "object_marking_refs": [TLP2["GREEN"]]}
    o.update(extra)
    return o


def identity(name="test identity", **extra):
    o = {"type": "identity", "spec_version": "2.1", "id": "identity--" + str(uuid.uuid4()),
         "created": stamp(), "modified": stamp(), "name": name, "identity_class": "organization",
         "object_marking_refs": [TLP2["GREEN"]]}
    o.update(extra)
    return o


def envelope(objs):
    return {"objects": list(objs)}


def assert_taxii_error(r, status):
    """The response is a TAXII error message with this status (TAXII 2.1 section 3.6.1)."""
    assert r.status_code == status, "expected %d, got %d: %s" % (status, r.status_code, r.text[:500])
    assert r.headers.get("Content-Type", "").replace(" ", "") == TAXII, r.headers
    body = r.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert body.get("http_status") == str(status), body
    assert isinstance(body.get("description"), str) and body["description"], body
    return body


def assert_taxii_json(r, status=200):
    assert r.status_code == status, "expected %d, got %d: %s" % (status, r.status_code, r.text[:800])
    assert r.headers.get("Content-Type", "").replace(" ", "") == TAXII, r.headers
    return r.json()


def post_objects(hub, objs, user="alice", collection="community", expect_success=None):
    """POSTs an envelope; asserts 202 and a complete status; returns the status resource."""
    objs = list(objs)
    r = hub.post(hub.objects_path(collection), user=user, body=envelope(objs))
    st = assert_taxii_json(r, 202)
    assert st["status"] == "complete", st
    assert st["total_count"] == len(objs), st
    assert st["pending_count"] == 0, st
    if expect_success is None:
        expect_success = len(objs)
    assert st["success_count"] == expect_success, json.dumps(st)[:3000]
    assert st["failure_count"] == len(objs) - expect_success, json.dumps(st)[:3000]
    return st


def version_of(o):
    return o.get("modified") or o.get("created")


def check_envelope(body, key="objects"):
    assert isinstance(body, dict), body
    allowed = {key, "more", "next"}
    assert set(body) <= allowed, "unexpected members %s" % (set(body) - allowed)
    assert isinstance(body.get("more", False), bool), body.get("more")
    if key in body:
        assert isinstance(body[key], list) and body[key], "an empty list must be left out"
    if body.get("more"):
        assert isinstance(body.get("next"), str) and body["next"], body
    else:
        assert "next" not in body, "next without more: %r" % body.get("next")


def read_all(hub, path, user="alice", params=None, key="objects", limit=None, max_pages=200,
             validate=True):
    """Pages through a list endpoint (objects, manifest, versions); returns (items, pages)
    where pages is a list of (body, headers). Every STIX object is schema-validated."""
    params = dict(params or {})
    if limit:
        params["limit"] = str(limit)
    items, pages = [], []
    deadline = time.time() + 300
    for _ in range(max_pages):
        assert time.time() < deadline, "paging took more than 300 s"
        r = hub.get(path, user=user, params=params)
        body = assert_taxii_json(r, 200)
        check_envelope(body, key)
        got = body.get(key, [])
        if limit:
            assert len(got) <= limit
        if key == "objects" and validate and "/manifest/" not in path:
            stixschema.validate_objects(got)
        items.extend(got)
        pages.append((body, r.headers))
        if not body.get("more"):
            return items, pages
        params["next"] = body["next"]
    raise AssertionError("more than %d pages" % max_pages)


def ids(objs):
    return [o["id"] for o in objs]


def raw_request(port, data, timeout=30, read_limit=1 << 20):
    """Sends raw bytes to 127.0.0.1:port and returns (status, headers-dict, body-bytes).
    For requests that requests/urllib3 would normalise (dot segments, bad encodings)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        total = 0
        while total < read_limit:
            try:
                c = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not c:
                break
            chunks.append(c)
            total += len(c)
            head, sep, rest = b"".join(chunks).partition(b"\r\n\r\n")
            if sep:
                hdrs = _headers(head)
                n = int(hdrs.get("content-length", "-1"))
                if n >= 0 and len(rest) >= n:
                    break
        raw = b"".join(chunks)
    finally:
        s.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.startswith("HTTP/1."), "no HTTP response: %r" % raw[:200]
    hdrs = _headers(head)
    n = int(hdrs.get("content-length", len(body)))
    return int(status_line.split()[1]), hdrs, body[:n]


def _headers(head):
    out = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        out[k.strip().lower()] = v.strip()
    return out


def raw_get(hub, target, user="alice", extra=b""):
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: %s\r\nConnection: close\r\n"
           % (target, hub.port, TAXII)).encode("latin-1")
    if user:
        req += ("Authorization: Bearer %s\r\n" % hub.tokens[user]).encode()
    return raw_request(hub.port, req + extra + b"\r\n")


def raw_taxii_error(status, hdrs, body, expect):
    assert status == expect, "expected %d, got %d: %r" % (expect, status, body[:300])
    assert hdrs.get("content-type", "").replace(" ", "") == TAXII, hdrs
    b = json.loads(body)
    assert b.get("http_status") == str(expect) and b.get("title") and b.get("description"), b
    return b
