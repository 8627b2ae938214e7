"""The administration API under /api/v1/ (docs/api.md): organisations, users, tokens and
sharing groups, every permission rule (hub admin, org-admin of own vs. other organisation,
analyst, anonymous), every refusal message, token creation and revocation, password change.

Demo community (tests/integration/conftest.py, `postisac init --demo`):
  isac: admin (admin) | northpost: nadia (org-admin), alice, nils (analysts)
  southpost: bob (analyst), sara (read-only) | eastpost: carol | postreg: rita | meterco: mike
  sharing group europe-posts = northpost + southpost
"""
import json

import pytest
import requests

TAXII = "application/taxii+json;version=2.1"


def call(hub, method, path, user=None, body=None, raw=None, headers=None, auth=None, token=None):
    """One API request; asserts the answer is JSON. body is sent as application/json."""
    h = {}
    if user:
        h["Authorization"] = "Bearer " + hub.tokens[user]
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body)
        h["Content-Type"] = "application/json"
    if raw is not None:
        data = raw
    if headers:
        h.update(headers)
    r = requests.request(method, hub.url + "/api/v1" + path, headers=h, data=data, auth=auth,
                         timeout=60)
    if method != "HEAD":
        assert r.headers["Content-Type"] == "application/json", (r.status_code, r.text)
    return r


def assert_error(r, status, *fragments):
    assert r.status_code == status, (r.status_code, r.text)
    e = r.json()
    assert set(e) == {"title", "description", "http_status"}, e
    assert e["http_status"] == str(status)
    for f in fragments:
        assert f in e["description"], (f, e["description"])
    return e


def taxii_status(hub, token=None, auth=None):
    h = {"Accept": TAXII}
    if token:
        h["Authorization"] = "Bearer " + token
    return requests.get(hub.url + "/taxii2/hub/collections/", headers=h, auth=auth,
                        timeout=60).status_code


# ---- authentication ----

@pytest.mark.parametrize("method,path", [
    ("GET", "/me"), ("GET", "/orgs"), ("POST", "/orgs"), ("GET", "/users"),
    ("GET", "/users/alice"), ("GET", "/users/alice/tokens"), ("GET", "/groups"),
    ("PUT", "/groups/europe-posts/members/eastpost"), ("GET", "/nonexistent")])
def test_anonymous_gets_401_with_challenge(shared_hub, method, path):
    r = call(shared_hub, method, path)
    assert_error(r, 401, "needs credentials")
    assert "Bearer" in r.headers["WWW-Authenticate"]


def test_wrong_credentials_get_401(shared_hub):
    r = call(shared_hub, "GET", "/me", token="pi_" + "A" * 43)
    assert_error(r, 401, "not valid")
    r = call(shared_hub, "GET", "/me", auth=("alice", "wrong password!"))
    assert_error(r, 401, "wrong user name, password or token")


def test_basic_auth_with_password_and_with_token(shared_hub):
    alice = shared_hub.users["alice"]
    r = call(shared_hub, "GET", "/me", auth=("alice", alice["password"]))
    assert r.status_code == 200 and r.json()["user"]["username"] == "alice"
    r = call(shared_hub, "GET", "/me", auth=("alice", alice["token"]))
    assert r.status_code == 200
    # a token of another user under alice's name is refused
    r = call(shared_hub, "GET", "/me", auth=("alice", shared_hub.tokens["bob"]))
    assert r.status_code == 401


# ---- /me ----

def test_me(shared_hub):
    r = call(shared_hub, "GET", "/me", user="alice")
    assert r.status_code == 200
    me = r.json()
    assert me["role"] == "analyst"
    assert me["user"]["username"] == "alice" and me["user"]["org"] == "northpost"
    assert me["user"]["identity_id"] == shared_hub.users["alice"]["identity_id"]
    assert me["org"]["slug"] == "northpost" and me["org"]["type"] == "postal-operator"
    assert [g["name"] for g in me["groups"]] == ["europe-posts"]
    assert me["groups"][0]["collection_id"] == shared_hub.collections["europe-posts"]
    assert "password" not in json.dumps(me)
    r = call(shared_hub, "GET", "/me/", user="admin")
    assert r.status_code == 200 and r.json()["role"] == "admin" and r.json()["groups"] == []
    assert call(shared_hub, "GET", "/me", user="carol").json()["groups"] == []


def test_unknown_paths_methods_and_query(shared_hub):
    assert_error(call(shared_hub, "GET", "/nothing", user="admin"), 404, "no such API resource")
    assert_error(call(shared_hub, "GET", "/users/alice/bogus", user="admin"), 404)
    r = call(shared_hub, "DELETE", "/me", user="admin")
    assert_error(r, 405, "DELETE is not allowed here; use GET")
    assert r.headers["Allow"] == "GET"
    r = call(shared_hub, "DELETE", "/users", user="admin")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, POST"
    assert_error(call(shared_hub, "GET", "/me?verbose=1", user="alice"), 400,
                 "query parameter 'verbose' is not a parameter of this endpoint")


# ---- organisations ----

def test_org_listing_and_visibility(shared_hub):
    r = call(shared_hub, "GET", "/orgs", user="admin")
    assert r.status_code == 200
    slugs = [o["slug"] for o in r.json()["orgs"]]
    assert set(slugs) == {"isac", "northpost", "southpost", "eastpost", "postreg", "meterco"}
    for who in ("alice", "nadia"):
        assert [o["slug"] for o in call(shared_hub, "GET", "/orgs", user=who).json()["orgs"]] == \
            ["northpost"]
    assert call(shared_hub, "GET", "/orgs/northpost", user="alice").json()["name"] == "Northland Post"
    assert_error(call(shared_hub, "GET", "/orgs/southpost", user="alice"), 404,
                 "no organisation with slug 'southpost' that you can see")
    assert_error(call(shared_hub, "GET", "/orgs/southpost", user="nadia"), 404)
    assert call(shared_hub, "GET", "/orgs/southpost", user="admin").json()["country"] == "ES"
    assert_error(call(shared_hub, "GET", "/orgs/nope", user="admin"), 404)


def test_org_create(hub):
    body = {"slug": "westpost", "name": "Westland Post", "type": "postal-operator", "country": "IE"}
    r = call(hub, "POST", "/orgs", user="admin", body=body)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == "/api/v1/orgs/westpost"
    org = r.json()
    assert {k: org[k] for k in body} == body
    assert org["identity_id"].startswith("identity--") and org["created_at"].endswith("Z")
    assert call(hub, "GET", "/orgs/westpost", user="admin").json() == org
    assert_error(call(hub, "POST", "/orgs", user="admin", body=body), 409,
                 "an organisation with slug 'westpost' already exists")
    # the new organisation has a private TAXII collection: a user there can see it
    r = call(hub, "POST", "/users", user="admin",
             body={"username": "wendy", "org": "westpost", "role": "analyst"})
    assert r.status_code == 201
    tok = call(hub, "POST", "/users/wendy/tokens", user="admin").json()["token"]
    r = requests.get(hub.url + "/taxii2/hub/collections/",
                     headers={"Accept": TAXII, "Authorization": "Bearer " + tok}, timeout=60)
    assert r.status_code == 200
    assert len(r.json()["collections"]) >= 2  # community + own private collection


@pytest.mark.parametrize("user,fragment", [
    ("nadia", "only hub administrators admit organisations"),
    ("alice", "only hub administrators admit organisations"),
    ("rita", "only hub administrators admit organisations")])
def test_org_create_forbidden(shared_hub, user, fragment):
    r = call(shared_hub, "POST", "/orgs", user=user,
             body={"slug": "x-post", "name": "X", "type": "partner"})
    assert_error(r, 403, fragment)


@pytest.mark.parametrize("body,status,fragments", [
    ({"slug": "ok-post", "name": "OK", "type": "partner", "colour": "red"}, 400,
     ["field 'colour' is not accepted here", "slug, name, type, country"]),
    ({"slug": "ok-post", "name": 5, "type": "partner"}, 400, ["field 'name' must be a string"]),
    ({"slug": "ok-post", "name": None, "type": "partner"}, 400, ["field 'name' must be a string"]),
    ({"slug": "OK_Post", "name": "OK", "type": "partner"}, 400,
     ["slug: character 1 is not allowed"]),
    ({"slug": "-okpost", "name": "OK", "type": "partner"}, 400, ["start and end"]),
    ({"slug": "o", "name": "OK", "type": "partner"}, 400, ["slug: must be 2 to 63 characters"]),
    ({"slug": "ok-post", "name": "OK", "type": "courier"}, 400,
     ["type: 'courier' is not an organisation type", "postal-operator"]),
    ({"slug": "ok-post", "name": "OK", "type": "partner", "country": "de"}, 400,
     ["two-letter ISO 3166-1"]),
    ({"slug": "ok-post", "type": "partner"}, 400, ["field 'name' is required"]),
    ({"name": "OK", "type": "partner"}, 400, ["field 'slug' is required"]),
    ({"slug": "ok-post", "name": "OK"}, 400, ["field 'type' is required"]),
    ({"slug": "ok-post", "name": "", "type": "partner"}, 400, ["name: must not be empty"]),
    ({"slug": "ok-post", "name": "x" * 256, "type": "partner"}, 400,
     ["field 'name' is longer than 255 bytes"]),
    ({"slug": "ok-post", "name": "a\tb", "type": "partner"}, 400, ["control characters"]),
    ([1, 2], 400, ["must be a JSON object"]),
])
def test_org_create_refusals(shared_hub, body, status, fragments):
    assert_error(call(shared_hub, "POST", "/orgs", user="admin", body=body), status, *fragments)


def test_body_format_refusals(shared_hub):
    good = json.dumps({"slug": "zz-post", "name": "Z", "type": "partner"})
    r = call(shared_hub, "POST", "/orgs", user="admin", raw=good,
             headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "Content-Type: application/json")
    r = call(shared_hub, "POST", "/orgs", user="admin", raw=good)  # no Content-Type
    assert_error(r, 415)
    r = call(shared_hub, "POST", "/orgs", user="admin", raw='{"slug":"a",}',
             headers={"Content-Type": "application/json"})
    assert_error(r, 400, "the body is not valid JSON")
    r = call(shared_hub, "POST", "/orgs", user="admin",
             raw='{"slug":"zz-post","slug":"yy-post","name":"Z","type":"partner"}',
             headers={"Content-Type": "application/json; charset=utf-8"})
    assert_error(r, 400, "not valid JSON")
    r = call(shared_hub, "POST", "/orgs", user="admin", raw="",
             headers={"Content-Type": "application/json"})
    assert_error(r, 400, "send a JSON object")
    deep = '{"slug":' + "[" * 10 + "]" * 10 + "}"
    r = call(shared_hub, "POST", "/orgs", user="admin", raw=deep,
             headers={"Content-Type": "application/json"})
    assert_error(r, 400, "not valid JSON")


def test_org_patch(hub):
    r = call(hub, "PATCH", "/orgs/southpost", user="admin",
             body={"name": "Southland Post Group", "country": "PT"})
    assert r.status_code == 200
    assert r.json()["name"] == "Southland Post Group" and r.json()["country"] == "PT"
    assert r.json()["type"] == "postal-operator"
    assert call(hub, "GET", "/orgs/southpost", user="admin").json()["country"] == "PT"
    assert_error(call(hub, "PATCH", "/orgs/northpost", user="nadia", body={"name": "N"}), 403,
                 "only hub administrators change an organisation's details")
    assert_error(call(hub, "PATCH", "/orgs/northpost", user="alice", body={"name": "N"}), 403)
    assert_error(call(hub, "PATCH", "/orgs/southpost", user="nadia", body={"name": "N"}), 404)
    assert_error(call(hub, "PATCH", "/orgs/southpost", user="admin", body={}), 400,
                 "send at least one of the fields: name, type, country")
    assert_error(call(hub, "PATCH", "/orgs/southpost", user="admin", body={"slug": "s2"}), 400,
                 "field 'slug' is not accepted here")
    assert_error(call(hub, "PATCH", "/orgs/southpost", user="admin", body={"type": "bank"}), 400,
                 "is not an organisation type")
    assert_error(call(hub, "PATCH", "/orgs/nowhere", user="admin", body={"name": "N"}), 404)


# ---- users ----

def usernames(r):
    assert r.status_code == 200, r.text
    return {u["username"] for u in r.json()["users"]}


def test_user_listing(shared_hub):
    h = shared_hub
    assert usernames(call(h, "GET", "/users", user="admin")) == set(h.users)
    assert usernames(call(h, "GET", "/users?org=southpost", user="admin")) == {"bob", "sara"}
    assert usernames(call(h, "GET", "/users", user="nadia")) == {"nadia", "alice", "nils"}
    assert usernames(call(h, "GET", "/users?org=northpost", user="nadia")) == \
        {"nadia", "alice", "nils"}
    assert_error(call(h, "GET", "/users?org=southpost", user="nadia"), 404,
                 "no organisation with slug 'southpost' that you can see")
    assert_error(call(h, "GET", "/users?org=nowhere", user="admin"), 404)
    for who in ("alice", "bob", "sara", "rita", "mike"):
        assert_error(call(h, "GET", "/users", user=who), 403,
                     "only hub administrators and organisation administrators list users")
    assert_error(call(h, "GET", "/users?role=admin", user="admin"), 400,
                 "query parameter 'role' is not a parameter of this endpoint (accepted here: org)")
    for u in call(h, "GET", "/users", user="admin").json()["users"]:
        assert set(u) == {"username", "org", "display_name", "email", "role", "identity_id",
                          "disabled", "created_at"}


def test_user_visibility(shared_hub):
    h = shared_hub
    assert call(h, "GET", "/users/alice", user="alice").json()["role"] == "analyst"
    assert_error(call(h, "GET", "/users/nils", user="alice"), 404,
                 "no user 'nils' that you can see")
    assert call(h, "GET", "/users/alice", user="nadia").status_code == 200
    assert_error(call(h, "GET", "/users/bob", user="nadia"), 404)
    assert_error(call(h, "GET", "/users/admin", user="nadia"), 404)
    assert call(h, "GET", "/users/bob", user="admin").json()["org"] == "southpost"
    assert_error(call(h, "GET", "/users/ghost", user="admin"), 404)


def test_user_create_by_admin_and_org_admin(hub):
    r = call(hub, "POST", "/users", user="admin",
             body={"username": "erik", "org": "eastpost", "role": "org-admin",
                   "display_name": "Erik E.", "email": "erik@eastpost.example",
                   "password": "correct horse battery"})
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == "/api/v1/users/erik"
    u = r.json()
    assert (u["org"], u["role"], u["display_name"], u["disabled"]) == \
        ("eastpost", "org-admin", "Erik E.", False)
    assert "password" not in r.text
    r = call(hub, "GET", "/me", auth=("erik", "correct horse battery"))
    assert r.status_code == 200 and r.json()["org"]["slug"] == "eastpost"

    # org-admin: own organisation by default, or named explicitly
    r = call(hub, "POST", "/users", user="nadia", body={"username": "nora", "role": "analyst"})
    assert r.status_code == 201 and r.json()["org"] == "northpost"
    r = call(hub, "POST", "/users", user="nadia",
             body={"username": "nina", "role": "reporter", "org": "northpost"})
    assert r.status_code == 201
    # token-only user: no password, Basic with any password fails
    assert call(hub, "GET", "/me", auth=("nora", "")).status_code == 401
    assert call(hub, "GET", "/me", auth=("nora", "anything-at-all")).status_code == 401


def test_user_create_refusals(shared_hub):
    h = shared_hub
    assert_error(call(h, "POST", "/users", user="nadia",
                      body={"username": "sam", "role": "analyst", "org": "southpost"}), 403,
                 "organisation administrators create users only in their own organisation "
                 "('northpost')")
    assert_error(call(h, "POST", "/users", user="nadia",
                      body={"username": "sam", "role": "admin"}), 403,
                 "only hub administrators create users with the 'admin' role")
    for who in ("alice", "bob", "rita", "mike", "sara"):
        assert_error(call(h, "POST", "/users", user=who,
                          body={"username": "sam", "role": "analyst"}), 403,
                     "only hub administrators and organisation administrators create users")
    cases = [
        ({"username": "sam", "role": "analyst"}, "field 'org' is required"),
        ({"username": "sam", "org": "eastpost"}, "field 'role' is required"),
        ({"role": "analyst", "org": "eastpost"}, "field 'username' is required"),
        ({"username": "Sam", "role": "analyst", "org": "eastpost"},
         "username: character 1 is not allowed"),
        ({"username": "sam", "role": "root", "org": "eastpost"}, "role: 'root' is not a role"),
        ({"username": "sam", "role": "analyst", "org": "eastpost", "email": "sam"},
         "email: 'sam' is not an e-mail address"),
        ({"username": "sam", "role": "analyst", "org": "eastpost", "password": "short"},
         "password: too short"),
        ({"username": "sam", "role": "analyst", "org": "eastpost", "password": "x" * 1025},
         "field 'password' is longer than 1024 bytes"),
        ({"username": "sam", "role": "analyst", "org": "eastpost", "disabled": True},
         "field 'disabled' is not accepted here"),
        ({"username": "sam", "role": "analyst", "org": "eastpost", "display_name": ["x"]},
         "field 'display_name' must be a string"),
    ]
    for body, fragment in cases:
        assert_error(call(h, "POST", "/users", user="admin", body=body), 400, fragment)
    assert_error(call(h, "POST", "/users", user="admin",
                      body={"username": "sam", "role": "analyst", "org": "nowhere"}), 404,
                 "no organisation with slug 'nowhere'")
    assert_error(call(h, "POST", "/users", user="admin",
                      body={"username": "alice", "role": "analyst", "org": "eastpost"}), 409,
                 "the username 'alice' is taken")
    assert_error(call(h, "POST", "/users", user="nadia",
                      body={"username": "bob", "role": "analyst"}), 409)


def test_user_patch_self(hub):
    r = call(hub, "PATCH", "/users/alice", user="alice",
             body={"display_name": "Alice A.", "email": "a@northpost.example"})
    assert r.status_code == 200
    assert r.json()["display_name"] == "Alice A." and r.json()["email"] == "a@northpost.example"
    assert call(hub, "GET", "/me", user="alice").json()["user"]["display_name"] == "Alice A."
    assert_error(call(hub, "PATCH", "/users/alice", user="alice", body={"role": "org-admin"}),
                 403, "you cannot change your own role; ask another administrator")
    assert_error(call(hub, "PATCH", "/users/alice", user="alice", body={"disabled": True}), 403,
                 "you cannot disable your own account")
    # the same role and disabled: false are no-ops, allowed
    assert call(hub, "PATCH", "/users/alice", user="alice",
                body={"role": "analyst", "disabled": False}).status_code == 200
    assert_error(call(hub, "PATCH", "/users/admin", user="admin", body={"role": "analyst"}), 403,
                 "you cannot change your own role")
    assert_error(call(hub, "PATCH", "/users/admin", user="admin", body={"disabled": True}), 403,
                 "you cannot disable your own account")
    assert_error(call(hub, "PATCH", "/users/nils", user="alice", body={"display_name": "x"}), 404)
    assert_error(call(hub, "PATCH", "/users/alice", user="alice", body={}), 400,
                 "send at least one of the fields: role, display_name, email, disabled, password")
    assert_error(call(hub, "PATCH", "/users/alice", user="alice", body={"disabled": "yes"}), 400,
                 "field 'disabled' must be true or false")
    assert_error(call(hub, "PATCH", "/users/alice", user="alice", body={"username": "al"}), 400,
                 "field 'username' is not accepted here")
    assert_error(call(hub, "PATCH", "/users/alice", user="alice", body={"email": "a b@x.org"}),
                 400, "spaces")


def test_user_patch_by_org_admin(hub):
    r = call(hub, "PATCH", "/users/alice", user="nadia", body={"role": "reporter"})
    assert r.status_code == 200 and r.json()["role"] == "reporter"
    assert call(hub, "GET", "/me", user="alice").json()["role"] == "reporter"
    assert_error(call(hub, "PATCH", "/users/alice", user="nadia", body={"role": "admin"}), 403,
                 "only hub administrators grant the 'admin' role")
    assert_error(call(hub, "PATCH", "/users/bob", user="nadia", body={"role": "analyst"}), 404)
    # disabling stops the user's tokens and passwords; enabling restores them
    assert taxii_status(hub, hub.tokens["alice"]) == 200
    r = call(hub, "PATCH", "/users/alice", user="nadia", body={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert taxii_status(hub, hub.tokens["alice"]) == 401
    assert call(hub, "GET", "/me", user="alice").status_code == 401
    assert call(hub, "GET", "/me", auth=("alice", hub.users["alice"]["password"])).status_code == 401
    assert call(hub, "PATCH", "/users/alice", user="nadia", body={"disabled": False}).status_code == 200
    assert taxii_status(hub, hub.tokens["alice"]) == 200
    # an org-admin cannot touch a hub administrator of their own organisation
    r = call(hub, "POST", "/users", user="admin",
             body={"username": "northboss", "org": "northpost", "role": "admin"})
    assert r.status_code == 201
    assert call(hub, "GET", "/users/northboss", user="nadia").status_code == 200
    for body in ({"display_name": "x"}, {"disabled": True}, {"role": "analyst"}):
        assert_error(call(hub, "PATCH", "/users/northboss", user="nadia", body=body), 403,
                     "only hub administrators manage the account and tokens of a hub administrator")
    assert_error(call(hub, "GET", "/users/northboss/tokens", user="nadia"), 403)
    assert_error(call(hub, "POST", "/users/northboss/tokens", user="nadia"), 403)
    # a hub admin can do all of it
    r = call(hub, "PATCH", "/users/nadia", user="admin", body={"role": "admin"})
    assert r.status_code == 200 and r.json()["role"] == "admin"


def test_password_change(hub):
    old = hub.users["alice"]["password"]
    assert call(hub, "GET", "/me", auth=("alice", old)).status_code == 200
    assert_error(call(hub, "PATCH", "/users/alice", user="alice", body={"password": "tooshort"}),
                 400, "password: too short")
    r = call(hub, "PATCH", "/users/alice", user="alice", body={"password": "a brand new secret"})
    assert r.status_code == 200 and "password" not in r.json()
    assert call(hub, "GET", "/me", auth=("alice", "a brand new secret")).status_code == 200
    assert call(hub, "GET", "/me", auth=("alice", old)).status_code == 401
    assert taxii_status(hub, auth=("alice", "a brand new secret")) == 200
    assert taxii_status(hub, auth=("alice", old)) == 401
    # the org-admin and the hub admin may set it too
    assert call(hub, "PATCH", "/users/alice", user="nadia",
                body={"password": "set by the org admin"}).status_code == 200
    assert call(hub, "GET", "/me", auth=("alice", "set by the org admin")).status_code == 200
    assert call(hub, "GET", "/me", auth=("alice", "a brand new secret")).status_code == 401
    assert call(hub, "PATCH", "/users/bob", user="admin",
                body={"password": "set by the hub admin"}).status_code == 200
    assert call(hub, "GET", "/me", auth=("bob", "set by the hub admin")).status_code == 200
    assert_error(call(hub, "PATCH", "/users/bob", user="nadia", body={"password": "x" * 12}), 404)


# ---- tokens ----

def test_token_lifecycle(hub):
    r = call(hub, "POST", "/users/alice/tokens", user="alice", body={"name": "firewall feed"})
    assert r.status_code == 201, r.text
    t = r.json()
    assert set(t) == {"token", "id", "prefix", "name"}
    assert t["token"].startswith("pi_") and len(t["token"]) == 46
    assert t["prefix"] == t["token"][:10] and t["name"] == "firewall feed"
    assert r.headers["Location"] == "/api/v1/users/alice/tokens/%d" % t["id"]
    listed = call(hub, "GET", "/users/alice/tokens", user="alice").json()["tokens"]
    assert t["id"] in [x["id"] for x in listed]
    assert t["token"] not in json.dumps(listed)
    for x in listed:
        assert set(x) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked"}
    one = call(hub, "GET", "/users/alice/tokens/%d" % t["id"], user="alice").json()
    assert one["revoked"] is False and one["name"] == "firewall feed"
    # the new token works on TAXII and the API
    assert taxii_status(hub, t["token"]) == 200
    assert call(hub, "GET", "/me", token=t["token"]).json()["user"]["username"] == "alice"
    # revoke: at once 401
    r = call(hub, "DELETE", "/users/alice/tokens/%d" % t["id"], user="alice")
    assert r.status_code == 200 and r.json()["revoked"] is True
    assert taxii_status(hub, t["token"]) == 401
    assert call(hub, "GET", "/me", token=t["token"]).status_code == 401
    assert call(hub, "GET", "/me", auth=("alice", t["token"])).status_code == 401
    # revoking again is harmless; the demo token still works
    assert call(hub, "DELETE", "/users/alice/tokens/%d" % t["id"], user="alice").status_code == 200
    assert taxii_status(hub, hub.tokens["alice"]) == 200
    listed = call(hub, "GET", "/users/alice/tokens", user="alice").json()["tokens"]
    assert [x["revoked"] for x in listed if x["id"] == t["id"]] == [True]


def test_token_empty_body_and_refusals(hub):
    r = call(hub, "POST", "/users/bob/tokens", user="bob")  # no body at all
    assert r.status_code == 201 and r.json()["name"] == "unnamed"
    bob_token_id = r.json()["id"]
    assert_error(call(hub, "POST", "/users/bob/tokens", user="bob", body={"label": "x"}), 400,
                 "field 'label' is not accepted here; the accepted fields are: name")
    assert_error(call(hub, "POST", "/users/bob/tokens", user="bob", body={"name": "x" * 128}), 400,
                 "longer than 127 bytes")
    assert_error(call(hub, "POST", "/users/bob/tokens", user="bob", body={"name": "a\nb"}), 400,
                 "control characters")
    assert_error(call(hub, "POST", "/users/bob/tokens", user="bob", body={"name": ""}), 400,
                 "name: must not be empty")
    # somebody else's token, through my path: 404
    assert_error(call(hub, "DELETE", "/users/alice/tokens/%d" % bob_token_id, user="alice"), 404,
                 "user 'alice' has no token with id '%d'" % bob_token_id)
    assert_error(call(hub, "DELETE", "/users/alice/tokens/abc", user="alice"), 404)
    assert_error(call(hub, "DELETE", "/users/alice/tokens/0", user="alice"), 404)
    assert_error(call(hub, "DELETE", "/users/alice/tokens/99999999", user="alice"), 404)
    # other users' tokens
    for who, target in (("alice", "nils"), ("alice", "bob"), ("nadia", "bob"), ("bob", "alice"),
                        ("sara", "bob"), ("carol", "admin")):
        assert_error(call(hub, "GET", "/users/%s/tokens" % target, user=who), 404,
                     "no user '%s' that you can see" % target)
        assert_error(call(hub, "POST", "/users/%s/tokens" % target, user=who), 404)
        assert_error(call(hub, "DELETE", "/users/%s/tokens/%d" % (target, bob_token_id),
                          user=who), 404)
    assert taxii_status(hub, hub.tokens["bob"]) == 200


def test_token_management_by_org_admin_and_admin(hub):
    r = call(hub, "POST", "/users/alice/tokens", user="nadia", body={"name": "for alice"})
    assert r.status_code == 201
    tok = r.json()
    assert call(hub, "GET", "/me", token=tok["token"]).json()["user"]["username"] == "alice"
    ids = [t["id"] for t in call(hub, "GET", "/users/alice/tokens", user="nadia").json()["tokens"]]
    assert tok["id"] in ids
    # nadia revokes alice's demo token
    demo_id = [t["id"] for t in call(hub, "GET", "/users/alice/tokens", user="nadia").json()["tokens"]
               if t["name"] == "demo"][0]
    assert call(hub, "DELETE", "/users/alice/tokens/%d" % demo_id, user="nadia").status_code == 200
    assert taxii_status(hub, hub.tokens["alice"]) == 401
    # the hub admin manages anyone's tokens
    r = call(hub, "POST", "/users/carol/tokens", user="admin", body={"name": "ops"})
    assert r.status_code == 201
    assert taxii_status(hub, r.json()["token"]) == 200
    assert call(hub, "DELETE", "/users/carol/tokens/%d" % r.json()["id"],
                user="admin").status_code == 200
    assert taxii_status(hub, r.json()["token"]) == 401


# ---- sharing groups ----

def group_names(r):
    assert r.status_code == 200, r.text
    return [g["name"] for g in r.json()["groups"]]


def test_group_listing_and_visibility(shared_hub):
    h = shared_hub
    assert group_names(call(h, "GET", "/groups", user="admin")) == ["europe-posts"]
    assert group_names(call(h, "GET", "/groups", user="alice")) == ["europe-posts"]
    assert group_names(call(h, "GET", "/groups", user="sara")) == ["europe-posts"]
    assert group_names(call(h, "GET", "/groups", user="carol")) == []
    g = call(h, "GET", "/groups/europe-posts", user="bob").json()
    assert g["collection_id"] == h.collections["europe-posts"]
    assert [m["slug"] for m in g["members"]] == ["northpost", "southpost"]
    assert_error(call(h, "GET", "/groups/europe-posts", user="carol"), 404,
                 "no sharing group 'europe-posts' that you can see")
    assert_error(call(h, "GET", "/groups/nothing", user="admin"), 404)
    assert "members" not in call(h, "GET", "/groups", user="admin").json()["groups"][0]


def test_group_create_and_membership(hub):
    r = call(hub, "POST", "/groups", user="admin",
             body={"name": "pes-circle", "description": "PES providers and the regulator"})
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == "/api/v1/groups/pes-circle"
    g = r.json()
    assert g["members"] == [] and len(g["collection_id"]) == 36
    assert_error(call(hub, "POST", "/groups", user="admin", body={"name": "pes-circle"}), 409,
                 "a sharing group named 'pes-circle' already exists")
    # mike (meterco) cannot see it before his organisation joins
    assert_error(call(hub, "GET", "/groups/pes-circle", user="mike"), 404)
    assert_error(call(hub, "PUT", "/groups/pes-circle/members/meterco", user="mike"), 404)
    r = call(hub, "PUT", "/groups/pes-circle/members/meterco", user="admin")
    assert r.status_code == 200 and [m["slug"] for m in r.json()["members"]] == ["meterco"]
    r = call(hub, "PUT", "/groups/pes-circle/members/meterco", user="admin")  # idempotent
    assert r.status_code == 200 and [m["slug"] for m in r.json()["members"]] == ["meterco"]
    assert call(hub, "PUT", "/groups/pes-circle/members/postreg", user="admin").status_code == 200
    me = call(hub, "GET", "/me", user="mike").json()
    assert [x["name"] for x in me["groups"]] == ["pes-circle"]
    assert me["groups"][0]["collection_id"] == g["collection_id"]
    # the group's collection is now readable by mike over TAXII
    r = requests.get(hub.url + "/taxii2/hub/collections/%s/" % g["collection_id"],
                     headers={"Accept": TAXII, "Authorization": "Bearer " + hub.tokens["mike"]},
                     timeout=60)
    assert r.status_code == 200
    # a member may look but not change membership
    assert call(hub, "GET", "/groups/pes-circle", user="rita").status_code == 200
    assert_error(call(hub, "PUT", "/groups/pes-circle/members/eastpost", user="rita"), 403,
                 "only hub administrators change the members of a sharing group")
    assert_error(call(hub, "DELETE", "/groups/pes-circle/members/meterco", user="mike"), 403)
    assert_error(call(hub, "PUT", "/groups/pes-circle/members/nowhere", user="admin"), 404,
                 "no organisation with slug 'nowhere'")
    assert_error(call(hub, "DELETE", "/groups/pes-circle/members/eastpost", user="admin"), 404,
                 "organisation 'eastpost' is not a member of sharing group 'pes-circle'")
    r = call(hub, "DELETE", "/groups/pes-circle/members/meterco", user="admin")
    assert r.status_code == 200 and [m["slug"] for m in r.json()["members"]] == ["postreg"]
    assert_error(call(hub, "GET", "/groups/pes-circle", user="mike"), 404)
    assert call(hub, "GET", "/me", user="mike").json()["groups"] == []


def test_group_create_refusals(shared_hub):
    h = shared_hub
    for who in ("nadia", "alice", "rita"):
        assert_error(call(h, "POST", "/groups", user=who, body={"name": "g2"}), 403,
                     "only hub administrators create sharing groups")
    assert_error(call(h, "POST", "/groups", user="admin", body={"description": "x"}), 400,
                 "field 'name' is required")
    assert_error(call(h, "POST", "/groups", user="admin", body={"name": "Bad Name"}), 400,
                 "name: character 1 is not allowed")
    assert_error(call(h, "POST", "/groups", user="admin", body={"name": "ok", "members": []}),
                 400, "field 'members' is not accepted here")
    assert_error(call(h, "POST", "/groups", user="admin",
                      body={"name": "okay", "description": "d" * 512}), 400,
                 "field 'description' is longer than 511 bytes")
