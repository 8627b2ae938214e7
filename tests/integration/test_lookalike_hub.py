"""`postisac lookalike watch --publish` end to end against the real hub.

alice (northpost) runs the watcher on a small feed and publishes the hits into the demo
community collection; the indicators are then read back over TAXII 2.1 and checked field by
field. TLP decides who else reads them: carol (eastpost, another community member) sees the
GREEN ones and not the AMBER ones; nils (alice's own organisation) sees both; RED stays with
alice. Refusals: a wrong token, and carol writing into northpost's private collection, publish
nothing and exit 2.
"""
import json
import os
import re
import subprocess

import stixschema
from taxiiutil import TAXII, TLP2

BIN = os.environ.get("POSTISAC_BIN", "build/check/src/cli/postisac")
TIMEOUT = 120

BRANDS = """# protected brands
usps.com usps uspis.gov
royalmail.com royal-mail royalmail.co.uk
"""

# Lookalikes of both brands, plus names that must not be flagged (the brand's own domains,
# unrelated names), a repeated hit and a wildcard / trailing-dot form of one.
GREEN_FEED = """usps-tracking.com
royalrnail.com
usps.com
www.uspis.gov
example.org
usps-tracking.com
*.uspss.com
royalmail-redelivery.co.uk.
"""
GREEN_NAMES = {"usps-tracking.com", "royalrnail.com", "uspss.com",
               "royalmail-redelivery.co.uk"}
AMBER_FEED = "usps-parcel.com\nroyalmail-customs.com\n"
AMBER_NAMES = {"usps-parcel.com", "royalmail-customs.com"}
BRAND_OF = {"usps-tracking.com": "usps.com", "uspss.com": "usps.com",
            "usps-parcel.com": "usps.com", "royalrnail.com": "royalmail.com",
            "royalmail-redelivery.co.uk": "royalmail.com",
            "royalmail-customs.com": "royalmail.com"}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID4 = re.compile(r"^indicator--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                   r"[0-9a-f]{12}$")


def watch(tmp_path, feed, *args, env=None):
    brands = tmp_path / "brands.txt"
    brands.write_text(BRANDS)
    path = tmp_path / ("feed-%d.txt" % abs(hash(feed)))
    path.write_text(feed)
    return subprocess.run([BIN, "lookalike", "watch", "--brands", str(brands), *args,
                           str(path)], capture_output=True, text=True, timeout=TIMEOUT,
                          env=env)


def publish(hub, tmp_path, feed, tlp, user="alice", collection="community", token=None):
    return watch(tmp_path, feed, "--publish", hub.url, "--token",
                 token or hub.tokens[user], "--collection", hub.collections[collection],
                 "--tlp", tlp)


def lookalike_indicators(hub, user, collection="community"):
    """{name: indicator} of the lookalike indicators user reads in the collection (all
    pages, schema-checked when the OASIS schemas are there)."""
    path = "/taxii2/hub/collections/%s/objects/" % hub.collections[collection]
    found, params = {}, {}
    for _ in range(50):
        r = hub.get(path, user=user, params=params, headers={"Accept": TAXII})
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/taxii+json"), r.headers
        body = r.json()
        objs = body.get("objects", [])
        if stixschema.available():
            stixschema.validate_objects(objs)
        for o in objs:
            if o.get("type") == "indicator" and "lookalike" in o.get("labels", []):
                m = re.fullmatch(r"\[domain-name:value = '([^']+)'\]", o["pattern"])
                assert m, o["pattern"]
                assert m.group(1) not in found, "indicator listed twice: " + m.group(1)
                found[m.group(1)] = o
        if not body.get("more"):
            return found
        params = {"next": body["next"]}
    raise AssertionError("more than 50 pages")


def check_indicator(name, o, marking):
    assert o["type"] == "indicator"
    assert o["spec_version"] == "2.1"
    assert UUID4.match(o["id"]), o["id"]
    assert o["pattern"] == "[domain-name:value = '%s']" % name
    assert o["pattern_type"] == "stix"
    assert o["indicator_types"] == ["malicious-activity"]
    assert o["labels"] == ["phishing", "lookalike"]
    assert o["name"] == name
    assert o["description"] == ("Lookalike domain imitating the brand %s "
                                "(found by postisac lookalike)" % BRAND_OF[name])
    assert STAMP.match(o["created"]), o["created"]
    assert o["created"] == o["modified"] == o["valid_from"]
    assert o["object_marking_refs"] == [marking]


def test_feed_hits_are_the_names_expected(tmp_path):
    """The feed gives exactly the hits the publishing tests expect (no hub involved)."""
    res = watch(tmp_path, GREEN_FEED, "--json")
    assert res.returncode == 0, res.stderr
    hits = [json.loads(line) for line in res.stdout.splitlines()]
    names = {h["name"].lstrip("*.").rstrip(".") for h in hits}
    assert names == GREEN_NAMES
    assert {h["name"].lstrip("*.").rstrip("."): h["brand"] for h in hits} == \
        {n: BRAND_OF[n] for n in GREEN_NAMES}
    res = watch(tmp_path, AMBER_FEED, "--json")
    assert res.returncode == 0, res.stderr
    assert {json.loads(line)["name"] for line in res.stdout.splitlines()} == AMBER_NAMES


def test_publish_green_then_amber_with_tlp_enforced(hub, tmp_path):
    assert lookalike_indicators(hub, "alice") == {}

    res = publish(hub, tmp_path, GREEN_FEED, "green")
    assert res.returncode == 0, res.stderr
    assert "published 4 indicators: 4 accepted, 0 refused" in res.stderr, res.stderr
    # the hits are printed as without --publish (the repeated name twice)
    assert len(res.stdout.splitlines()) == 5

    mine = lookalike_indicators(hub, "alice")
    assert set(mine) == GREEN_NAMES
    for name, o in mine.items():
        check_indicator(name, o, TLP2["GREEN"])
    assert len({o["id"] for o in mine.values()}) == len(mine)

    # GREEN: the rest of the community reads them, unchanged
    carol = lookalike_indicators(hub, "carol")
    assert set(carol) == GREEN_NAMES
    for name in GREEN_NAMES:
        assert carol[name] == mine[name]

    res = publish(hub, tmp_path, AMBER_FEED, "amber")
    assert res.returncode == 0, res.stderr
    assert "published 2 indicators: 2 accepted, 0 refused" in res.stderr, res.stderr

    mine = lookalike_indicators(hub, "alice")
    assert set(mine) == GREEN_NAMES | AMBER_NAMES
    for name in AMBER_NAMES:
        check_indicator(name, mine[name], TLP2["AMBER"])
    # AMBER stays inside alice's organisation: nils reads it, carol does not
    assert set(lookalike_indicators(hub, "nils")) == GREEN_NAMES | AMBER_NAMES
    assert set(lookalike_indicators(hub, "carol")) == GREEN_NAMES
    path = "/taxii2/hub/collections/%s/objects/%s/" % (hub.collections["community"],
                                                      mine["usps-parcel.com"]["id"])
    assert hub.get(path, user="alice").status_code == 200
    assert hub.get(path, user="carol").status_code == 404


def test_publish_with_token_from_environment(hub, tmp_path):
    env = dict(os.environ, POSTISAC_TOKEN=hub.tokens["alice"])
    res = watch(tmp_path, AMBER_FEED, "--publish", hub.url, "--collection",
                hub.collections["community"], "--tlp", "clear", env=env)
    assert res.returncode == 0, res.stderr
    assert "published 2 indicators: 2 accepted, 0 refused" in res.stderr, res.stderr
    found = lookalike_indicators(hub, "carol")
    assert set(found) == AMBER_NAMES
    for name, o in found.items():
        check_indicator(name, o, TLP2["CLEAR"])


def test_publish_red_stays_with_the_author(hub, tmp_path):
    res = publish(hub, tmp_path, AMBER_FEED, "red")
    assert res.returncode == 0, res.stderr
    found = lookalike_indicators(hub, "alice")
    assert set(found) == AMBER_NAMES
    for name, o in found.items():
        check_indicator(name, o, TLP2["RED"])
    assert lookalike_indicators(hub, "nils") == {}
    assert lookalike_indicators(hub, "carol") == {}


def test_publish_refusals_store_nothing(hub, tmp_path):
    # a token the hub does not know
    res = publish(hub, tmp_path, GREEN_FEED, "green", token="not-a-token")
    assert res.returncode == 2
    assert "publishing failed: batch at 0: the hub answered HTTP 401" in res.stderr, res.stderr
    # carol (eastpost) may not write into northpost's private collection
    res = publish(hub, tmp_path, GREEN_FEED, "green", user="carol",
                  collection="northpost-private")
    assert res.returncode == 2
    assert "publishing failed: batch at 0: the hub answered HTTP 404" in res.stderr, res.stderr
    assert lookalike_indicators(hub, "alice") == {}
    assert lookalike_indicators(hub, "alice", "northpost-private") == {}
    # nothing to publish: no request, exit 1 like any run without hits
    res = publish(hub, tmp_path, "example.org\n", "green")
    assert res.returncode == 1, res.stderr
    assert "published" not in res.stderr
