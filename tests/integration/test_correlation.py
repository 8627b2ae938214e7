"""Correlation: GET /api/v1/objects/{id} shows the newest version the caller may see and the
objects related to it through shared observables (visible ones only, capped per observable,
with a count when the value is common)."""
import os
import uuid

from taxiiutil import indicator, post_objects, stamp

os.environ.setdefault("POSTISAC_WARNINGLISTS",
                      os.path.join(os.path.dirname(__file__), "..", "..", "data", "warninglists"))
ACCEPT = {"Accept": "application/json"}


def ind(pattern, tlp="GREEN", **kw):
    o = indicator(tlp=tlp, **kw)
    o["pattern"] = pattern
    return o


def view(hub, oid, user="alice"):
    return hub.get("/api/v1/objects/" + oid, user=user, headers=ACCEPT)


def test_related_through_shared_observables(hub):
    a = ind("[domain-name:value = 'shared-c2.example'] OR [ipv4-addr:value = '203.0.113.9']", name="A")
    b = ind("[domain-name:value = 'shared-c2.example']", name="B")
    c = ind("[ipv4-addr:value = '203.0.113.9']", name="C")
    d = ind("[domain-name:value = 'unrelated.example']", name="D")
    post_objects(hub, [a, b, c, d])
    hidden = ind("[domain-name:value = 'shared-c2.example']", tlp="AMBER", name="hidden")
    post_objects(hub, [hidden], user="bob")
    r = view(hub, a["id"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == a["id"] and body["object"]["name"] == "A"
    assert body["tlp"] == "green" and body["collection"] == hub.collections["community"]
    assert body["active"] is True and body["revoked"] is False
    obs = {(o["kind"], o["value"]): o for o in body["observables"]}
    assert set(obs) == {("domain", "shared-c2.example"), ("ipv4", "203.0.113.9")}
    dom = obs[("domain", "shared-c2.example")]
    assert [x["id"] for x in dom["listed"]] == [b["id"]]  # not A itself, not the hidden one
    assert dom["objects"] == 1
    ip = obs[("ipv4", "203.0.113.9")]
    assert [x["id"] for x in ip["listed"]] == [c["id"]]
    assert ip["warninglists"] == ["private-ipv4"]  # 203.0.113.0/24 is documentation space
    assert body["related_objects"] == 2
    # southpost sees its AMBER object among the related ones
    body = view(hub, a["id"], user="bob").json()
    dom = [o for o in body["observables"] if o["kind"] == "domain"][0]
    assert sorted(x["id"] for x in dom["listed"]) == sorted([b["id"], hidden["id"]])


def test_common_value_is_counted_not_listed(hub):
    objs = [ind("[domain-name:value = 'very-common.example']", name="n%d" % i) for i in range(120)]
    for i in range(0, 120, 40):
        post_objects(hub, objs[i:i + 40])
    body = view(hub, objs[0]["id"]).json()
    o = body["observables"][0]
    assert o["objects"] == 119
    assert len(o["listed"]) == 50
    assert o["too_common"] is True
    lk = hub.get("/api/v1/lookup", user="alice", params={"value": "very-common.example"},
                 headers=ACCEPT).json()
    assert lk["objects"] == 120 and lk["matches"][0]["too_common"] is True
    assert len(lk["matches"][0]["listed"]) == 50


def test_newest_visible_version_and_invalid_observables(hub):
    a = ind("[domain-name:value = 'first.example']")
    post_objects(hub, [a])
    a2 = dict(a, modified=stamp(2000), pattern="[domain-name:value = 'second.example'] OR "
              "[ipv4-addr:value = '1.2.3.400']")
    post_objects(hub, [a2])
    body = view(hub, a["id"]).json()
    assert body["version"] == a2["modified"]
    assert body["visible_versions"] == 2
    kinds = {o["value"]: o for o in body["observables"]}
    assert kinds["second.example"]["valid"] is True
    assert kinds["1.2.3.400"]["valid"] is False and kinds["1.2.3.400"]["reason"]


def test_refusals_and_no_hint(hub):
    secret = ind("[domain-name:value = 'secret.example']", tlp="AMBER")
    post_objects(hub, [secret])
    r = hub.session.get(hub.url + "/api/v1/objects/" + secret["id"])
    assert r.status_code == 401
    hidden = view(hub, secret["id"], user="bob")
    unknown = view(hub, "indicator--" + str(uuid.uuid4()), user="bob")
    assert hidden.status_code == 404 and unknown.status_code == 404
    assert hidden.json()["title"] == unknown.json()["title"]
    assert view(hub, "not-an-id", user="bob").status_code == 400
    assert view(hub, secret["id"], user="nils").status_code == 200
