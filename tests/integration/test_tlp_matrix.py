"""TLP 2.0 enforcement on every TAXII read endpoint (SPEC capability 2, core/access.h).

alice (northpost analyst) posts one object per case into the community collection, the
europe-posts sharing-group collection (northpost + southpost) and northpost's private
collection. For every reader and every read endpoint (objects, objects with all versions,
manifest, object, versions) the test checks the EXACT set of ids shown: nothing missing,
nothing extra; an object a reader may not see answers 404 (never 403), like one that does
not exist. The demo objects of `postisac init --demo` are part of the expected sets.

Readers: alice (creator), nils and nadia (creator's organisation), bob (group member, named
RED/AMBER recipient, member of the AMBER recipient organisation southpost), sara (another
user of southpost), carol (community member, outsider for the group), rita (regulator),
mike (reporter), admin (hub admin: no bypass), anonymous (with --anonymous-read true; 401
without it).
"""
import tempfile

import pytest

import stixschema
from conftest import Hub
from taxiiutil import (TLP1, TLP2, assert_taxii_error, assert_taxii_json, indicator,
                       post_objects, read_all)

pytestmark = pytest.mark.skipif(not stixschema.available(), reason="no $PI_STIX_DIR/schemas")

N = {"alice", "nils", "nadia"}
S = {"bob", "sara"}
USERS = N | S | {"carol", "rita", "mike", "admin"}
ANON = "anonymous"
EVERYONE = USERS | {ANON}
SCOPE = {"community": EVERYONE, "europe-posts": N | S, "northpost-private": N}

# key: (collection, markings, recipients, who may see it)
# recipients: "bob", "nils" (user identities) or "south" (southpost's organisation identity)
CASES = {
    "c_clear": ("community", [TLP2["CLEAR"]], [], EVERYONE),
    "c_green": ("community", [TLP2["GREEN"]], [], USERS),
    "c_green_bob": ("community", [TLP2["GREEN"]], ["bob"], USERS),
    "c_amber": ("community", [TLP2["AMBER"]], [], N),
    "c_amber_bob": ("community", [TLP2["AMBER"]], ["bob"], N | {"bob"}),
    "c_amber_south": ("community", [TLP2["AMBER"]], ["south"], N | S),
    "c_strict": ("community", [TLP2["AMBER+STRICT"]], [], N),
    "c_strict_bob": ("community", [TLP2["AMBER+STRICT"]], ["bob"], N | {"bob"}),
    "c_strict_south": ("community", [TLP2["AMBER+STRICT"]], ["south"], N | S),
    "c_red": ("community", [TLP2["RED"]], [], {"alice"}),
    "c_red_bob": ("community", [TLP2["RED"]], ["bob"], {"alice", "bob"}),
    "c_red_nils": ("community", [TLP2["RED"]], ["nils"], {"alice", "nils"}),
    "c_green_and_red": ("community", [TLP2["GREEN"], TLP2["RED"]], [], {"alice"}),
    "c_unmarked": ("community", [], [], N),
    "c_unmarked_bob": ("community", [], ["bob"], N),
    "c_tlp1_white": ("community", [TLP1["WHITE"]], [], EVERYONE),
    "c_tlp1_green": ("community", [TLP1["GREEN"]], [], USERS),
    "c_tlp1_amber_south": ("community", [TLP1["AMBER"]], ["south"], N | S),
    "c_tlp1_red_bob": ("community", [TLP1["RED"]], ["bob"], {"alice", "bob"}),
    "g_clear": ("europe-posts", [TLP2["CLEAR"]], [], N | S),
    "g_green": ("europe-posts", [TLP2["GREEN"]], [], N | S),
    "g_amber": ("europe-posts", [TLP2["AMBER"]], [], N | S),
    "g_strict": ("europe-posts", [TLP2["AMBER+STRICT"]], [], N | S),
    "g_red": ("europe-posts", [TLP2["RED"]], [], {"alice"}),
    "g_red_bob": ("europe-posts", [TLP2["RED"]], ["bob"], {"alice", "bob"}),
    "g_unmarked": ("europe-posts", [], [], N),
    "p_clear": ("northpost-private", [TLP2["CLEAR"]], [], N),
    "p_green": ("northpost-private", [TLP2["GREEN"]], [], N),
    "p_amber": ("northpost-private", [TLP2["AMBER"]], [], N),
    "p_amber_bob": ("northpost-private", [TLP2["AMBER"]], ["bob"], N),
    "p_red": ("northpost-private", [TLP2["RED"]], [], {"alice"}),
    "p_red_nils": ("northpost-private", [TLP2["RED"]], ["nils"], {"alice", "nils"}),
    "p_unmarked": ("northpost-private", [], [], N),
}

# the demo objects, by the TLP in their name (src/cli/cmd_init.c)
DEMO = {
    ("community", "(CLEAR)"): EVERYONE,
    ("community", "(GREEN)"): USERS,
    ("community", "(AMBER)"): N | S,        # shared with Southland Post
    ("community", "(AMBER+STRICT)"): N,
    ("community", "(RED)"): {"alice", "bob"},
    ("community", "Unmarked"): N,
    ("europe-posts", "(AMBER)"): N | S,
}


class World:
    def __init__(self, hub):
        self.hub = hub
        self.objects = {}   # id -> object
        self.audience = {}  # id -> set of readers
        self.where = {}     # id -> collection name
        demo, _ = read_all(hub, hub.objects_path(), user="alice")
        gdemo, _ = read_all(hub, hub.objects_path("europe-posts"), user="alice")
        assert len(demo) == 6 and len(gdemo) == 1, "the demo community changed"
        amber = [o for o in demo if o.get("x_postisac_recipients")]
        assert len(amber) == 2, "demo AMBER (org recipient) and RED (user recipient) objects"
        bob_identity = hub.users["bob"]["identity_id"]
        south = [r for o in amber for r in o["x_postisac_recipients"] if r != bob_identity]
        # Organisation identity ids are not exposed by `init --json`; southpost's is the
        # recipient of the demo AMBER indicator.
        assert len(south) == 1, amber
        ident = {"bob": bob_identity, "nils": hub.users["nils"]["identity_id"], "south": south[0]}
        self.ident = ident
        for coll, objs in (("community", demo), ("europe-posts", gdemo)):
            for o in objs:
                keys = [k for (c, k) in DEMO if c == coll and
                        (o["name"].endswith(k) or o["name"].startswith(k))]
                assert len(keys) == 1, o["name"]
                self.add(o, coll, DEMO[(coll, keys[0])])
        batches = {}
        for key, (coll, markings, recips, who) in CASES.items():
            o = indicator("matrix " + key, markings=markings,
                          recipients=[ident[r] for r in recips] or None)
            batches.setdefault(coll, []).append(o)
            self.add(o, coll, who)
        for coll, objs in batches.items():
            post_objects(hub, objs, user="alice", collection=coll)

    def add(self, o, coll, who):
        self.objects[o["id"]] = o
        self.audience[o["id"]] = set(who)
        self.where[o["id"]] = coll

    def visible(self, reader, coll):
        return {i for i, c in self.where.items() if c == coll and reader in self.audience[i]}

    def in_collection(self, coll):
        return {i for i, c in self.where.items() if c == coll}


@pytest.fixture(scope="module")
def world(shared_hub):
    return World(shared_hub)


@pytest.fixture(scope="module")
def anon_world():
    with tempfile.TemporaryDirectory(prefix="postisac-test-") as tmp:
        h = Hub(tmp, ["--anonymous-read", "true"]).start()
        try:
            yield World(h)
        finally:
            h.stop()


ENDPOINTS = ["objects", "objects-all-versions", "manifest", "object", "versions"]
COLLECTIONS = ["community", "europe-posts", "northpost-private"]


def check_reader(w, reader, coll, endpoint):
    hub = w.hub
    user = None if reader == ANON else reader
    base = "/taxii2/hub/collections/%s/" % hub.collections[coll]
    want = w.visible(reader, coll)
    may_read_scope = reader in SCOPE[coll]
    if endpoint in ("objects", "objects-all-versions", "manifest"):
        path = base + ("manifest/" if endpoint == "manifest" else "objects/")
        params = {"match[version]": "all"} if endpoint == "objects-all-versions" else {}
        if not may_read_scope:
            assert_taxii_error(hub.get(path, user=user, params=params), 404)
            return
        items, _ = read_all(hub, path, user=user, params=params, limit=4)
        got = [o["id"] for o in items]
        assert len(got) == len(set(got)), "an id is listed twice"
        assert set(got) == want, "reader %s in %s: extra %s, missing %s" % (
            reader, coll, sorted(set(got) - want), sorted(want - set(got)))
        if endpoint != "manifest":
            for o in items:
                assert o == w.objects[o["id"]]
        return
    for oid in sorted(w.in_collection(coll)):
        path = base + "objects/%s/" % oid + ("versions/" if endpoint == "versions" else "")
        r = hub.get(path, user=user)
        if oid in want:
            body = assert_taxii_json(r)
            o = w.objects[oid]
            if endpoint == "object":
                assert body["objects"] == [o]
                stixschema.validate_objects(body["objects"])
            else:
                assert body["versions"] == [o["modified"]]
        else:
            body = assert_taxii_error(r, 404)
            assert oid not in r.text, "a refusal must not echo the object"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("coll", COLLECTIONS)
@pytest.mark.parametrize("reader", sorted(USERS))
def test_member_sees_exactly(world, reader, coll, endpoint):
    check_reader(world, reader, coll, endpoint)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("coll", COLLECTIONS)
def test_anonymous_sees_exactly(anon_world, coll, endpoint):
    check_reader(anon_world, ANON, coll, endpoint)


def test_anonymous_reader_changes_nothing_for_members(anon_world):
    for reader in ("carol", "bob"):
        for endpoint in ("objects", "object"):
            check_reader(anon_world, reader, "community", endpoint)


def test_anonymous_may_not_write_or_delete(anon_world):
    hub = anon_world.hub
    r = hub.post(hub.objects_path(), body={"objects": [indicator(markings=[TLP2["CLEAR"]])]})
    assert_taxii_error(r, 401)
    clear = [i for i, a in anon_world.audience.items() if ANON in a]
    assert_taxii_error(hub.delete(hub.objects_path() + clear[0] + "/"), 401)
    assert_taxii_json(hub.get(hub.objects_path() + clear[0] + "/"))


def test_anonymous_refused_without_flag(world):
    hub = world.hub
    paths = ["/taxii2/", "/taxii2/hub/", "/taxii2/hub/collections/"]
    for coll in COLLECTIONS:
        base = "/taxii2/hub/collections/%s/" % hub.collections[coll]
        paths += [base, base + "objects/", base + "manifest/"]
        for oid in sorted(world.in_collection(coll))[:3]:
            paths += [base + "objects/%s/" % oid, base + "objects/%s/versions/" % oid]
    for p in paths:
        r = hub.get(p)
        assert_taxii_error(r, 401)
        assert "WWW-Authenticate" in r.headers


def test_recipients_must_be_members(world):
    """RED goes to named individuals only: an organisation recipient is refused, and an
    identity that is not a member of this hub is refused; neither is stored."""
    hub = world.hub
    south = world.ident["south"]
    red_org = indicator("red to an org", markings=[TLP2["RED"]], recipients=[south])
    stranger = indicator("amber to a stranger", markings=[TLP2["AMBER"]],
                         recipients=["identity--00000000-0000-4000-8000-000000000000"])
    not_list = indicator("recipients not a list", markings=[TLP2["AMBER"]])
    not_list["x_postisac_recipients"] = hub.users["bob"]["identity_id"]
    st = post_objects(hub, [red_org, stranger, not_list], expect_success=0)
    msgs = {f["id"]: f["message"] for f in st["failures"]}
    assert "x_postisac_recipients" in msgs[red_org["id"]]
    assert "x_postisac_recipients" in msgs[stranger["id"]]
    assert "x_postisac_recipients" in msgs[not_list["id"]]
    for o in (red_org, stranger, not_list):
        assert_taxii_error(hub.get(hub.objects_path() + o["id"] + "/", user="alice"), 404)


def test_counts(world):
    # a sanity check on the matrix itself, so a typo cannot make it vacuous
    assert len(world.objects) == len(CASES) + 7
    assert world.visible("sara", "community") >= {i for i, a in world.audience.items() if a == USERS}
    assert len(world.visible("bob", "northpost-private")) == 0
