"""Indicator feeds over HTTP (GET /api/v1/feeds/{format}) and the CLI (postisac export):
every format, TLP (RED never, AMBER only to its audience), expiry and revocation, filters,
warninglists, and the files loading in their consumers (named-checkzone for RPZ, the
Suricata rule checker, Zeek's #fields layout, RFC 4180 CSV)."""
import csv
import io
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from suricata_rules import check_rules
from taxiiutil import TLP2, indicator, post_objects, stamp

FORMATS = ["stix", "csv", "list", "suricata", "rpz", "zeek"]
CONTENT_TYPES = {
    "stix": "application/stix+json;version=2.1",
    "csv": "text/csv; charset=utf-8; header=present",
    "list": "text/plain; charset=utf-8",
    "suricata": "text/plain; charset=utf-8",
    "rpz": "text/dns",
    "zeek": "text/plain; charset=utf-8",
}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def ind(pattern, name, tlp="GREEN", **extra):
    o = indicator(name=name, tlp=tlp, **extra)
    o["pattern"] = pattern
    return o


@pytest.fixture(scope="module")
def fhub(shared_hub):
    h = shared_hub
    south = h.org_identities["southpost"]
    objs = [
        ind("[domain-name:value = 'feed-green.example']", "green domain", labels=["phishing"]),
        ind("[ipv4-addr:value = '45.133.1.10']", "green address"),
        ind("[ipv4-addr:value = '45.133.2.0/24']", "green block"),
        ind("[ipv6-addr:value = '2a0e:1c80::10']", "green v6"),
        ind("[url:value = 'http://feed-url.example/login?x=1']", "green url"),
        ind("[email-addr:value = 'lure@feed-mail.example']", "green mail"),
        ind("[file:hashes.'SHA-256' = '%s']" % ("ab" * 32), "green hash"),
        ind("[domain-name:value = 'feed-clear.example']", "clear, smishing", tlp="CLEAR",
            labels=["smishing"]),
        ind("[domain-name:value = 'feed-red.example']", "red", tlp="RED"),
        ind("[domain-name:value = 'feed-amber.example']", "amber for southpost", tlp="AMBER",
            recipients=[south]),
        ind("[domain-name:value = 'feed-strict.example']", "amber strict", tlp="AMBER+STRICT"),
        ind("[domain-name:value = 'feed-expired.example']", "expired",
            valid_until="2024-06-01T00:00:00Z"),
        ind("[domain-name:value = 'feed-revoked.example']", "revoked", revoked=True),
        ind("[ipv4-addr:value = '10.20.30.40']", "warninglisted private address"),
    ]
    post_objects(h, objs, user="alice")
    return h


def http_feed(h, fmt, user="alice", params=None):
    return h.session.get(h.url + "/api/v1/feeds/" + fmt, params=params or {},
                         headers={"Authorization": "Bearer " + h.tokens[user]}, timeout=60)


def cli_feed(h, fmt, user="alice", args=(), env=None):
    e = dict(os.environ)
    e.update(env or {})
    out = subprocess.run([h.bin, "export", "--db", h.db, "--as", user, "--format", fmt] + list(args),
                         capture_output=True, timeout=120, env=e)
    assert out.returncode == 0, out.stderr
    return out.stdout.decode("utf-8")


def listed(h, user="alice", params=None):
    r = http_feed(h, "list", user, params)
    assert r.status_code == 200, r.text
    return sorted(r.text.split())


def strip_generated(fmt, text):
    """Drops what differs between two exports of the same data (time stamps, bundle id)."""
    if fmt == "stix":
        return sorted(json.dumps(o, sort_keys=True) for o in json.loads(text)["objects"])
    lines = text.split("\n")
    return [l for l in lines if not l.startswith(("#", ";")) and "SOA" not in l] \
        if fmt in ("suricata", "rpz") else lines


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_over_http_and_cli(fhub, fmt):
    r = http_feed(fhub, fmt)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == CONTENT_TYPES[fmt]
    assert r.headers["Content-Disposition"].startswith('attachment; filename="postisac-')
    assert r.headers.get("Transfer-Encoding") == "chunked"  # streamed, not built whole
    assert strip_generated(fmt, r.text) == strip_generated(fmt, cli_feed(fhub, fmt))


def test_list_holds_exactly_what_alice_may_take_away(fhub):
    assert listed(fhub) == sorted([
        "feed-green.example", "45.133.1.10", "45.133.2.0/24", "2a0e:1c80::10",
        "http://feed-url.example/login?x=1", "lure@feed-mail.example", "ab" * 32,
        "feed-clear.example", "feed-amber.example", "feed-strict.example",
        # (10.20.30.40 is on the private-ranges warninglist: left out by default)
        # the demo community's own indicators alice may export
        "usps-redelivery-demo.example", "customs-fee-demo.example", "track-parcel-demo.example",
        "kit-host-demo.example", "draft-demo.example", "eu-customs-demo.example"])


def test_red_is_never_in_any_feed(fhub):
    for user in ("alice", "bob", "carol", "admin"):
        for fmt in FORMATS:
            r = http_feed(fhub, fmt, user)
            assert r.status_code == 200
            assert "feed-red.example" not in r.text and "red-lead-demo" not in r.text, (user, fmt)
            assert "feed-red.example" not in cli_feed(fhub, fmt, user)


def test_amber_only_for_its_audience(fhub):
    assert "feed-amber.example" in listed(fhub, "alice")   # creator's organisation
    assert "feed-amber.example" in listed(fhub, "bob")     # named recipient organisation
    assert "feed-amber.example" not in listed(fhub, "carol")
    assert "feed-strict.example" not in listed(fhub, "bob")
    assert "feed-green.example" in listed(fhub, "carol")


def test_expired_and_revoked_leave_feeds(fhub):
    for fmt in FORMATS:
        text = http_feed(fhub, fmt).text
        assert "feed-expired.example" not in text and "feed-revoked.example" not in text


def test_filters(fhub):
    assert listed(fhub, params={"type": "ipv4"}) == ["45.133.1.10", "45.133.2.0/24"]
    assert listed(fhub, params={"type": "ipv4", "include_warninglisted": "true"}) == [
        "10.20.30.40", "45.133.1.10", "45.133.2.0/24"]
    assert listed(fhub, params={"type": "ipv4-cidr,sha256"}) == ["45.133.2.0/24", "ab" * 32]
    assert listed(fhub, params={"label": "smishing", "type": "domain"}) == [
        "customs-fee-demo.example", "draft-demo.example", "eu-customs-demo.example",
        "feed-clear.example", "kit-host-demo.example", "track-parcel-demo.example",
        "usps-redelivery-demo.example"]
    assert listed(fhub, params={"tlp": "clear"}) == ["feed-clear.example", "usps-redelivery-demo.example"]
    green = listed(fhub, params={"tlp": "green"})
    assert "feed-green.example" in green and "feed-amber.example" not in green
    assert listed(fhub, params={"since": "2999-01-01T00:00:00Z"}) == []
    assert listed(fhub, params={"collection": "europe-posts"}) == ["eu-customs-demo.example"]
    assert "feed-green.example" in listed(fhub, params={"collection": "community"})
    uuid = fhub.collections["community"]
    assert listed(fhub, params={"collection": uuid}) == listed(fhub, params={"collection": "community"})
    # the same filters from the CLI
    assert sorted(cli_feed(fhub, "list", args=["--type", "ipv4", "--tlp", "green"]).split()) == [
        "45.133.1.10", "45.133.2.0/24"]


def test_stix_feed_holds_objects_once(fhub):
    body = http_feed(fhub, "stix", params={"type": "domain"}).json()
    assert body["type"] == "bundle" and body["id"].startswith("bundle--")
    names = sorted(o["name"] for o in body["objects"])
    assert "green domain" in names and "green address" not in names
    assert len(names) == len(set(o["id"] for o in body["objects"]))


def test_suricata_rules_load(fhub):
    text = http_feed(fhub, "suricata").text
    assert check_rules(text) == []
    rules = [l for l in text.split("\n") if l.startswith("alert")]
    # 3 rules per domain, 1 per address or block, 1 per http URL
    assert sum('dns.query; dotprefix; content:".feed-green.example"' in r for r in rules) == 1
    assert any("alert ip any any <> 45.133.2.0/24 any" in r for r in rules)
    assert any('http.host; content:"feed-url.example"; bsize:16; http.uri.raw; content:"/login?x=1"; startswith;' in r
               for r in rules)
    assert not any("lure@feed-mail.example" in r for r in rules)
    assert len({r.split("sid:")[1].split(";")[0] for r in rules}) == len(rules)
    # the checker itself refuses broken rules
    assert check_rules('alert dns any any -> any any (msg:"x"; dns.query; content:"a;b"; sid:1; rev:1;)')
    assert check_rules('alert dns any any -> any any (msg:"x"; tls.sni; content:"a"; sid:1; rev:1;)')
    assert check_rules('alert ip any any -> any any (msg:"x"; sid:1;)')


@pytest.mark.skipif(not shutil.which("named-checkzone"), reason="bind9-utils not installed")
def test_rpz_zone_loads_in_named_checkzone(fhub):
    r = http_feed(fhub, "rpz", params={"zone": "rpz.example.net"})
    assert "feed-green.example\tCNAME\t.\n*.feed-green.example\tCNAME\t." in r.text
    assert "32.10.1.133.45.rpz-ip\tCNAME\t." in r.text
    assert "24.0.2.133.45.rpz-ip\tCNAME\t." in r.text
    assert "128.10.zz.1c80.2a0e.rpz-ip\tCNAME\t." in r.text
    with tempfile.NamedTemporaryFile("w", suffix=".zone") as f:
        f.write(r.text)
        f.flush()
        out = subprocess.run(["named-checkzone", "rpz.example.net", f.name], capture_output=True,
                             text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().endswith("OK")


def test_zeek_intel_layout(fhub):
    lines = http_feed(fhub, "zeek").text.rstrip("\n").split("\n")
    assert lines[0] == "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url"
    rows = {l.split("\t")[0]: l.split("\t") for l in lines[1:]}
    assert all(len(r) == 5 for r in rows.values())
    assert rows["feed-green.example"][1] == "Intel::DOMAIN"
    assert rows["45.133.1.10"][1] == "Intel::ADDR"
    assert rows["45.133.2.0/24"][1] == "Intel::SUBNET"
    assert rows["feed-url.example/login?x=1"][1] == "Intel::URL"
    assert rows["lure@feed-mail.example"][1] == "Intel::EMAIL"
    assert rows["ab" * 32][1] == "Intel::FILE_HASH"


def test_csv_is_rfc4180(fhub):
    r = http_feed(fhub, "csv")
    assert "\r\n" in r.text
    rows = list(csv.reader(io.StringIO(r.text, newline="")))
    assert rows[0] == ["value", "type", "indicator_id", "name", "tlp", "labels", "valid_from",
                       "valid_until"]
    by_value = {row[0]: row for row in rows[1:]}
    assert by_value["feed-clear.example"][3:6] == ["clear, smishing", "clear", "smishing"]
    assert by_value["45.133.1.10"][1] == "ipv4"


def test_warninglisted_values_left_out_by_default(fhub):
    env = {"POSTISAC_WARNINGLISTS": os.path.join(ROOT, "data", "warninglists")}
    assert "10.20.30.40" not in cli_feed(fhub, "list", env=env).split()
    assert "10.20.30.40" in cli_feed(fhub, "list", args=["--include-warninglisted"], env=env).split()
    r = http_feed(fhub, "list", params={"include_warninglisted": "true"})
    assert "10.20.30.40" in r.text.split()
    # the server loads data/warninglists at start-up: HTTP feeds leave them out by default too
    assert "10.20.30.40" not in listed(fhub)


def test_extra_warninglist_file(make_hub, tmp_path):
    """serve --warninglist-extra adds an operator's own benign values; a bad file stops start-up."""
    extra = tmp_path / "ours.json"
    extra.write_text(json.dumps({"name": "our-domains", "description": "our own sites",
                                 "type": "hostname", "values": ["ours-demo.example"]}))
    h = make_hub(["--warninglist-extra", str(extra)])
    post_objects(h, [ind("[domain-name:value = 'www.ours-demo.example']", "own site", tlp="GREEN"),
                     ind("[domain-name:value = 'evil-demo.example']", "phish", tlp="GREEN")])
    assert "evil-demo.example" in listed(h)
    assert "www.ours-demo.example" not in listed(h)
    assert "www.ours-demo.example" in listed(h, params={"include_warninglisted": "true"})
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    out = subprocess.run([h.bin, "serve", "--db", h.db, "--check-config", "--warninglist-extra", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "bad.json" in out.stderr and "invalid JSON" in out.stderr


def test_refusals(fhub):
    r = http_feed(fhub, "snort")
    assert r.status_code == 404 and "use stix, csv, list, suricata, rpz or zeek" in r.json()["description"]
    r = http_feed(fhub, "list", params={"type": "dns"})
    assert r.status_code == 400 and "type: 'dns' is not an observable kind" in r.json()["description"]
    r = http_feed(fhub, "list", params={"tlp": "purple"})
    assert r.status_code == 400
    r = http_feed(fhub, "list", params={"since": "yesterday"})
    assert r.status_code == 400
    r = http_feed(fhub, "list", params={"bogus": "1"})
    assert r.status_code == 400
    r = http_feed(fhub, "rpz", params={"zone": "not a zone"})
    assert r.status_code == 400
    # a collection the user cannot read answers like one that does not exist
    r = http_feed(fhub, "list", "carol", params={"collection": "northpost"})
    assert r.status_code == 404
    r = http_feed(fhub, "list", params={"collection": "no-such-thing"})
    assert r.status_code == 404
    r = fhub.session.get(fhub.url + "/api/v1/feeds/list", timeout=30)
    assert r.status_code == 401
    out = subprocess.run([fhub.bin, "export", "--db", fhub.db, "--as", "nobody", "--format", "list"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "no user 'nobody'" in out.stderr
    out = subprocess.run([fhub.bin, "export", "--db", fhub.db, "--as", "alice", "--format", "pdf"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--format: 'pdf' is not a feed format" in out.stderr


def test_export_help():
    from conftest import BIN
    out = subprocess.run([BIN, "export", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert "usage: postisac export --as USER --format FORMAT" in out.stdout
    for opt in ("--collection", "--since", "--type", "--tlp", "--label", "--include-warninglisted",
                "--zone", "--output"):
        assert opt in out.stdout
