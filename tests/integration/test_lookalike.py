"""postisac lookalike: gen against Debian's dnstwist, watch on feeds, --publish to a fake hub.

The binary is $POSTISAC_BIN. dnstwist runs without DNS (only --format list/json), so no
network is used; the fake TAXII endpoint listens on 127.0.0.1 on a random port.
"""
import collections
import http.server
import json
import os
import re
import shutil
import subprocess
import threading

import pytest

BIN = os.environ.get("POSTISAC_BIN", "build/check/src/cli/postisac")
DNSTWIST = shutil.which("dnstwist") or "/usr/bin/dnstwist"
DOMAINS = ["usps.com", "royalmail.com", "laposte.fr", "canadapost-postescanada.ca", "post.ch",
           "royalmail.co.uk", "mail.post.ch"]
TIMEOUT = 300

BRANDS = """# protected brands
usps.com usps uspis.gov
royalmail.com royal-mail royalmail.co.uk
laposte.fr
canadapost-postescanada.ca canadapost canadapost.ca
"""


def run(*args, stdin=None, env=None, timeout=TIMEOUT):
    return subprocess.run([BIN, "lookalike", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=timeout)


def dnstwist_set(domain, *extra):
    res = subprocess.run([DNSTWIST, "--format", "list", *extra, domain], capture_output=True,
                         text=True, timeout=TIMEOUT)
    if "do not generate any permutations" in res.stderr:
        return set()
    assert res.returncode == 0, res.stderr
    return {x.strip().lower() for x in res.stdout.splitlines() if x.strip()}


def ours(domain, *extra):
    res = run("gen", domain, "--json", *extra)
    assert res.returncode == 0, res.stderr
    return {json.loads(line)["domain"]: json.loads(line)["fuzzer"]
            for line in res.stdout.splitlines()}


@pytest.fixture()
def word_files(tmp_path):
    d = tmp_path / "dict.txt"
    d.write_text("track\nparcel\npost\nmail\nusps\nredelivery\nla\n")
    t = tmp_path / "tld.txt"
    t.write_text("com\nnet\nxyz\nco.uk\nshop\nfr\ncom.br\nBAD_TLD\n")
    return str(d), str(t)


@pytest.mark.skipif(not os.path.exists(DNSTWIST), reason="Debian's dnstwist is not installed")
@pytest.mark.parametrize("domain", DOMAINS)
def test_gen_contains_every_dnstwist_permutation(domain, word_files):
    dict_file, tld_file = word_files
    theirs = dnstwist_set(domain, "--dictionary", dict_file, "--tld", tld_file)
    mine = ours(domain, "--dict", dict_file, "--tld", tld_file)
    missing = sorted(theirs - set(mine))
    assert not missing, f"{len(missing)} dnstwist permutations missing, e.g. {missing[:10]}"
    extra = collections.Counter(mine[d] for d in set(mine) - theirs)
    print(f"{domain}: dnstwist {len(theirs)}, ours {len(mine)}, extra by fuzzer: "
          f"{dict(sorted(extra.items()))}")
    # dnstwist's own fuzzers add nothing dnstwist lacks except through punycode checks
    assert set(extra) <= {"plural", "combosquat", "brand-subdomain", "homoglyph"}, extra


@pytest.mark.skipif(not os.path.exists(DNSTWIST), reason="Debian's dnstwist is not installed")
def test_gen_fuzzer_selection_matches_dnstwist():
    cases = [("royalmail.com", "bitsquatting"), ("royalmail.com", "cyrillic"),
             ("post.ch", "cyrillic"), ("laposte.fr", "vowel-swap,transposition"),
             ("usps.com", "insertion,omission"), ("www.usps.com", "various,subdomain")]
    for domain, fz in cases:
        theirs = dnstwist_set(domain, "--fuzzers", fz)
        mine = ours(domain, "--fuzzers", fz)
        assert theirs == set(mine), (domain, fz, sorted(theirs ^ set(mine))[:10])


def test_gen_outputs_and_formats():
    res = run("gen", "usps.com", "post.ch", "--fuzzers", "homoglyph,combosquat")
    assert res.returncode == 0
    lines = res.stdout.splitlines()
    assert any(re.match(r"^combosquat +usps-tracking\.com$", x) for x in lines)
    uni = [x for x in lines if "xn--" in x]
    assert uni and all(len(x.split()) == 3 for x in uni)  # fuzzer, punycode, Unicode
    res = run("gen", "usps.com", "--list", "--fuzzers", "addition")
    assert res.stdout.splitlines() == sorted("usps%s.com" % c
                                             for c in "0123456789abcdefghijklmnopqrstuvwxyz")
    for line in run("gen", "royalmail.com", "--json", "--fuzzers", "cyrillic").stdout.splitlines():
        obj = json.loads(line)
        assert set(obj) == {"domain", "unicode", "fuzzer", "original"}
        assert obj["domain"].startswith("xn--") and obj["original"] == "royalmail.com"


def test_gen_refusals_and_help():
    res = run("gen", "https://usps.com/track")
    assert res.returncode == 2 and "no scheme or path" in res.stderr
    res = run("gen", "usps.com", "--fuzzers", "typo")
    assert res.returncode == 2 and "unknown fuzzer 'typo'" in res.stderr
    res = run("gen", "usps.com", "--dict", "/nonexistent/words")
    assert res.returncode == 2 and "cannot open" in res.stderr
    assert run("gen").returncode == 2
    for cmd in (["--help"], ["gen", "--help"], ["watch", "--help"]):
        res = run(*cmd)
        assert res.returncode == 0 and "usage: postisac lookalike" in res.stdout
    assert "Exit status: 0 if anything was found, 1 if nothing, 2 on error" in \
        run("watch", "--help").stdout
    assert run("nonsense").returncode == 2


@pytest.fixture()
def brands(tmp_path):
    p = tmp_path / "brands.txt"
    p.write_text(BRANDS)
    return str(p)


FEED = """usps.informedtrck.com
usa-usps.shop
usps-post.world
royalrnail.com
royalmail.com
www.royalmail.com
tools.usps.com
uspis.gov
usps.net
example.com
mailbox.org
royal-mail-redelivery.com
xn--ups-fhd.com
"""


def test_watch_prints_hits_with_scores_and_reasons(brands):
    res = run("watch", "--brands", brands, "--json", "-", stdin=FEED)
    assert res.returncode == 0, res.stderr
    hits = {h["name"]: h for h in map(json.loads, res.stdout.splitlines())}
    assert set(hits) == {"usps.informedtrck.com", "usa-usps.shop", "usps-post.world",
                         "royalrnail.com", "usps.net", "royal-mail-redelivery.com",
                         "xn--ups-fhd.com"}
    assert hits["usps.informedtrck.com"]["reasons"] == ["brand-subdomain"]
    assert hits["usa-usps.shop"]["reasons"] == ["combosquat:usa"]
    assert hits["royalrnail.com"] == {"name": "royalrnail.com", "brand": "royalmail.com",
                                      "score": 1.0, "reasons": ["skeleton"]}
    assert hits["usps.net"]["reasons"] == ["tld-swap"]
    assert hits["xn--ups-fhd.com"]["brand"] == "usps.com"
    text = run("watch", "--brands", brands, stdin=FEED).stdout.splitlines()
    assert "royalrnail.com\troyalmail.com\t1.00\tskeleton" in text


def test_watch_reads_files_and_json_lines(brands, tmp_path):
    feed = tmp_path / "ct.jsonl"
    feed.write_text("\n".join([
        json.dumps({"domain": "usps-tracking.top"}),
        json.dumps({"all_domains": ["example.org", "*.royalmail-parcel.com"]}),
        json.dumps({"data": {"leaf_cert": {"all_domains": ["laposte-colis.info"]}}}),
        "{not json",
        "plain.example.net",
    ]) + "\n")
    res = run("watch", "--brands", brands, "--json", str(feed))
    assert res.returncode == 0
    names = [json.loads(x)["name"] for x in res.stdout.splitlines()]
    assert names == ["usps-tracking.top", "*.royalmail-parcel.com", "laposte-colis.info"]
    assert "skipped 1 JSON lines" in res.stderr


def test_watch_exit_status_and_refusals(brands, tmp_path):
    res = run("watch", "--brands", brands, stdin="example.com\nusps.com\n")
    assert res.returncode == 1 and res.stdout == ""
    res = run("watch", stdin="usps.net\n")
    assert res.returncode == 2 and "--brands FILE is required" in res.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("usps.com\nthis is not\n")
    res = run("watch", "--brands", str(bad), stdin="x.com\n")
    assert res.returncode == 2 and "line 2" in res.stderr
    res = run("watch", "--brands", brands, "--threshold", "2", stdin="x.com\n")
    assert res.returncode == 2 and "--threshold" in res.stderr
    res = run("watch", "--brands", brands, str(tmp_path / "missing.txt"))
    assert res.returncode == 2 and "cannot open" in res.stderr
    res = run("watch", "--brands", brands, "--publish", "http://127.0.0.1:9", "--collection",
              "c", "--tlp", "orange", stdin="usps.net\n")
    assert res.returncode == 2 and "unknown TLP 'orange'" in res.stderr
    env = {k: v for k, v in os.environ.items() if k != "POSTISAC_TOKEN"}
    res = run("watch", "--brands", brands, "--publish", "http://127.0.0.1:9", "--collection",
              "c", stdin="usps.net\n", env=env)
    assert res.returncode == 2 and "--token" in res.stderr


class FakeHub(http.server.BaseHTTPRequestHandler):
    """A TAXII 2.1 objects endpoint that checks what postisac sends."""
    received = []
    problems = []
    refuse = set()

    def log_message(self, *args):
        pass

    def do_POST(self):
        media = "application/taxii+json;version=2.1"
        want = {"Authorization": "Bearer s3cret", "Content-Type": media, "Accept": media}
        for k, v in want.items():
            if self.headers.get(k) != v:
                self.problems.append(f"{k}: {self.headers.get(k)!r}")
        if self.path != "/taxii2/hub/collections/lookalikes/objects/":
            self.problems.append("path " + self.path)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        objs = body["objects"]
        if len(objs) > 1000:
            self.problems.append(f"batch of {len(objs)}")
        self.received.extend(objs)
        failures = [{"id": o["id"], "message": "refused by test"} for o in objs
                    if o["name"] in self.refuse]
        status = {"id": "2d086da7-4bdc-4f91-900e-d77486753710", "status": "complete",
                  "request_timestamp": "2024-01-01T00:00:00.000Z",
                  "total_count": len(objs), "success_count": len(objs) - len(failures),
                  "failure_count": len(failures), "pending_count": 0,
                  "failures": failures, "successes": [], "pendings": []}
        data = json.dumps(status).encode()
        self.send_response(202)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def hub():
    FakeHub.received = []
    FakeHub.problems = []
    FakeHub.refuse = set()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", FakeHub
    srv.shutdown()
    srv.server_close()


def test_publish_posts_indicators_in_batches(brands, hub):
    url, fake = hub
    names = [f"usps-track{i}.com" for i in range(1500)] + ["royalrnail.com", "example.com",
                                                          "usps-track7.com", "royalrnail.com."]
    env = dict(os.environ, POSTISAC_TOKEN="s3cret")
    res = run("watch", "--brands", brands, "--publish", url, "--collection", "lookalikes",
              "--tlp", "green", stdin="\n".join(names) + "\n", env=env)
    assert res.returncode == 0, res.stderr
    assert fake.problems == []
    assert len(fake.received) == 1501
    assert "published 1501 indicators: 1501 accepted, 0 refused" in res.stderr
    ind = next(o for o in fake.received if o["name"] == "royalrnail.com")
    assert ind["type"] == "indicator" and ind["spec_version"] == "2.1"
    assert re.fullmatch(r"indicator--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                        r"[0-9a-f]{12}", ind["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ind["created"])
    assert ind["modified"] == ind["created"] == ind["valid_from"]
    assert ind["pattern"] == "[domain-name:value = 'royalrnail.com']"
    assert ind["pattern_type"] == "stix"
    assert ind["indicator_types"] == ["malicious-activity"]
    assert ind["labels"] == ["phishing", "lookalike"]
    assert "royalmail.com" in ind["description"]
    assert ind["object_marking_refs"] == [
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    assert len({o["id"] for o in fake.received}) == 1501


def test_publish_reports_refusals(brands, hub):
    url, fake = hub
    fake.refuse = {"usps.net"}
    res = run("watch", "--brands", brands, "--publish", url, "--collection", "lookalikes",
              "--token", "s3cret", "--tlp", "amber+strict", stdin="usps.net\nroyalrnail.com\n")
    assert res.returncode == 2
    assert "refused by test" in res.stderr
    assert "2 indicators: 1 accepted, 1 refused" in res.stderr
    assert fake.received[0]["object_marking_refs"] == [
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]
    res = run("watch", "--brands", brands, "--publish", url, "--collection", "lookalikes",
              "--token", "wrong", stdin="usps.net\n")
    assert fake.problems and "Bearer wrong" in fake.problems[-1]
