"""Sightings: POST /api/v1/sightings (by indicator id or by value) creates real STIX sighting
objects that TAXII readers see; STIX sightings posted through TAXII count the same way;
counts, false positives and first/last seen show on look-up and the object API; refusals."""
import os
import uuid

from taxiiutil import TAXII, indicator, post_objects, read_all, stamp

os.environ.setdefault("POSTISAC_WARNINGLISTS",
                      os.path.join(os.path.dirname(__file__), "..", "..", "data", "warninglists"))
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def ind(domain, **kw):
    o = indicator(tlp="GREEN", **kw)
    o["pattern"] = "[domain-name:value = '%s']" % domain
    return o


def sight(hub, body, user="alice"):
    return hub.post("/api/v1/sightings", user=user, headers=JSON, body=body)


def test_sighting_by_indicator_counts_and_taxii(hub):
    a = ind("sighted.example")
    post_objects(hub, [a])
    r = sight(hub, {"indicator": a["id"], "count": 3, "first_seen": "2024-05-02T08:00:00Z",
                    "last_seen": "2024-05-02T09:30:00Z", "collection": hub.collections["community"]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["collection"] == hub.collections["community"]
    assert len(body["sightings"]) == 1 and body["sightings"][0].startswith("sighting--")
    assert body["count"] == 3 and body["false_positive"] is False
    # a real STIX object in the collection
    objs, _ = read_all(hub, hub.objects_path(), user="bob", params={"match[type]": "sighting"})
    s = [o for o in objs if o["id"] == body["sightings"][0]]
    assert len(s) == 1
    assert s[0]["sighting_of_ref"] == a["id"] and s[0]["count"] == 3
    assert s[0]["x_postisac_false_positive"] is False
    # counts on look-up and on the object
    hit = hub.get("/api/v1/lookup", user="bob", params={"value": "sighted.example"},
                  headers={"Accept": "application/json"}).json()
    assert hit["sightings"] == {"sightings": 1, "count": 3, "false_positives": 0,
                                "first_seen": "2024-05-02T08:00:00.000000Z",
                                "last_seen": "2024-05-02T09:30:00.000000Z"}
    assert hit["matches"][0]["listed"][0]["sightings"]["count"] == 3
    view = hub.get("/api/v1/objects/" + a["id"], user="bob", headers={"Accept": "application/json"}).json()
    assert view["sightings"]["sightings"] == 1 and view["sightings"]["count"] == 3


def test_sighting_by_value_false_positive_in_own_collection(hub):
    a = ind("fp.example")
    b = ind("fp.example")
    post_objects(hub, [a, b])
    r = sight(hub, {"value": "FP.example", "false_positive": True}, user="bob")
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["sightings"]) == 2
    assert body["collection"] == hub.collections["southpost-private"]
    # southpost sees its own false positives ...
    seen = hub.get("/api/v1/lookup", user="bob", params={"value": "fp.example"},
                   headers={"Accept": "application/json"}).json()
    assert seen["sightings"]["sightings"] == 2 and seen["sightings"]["false_positives"] == 2
    # ... northpost does not see southpost's private sightings
    other = hub.get("/api/v1/lookup", user="alice", params={"value": "fp.example"},
                    headers={"Accept": "application/json"}).json()
    assert other["sightings"]["sightings"] == 0


def test_stix_sighting_through_taxii_counts(hub):
    a = ind("taxii-sighted.example")
    s = {"type": "sighting", "spec_version": "2.1", "id": "sighting--" + str(uuid.uuid4()),
         "created": stamp(), "modified": stamp(), "sighting_of_ref": a["id"], "count": 7,
         "object_marking_refs": [a["object_marking_refs"][0]]}
    post_objects(hub, [a, s])
    view = hub.get("/api/v1/objects/" + a["id"], user="carol", headers={"Accept": "application/json"}).json()
    assert view["sightings"]["sightings"] == 1 and view["sightings"]["count"] == 7
    r = hub.delete(hub.objects_path() + s["id"] + "/", user="alice")
    assert r.status_code == 200
    view = hub.get("/api/v1/objects/" + a["id"], user="carol", headers={"Accept": "application/json"}).json()
    assert view["sightings"]["sightings"] == 0


def test_refusals(hub):
    a = ind("refusal.example")
    post_objects(hub, [a])
    r = hub.session.post(hub.url + "/api/v1/sightings", json={"indicator": a["id"]})
    assert r.status_code == 401
    r = sight(hub, {"indicator": a["id"]}, user="sara")  # read-only
    assert r.status_code == 403 and "read-only" in r.json()["description"]
    r = sight(hub, {})
    assert r.status_code == 400 and "exactly one of" in r.json()["description"]
    r = sight(hub, {"indicator": a["id"], "value": "refusal.example"})
    assert r.status_code == 400
    r = sight(hub, {"indicator": "indicator--" + str(uuid.uuid4())})
    assert r.status_code == 404
    r = sight(hub, {"value": "nobody-shared-this.example"})
    assert r.status_code == 404 and "no indicator" in r.json()["description"]
    r = sight(hub, {"value": "999.1.1.1", "kind": "ipv4"})
    assert r.status_code == 400 and "not a valid" in r.json()["description"]
    r = sight(hub, {"indicator": a["id"], "count": -1})
    assert r.status_code == 400 and "'count'" in r.json()["description"]
    r = sight(hub, {"indicator": a["id"], "count": 1.5})
    assert r.status_code == 400
    r = sight(hub, {"indicator": a["id"], "first_seen": "yesterday"})
    assert r.status_code == 400 and "first_seen" in r.json()["description"]
    r = sight(hub, {"indicator": a["id"], "first_seen": "2024-05-02T00:00:00Z",
                    "last_seen": "2024-05-01T00:00:00Z"})
    assert r.status_code == 400 and "earlier" in r.json()["description"]
    r = sight(hub, {"indicator": a["id"], "tlp": "purple"})
    assert r.status_code == 400
    r = sight(hub, {"indicator": a["id"], "colour": "red"})
    assert r.status_code == 400 and "'colour'" in r.json()["description"]
    r = sight(hub, {"indicator": a["id"], "collection": hub.collections["southpost-private"]})
    assert r.status_code == 404
    # an AMBER indicator of another organisation cannot be sighted by id: same as unknown
    secret = indicator(tlp="AMBER")
    post_objects(hub, [secret])
    r = sight(hub, {"indicator": secret["id"]}, user="bob")
    assert r.status_code == 404
    assert TAXII
