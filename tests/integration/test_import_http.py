"""POST /api/v1/import: the bulk import (CSV, STIX bundle, MISP) over HTTP, as the web
interface's file upload uses it. Exact summary counts, the imported indicators readable over
TAXII, and the refusals (anonymous, read-only, bad map/format/TLP, unknown collection,
malformed files, wrong media type)."""
import json
import uuid

import requests

from taxiiutil import TAXII, indicator, read_all

CSV = ("indicator,kind,tlp\n"
       "csv-http-1.example,domain,green\n"
       "192.0.2.151,ipv4,amber\n"
       "lure-http@csv.example,email,\n"
       "not an address,ipv4,green\n"
       "csv-http-2.example,weird,green\n"
       "\n")


def imp(hub, body, user="alice", ctype="text/csv", **params):
    params.setdefault("collection", "community")
    h = {"Content-Type": ctype}
    if user:
        h["Authorization"] = "Bearer " + hub.tokens[user]
    if isinstance(body, str):
        body = body.encode()
    return requests.post(hub.url + "/api/v1/import", params=params, data=body, headers=h,
                         timeout=120)


def error(r, status):
    assert r.status_code == status, (r.status_code, r.text[:500])
    body = r.json()
    assert body["title"] and body["description"], body
    return body["description"]


def patterns(hub, user, collection="community"):
    objs, _ = read_all(hub, hub.objects_path(collection), user=user,
                       params={"match[type]": "indicator"})
    return {o["pattern"]: o for o in objs}


def test_csv_upload_counts_and_taxii(hub):
    r = imp(hub, CSV, map="value=1,type=2,tlp=3", header="true", tlp="green")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    s = r.json()
    assert s["collection"] == hub.collections["community"]
    assert (s["records"], s["imported"], s["updated"], s["unchanged"], s["rejected"],
            s["skipped"]) == (5, 3, 0, 0, 2, 0)
    reasons = {x["where"]: x["reason"] for x in s["reasons"]}
    assert set(reasons) == {"line 5", "line 6"}
    assert reasons["line 5"].startswith("ipv4 'not an address'")
    assert reasons["line 6"].startswith("unknown type 'weird'")
    assert s["reasons_not_listed"] == 0
    # readable over TAXII by another organisation's analyst, with the right TLP
    got = patterns(hub, "bob")
    dom = got["[domain-name:value = 'csv-http-1.example']"]
    assert dom["object_marking_refs"] == ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    assert "[email-addr:value = 'lure-http@csv.example']" in got
    # amber stays within alice's organisation
    assert "[ipv4-addr:value = '192.0.2.151']" not in got
    assert "[ipv4-addr:value = '192.0.2.151']" in patterns(hub, "nils")
    # the same file again: unchanged
    s = imp(hub, CSV, map="value=1,type=2,tlp=3", header="true", tlp="green").json()
    assert (s["imported"], s["updated"], s["unchanged"], s["rejected"]) == (0, 0, 3, 2)


def test_csv_by_header_names_and_format_from_content_type(hub):
    # no map: the header names the columns; text/csv implies format=csv
    s = imp(hub, "value,type\nhdr-http.example,domain\n", tlp="clear").json()
    assert (s["records"], s["imported"], s["rejected"]) == (1, 1, 0)
    assert "[domain-name:value = 'hdr-http.example']" in patterns(hub, "carol")


def test_stix_bundle_and_misp_upload(hub):
    objs = [indicator(name="http bulk %d" % i, tlp="GREEN", domain="http-bulk-%d.example" % i)
            for i in range(3)]
    bundle = {"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": objs}
    r = imp(hub, json.dumps(bundle), ctype="application/json", format="stix")
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["records"], s["imported"], s["rejected"]) == (3, 3, 0)
    # auto-detected from octet-stream
    s = imp(hub, json.dumps(bundle), ctype="application/octet-stream").json()
    assert (s["records"], s["unchanged"]) == (3, 3)
    misp = {"Event": {"info": "http misp", "uuid": str(uuid.uuid4()), "timestamp": "1714564800",
                      "Tag": [{"name": "tlp:green"}],
                      "Attribute": [
                          {"type": "domain", "value": "misp-http.example", "to_ids": True,
                           "uuid": str(uuid.uuid4()), "timestamp": "1714564800"},
                          {"type": "comment", "value": "not for detection", "to_ids": False,
                           "uuid": str(uuid.uuid4()), "timestamp": "1714564800"}]}}
    r = imp(hub, json.dumps(misp), ctype="application/json", format="misp")
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["imported"], s["skipped"]) == (1, 1)


def test_refusals(hub):
    # anonymous
    r = imp(hub, CSV, user=None, map="value=1", header="true")
    assert r.status_code == 401, r.text
    # read-only user of southpost
    d = error(imp(hub, CSV, user="sara", map="value=1", header="true"), 403)
    assert "read-only" in d
    # a reporter may not write the community either
    error(imp(hub, CSV, user="mike", map="value=1", header="true"), 403)
    # bad map
    d = error(imp(hub, CSV, map="vale=1"), 400)
    assert d.startswith("map: unknown key 'vale'"), d
    d = error(imp(hub, CSV, map="value=0"), 400)
    assert "out of range" in d, d
    # bad format, header, TLP, unknown query parameter
    assert "format" in error(imp(hub, CSV, format="xls"), 400)
    assert "header" in error(imp(hub, CSV, header="maybe"), 400)
    assert "tlp" in error(imp(hub, CSV, tlp="purple"), 400)
    error(imp(hub, CSV, colour="blue"), 400)
    # collections: missing, unknown, and one that exists but bob may not read
    assert "collection" in error(imp(hub, CSV, collection=""), 400)
    error(imp(hub, CSV, collection="no-such-group"), 404)
    error(imp(hub, CSV, collection=str(uuid.uuid4())), 404)
    error(imp(hub, CSV, user="bob", collection=hub.collections["northpost-private"]), 404)
    # wrong media type, empty body
    error(imp(hub, CSV, ctype="image/png"), 415)
    error(imp(hub, "", map="value=1"), 400)
    # nothing of the above was stored
    assert "[domain-name:value = 'csv-http-1.example']" not in patterns(hub, "alice")


def test_malformed_files(hub):
    # an unterminated quoted field: the reader cannot go on; rows before it are stored
    body = "value\nok-before.example\n\"never closed\n"
    d = error(imp(hub, body, tlp="green"), 400)
    assert "unterminated" in d and "line 3" in d, d
    # the header does not have the mapped column
    d = error(imp(hub, "a,b\nx.example,y\n", map="value=indicator"), 400)
    assert "indicator" in d, d
    # broken JSON as a bundle
    d = error(imp(hub, '{"type":"bundle","objects":[{"type":', ctype="application/json",
                  format="stix"), 400)
    assert "byte" in d, d
    # a row with too few fields is rejected, the others imported
    s = imp(hub, "x,short-row.example\nonly-one-field\n", map="value=2", tlp="green").json()
    assert (s["imported"], s["rejected"]) == (1, 1), s
    assert s["reasons"][0] == {"where": "line 2",
                               "reason": "has 1 fields; the value is in column 2"}


def test_body_over_limit(make_hub):
    h = make_hub(["--max-content-length", "1024"])
    r = imp(h, "value\n" + "a.example\n" * 200, tlp="green")
    assert r.status_code == 413, r.text
