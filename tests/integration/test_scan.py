"""postisac scan: small real-format logs written here (Zeek dns.log and http.log, Suricata
eve.json, BIND query log, Postfix mail log, nginx access log) with exact expected hits;
compressed inputs, thread counts, skipped lines, exit statuses, --follow across rotation,
LIKE/MATCHES through Vectorscan, the cache, and sightings that reach a real hub.

The binary is $POSTISAC_BIN (the conftest default otherwise). Everything stays on 127.0.0.1.
"""
import gzip
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from conftest import BIN

TIMEOUT = 120
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


def ind(pattern, name, tlp=GREEN, labels=("malicious-activity",), confidence=None):
    o = {"type": "indicator", "spec_version": "2.1", "id": "indicator--" + str(uuid.uuid4()),
         "created": "2024-05-01T12:00:00.000Z", "modified": "2024-05-01T12:00:00.000Z",
         "name": name, "pattern": pattern, "pattern_type": "stix",
         "valid_from": "2024-05-01T12:00:00Z", "labels": list(labels)}
    if tlp:
        o["object_marking_refs"] = [tlp]
    if confidence is not None:
        o["confidence"] = confidence
    return o


IND = {
    "evil": ind("[domain-name:value = 'evil.example']", "evil domain", confidence=80),
    "c2ip": ind("[ipv4-addr:value = '198.51.100.7']", "c2 address", tlp=AMBER),
    "net": ind("[ipv4-addr:value = '203.0.113.0/24']", "bad network"),
    "v6": ind("[ipv6-addr:value = '2001:db8:bad::/48']", "bad v6 network"),
    "url": ind("[url:value = 'http://phish.example/login.php?x=1']", "phishing url"),
    "mail": ind("[email-addr:value = 'fraud@parcel-notice.example']", "sender"),
    "hash": ind("[file:hashes.'SHA-256' = "
                "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']", "dropper"),
    "idn": ind("[domain-name:value = 'bücher-post.example']", "idn lookalike"),
    "like": ind("[url:value LIKE 'http://track.example/parcel/%']", "tracking kit"),
    "re": ind("[domain-name:value MATCHES '^usps-[a-z]+\\\\.top$']", "usps combosquat"),
    "noise": ind("[process:name = 'evil.exe']", "not in logs"),
}

ZEEK_DNS = """#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tdns
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype_name\trcode_name\tanswers
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tstring\tstring\tstring\tvector[string]
1714564800.000001\tC1\t10.0.0.5\t53211\t10.0.0.53\t53\tudp\t1\twww.evil.example\tA\tNOERROR\t198.51.100.7
1714564801.000001\tC2\t10.0.0.6\t53212\t10.0.0.53\t53\tudp\t2\tgood.example\tA\tNOERROR\t192.0.2.1,192.0.2.2
1714564802.000001\tC3\t10.0.0.7\t53213\t10.0.0.53\t53\tudp\t3\txn--bcher-post-9db.example\tA\tNXDOMAIN\t-
#close\t2024-05-01-12-00-10
"""

ZEEK_HTTP = """#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\thttp
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\treferrer\tuser_agent\tstatus_code
1714564800.1\tH1\t10.0.0.5\t40000\t203.0.113.9\t80\tGET\tphish.example\t/login.php?x=1\t-\tMozilla/5.0 (evil.example)\t200
1714564800.2\tH2\t10.0.0.5\t40001\t192.0.2.80\t80\tGET\ttrack.example\t/parcel/12345\thttp://good.example/\tcurl/8\t200
"""

EVE = "\n".join(json.dumps(x) for x in [
    {"timestamp": "2024-05-01T12:00:00.000000+0000", "event_type": "dns", "src_ip": "10.0.0.5",
     "dest_ip": "10.0.0.53", "dns": {"type": "query", "rrname": "usps-track.top", "rrtype": "A"}},
    {"timestamp": "2024-05-01T12:00:01.000000+0000", "event_type": "tls", "src_ip": "10.0.0.5",
     "dest_ip": "198.51.100.7", "tls": {"sni": "cdn.good.example", "version": "TLS 1.3"}},
    {"timestamp": "2024-05-01T12:00:02.000000+0000", "event_type": "fileinfo",
     "src_ip": "192.0.2.10", "dest_ip": "10.0.0.5", "http": {"hostname": "good.example"},
     "fileinfo": {"filename": "a.bin",
                  "sha256": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}},
    {"timestamp": "2024-05-01T12:00:03.000000+0000", "event_type": "alert", "src_ip": "10.0.0.9",
     "dest_ip": "192.0.2.99", "alert": {"signature": "ET evil.example mention in a signature"}},
]) + "\n"

BIND = """01-May-2024 12:00:00.123 client @0x7f3a 10.0.0.5#53211 (WWW.Evil.Example.): query: WWW.Evil.Example. IN A +E(0)K (10.0.0.53)
01-May-2024 12:00:00.456 client @0x7f3a 10.0.0.6#53212 (good.example): query: good.example IN AAAA +E(0)K (10.0.0.53)
01-May-2024 12:00:00.789 client @0x7f3a 2001:db8:bad::5#53213 (mail.good.example): query: mail.good.example IN MX + (10.0.0.53)
"""

POSTFIX = """May  1 12:00:00 mx postfix/smtpd[1234]: connect from unknown[203.0.113.50]
May  1 12:00:01 mx postfix/cleanup[1235]: 4F1A2: message-id=<x@parcel-notice.example>
May  1 12:00:01 mx postfix/qmgr[1236]: 4F1A2: from=<fraud@parcel-notice.example>, size=1234, nrcpt=1 (queue active)
May  1 12:00:02 evil.example postfix/smtp[1237]: 4F1A2: to=<alice@good.example>, relay=mx.good.example[192.0.2.25]:25, status=sent
"""

NGINX = """198.51.100.7 - - [01/May/2024:12:00:00 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "Mozilla/5.0"
10.0.0.5 - - [01/May/2024:12:00:01 +0000] "GET /r HTTP/1.1" 302 0 "http://phish.example/login.php?x=1" "Mozilla/5.0"
10.0.0.6 - - [01/May/2024:12:00:02 +0000] "GET /evil.example/page HTTP/1.1" 404 0 "-" "Mozilla/5.0"
"""

# (file, line_number, kind, observable, indicator key)
EXPECTED = {
    ("zeek_dns.log", 8, "domain", "www.evil.example", "evil"),
    ("zeek_dns.log", 8, "ipv4", "198.51.100.7", "c2ip"),
    ("zeek_dns.log", 10, "domain", "xn--bcher-post-9db.example", "idn"),
    ("zeek_http.log", 7, "url", "http://phish.example/login.php?x=1", "url"),
    ("zeek_http.log", 7, "ipv4", "203.0.113.9", "net"),
    ("zeek_http.log", 8, "url", "http://track.example/parcel/12345", "like"),
    ("eve.json", 1, "domain", "usps-track.top", "re"),
    ("eve.json", 2, "ipv4", "198.51.100.7", "c2ip"),
    ("eve.json", 3, "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "hash"),
    ("bind.log", 1, "domain", "www.evil.example", "evil"),
    ("bind.log", 3, "ipv6", "2001:db8:bad::5", "v6"),
    ("postfix.log", 1, "ipv4", "203.0.113.50", "net"),
    ("postfix.log", 3, "email", "fraud@parcel-notice.example", "mail"),
    ("nginx.log", 1, "ipv4", "198.51.100.7", "c2ip"),
    ("nginx.log", 2, "url", "http://phish.example/login.php?x=1", "url"),
}
# postfix.log line 2 names parcel-notice.example only in its message-id: no indicator pins
# that domain, so the line must give no hit (the comparison with EXPECTED is exact)

LOGS = {"zeek_dns.log": ZEEK_DNS, "zeek_http.log": ZEEK_HTTP, "eve.json": EVE, "bind.log": BIND,
        "postfix.log": POSTFIX, "nginx.log": NGINX}


def scan(*args, stdin=None, env=None, timeout=TIMEOUT):
    e = dict(os.environ)
    e.pop("POSTISAC_TOKEN", None)
    if env:
        e.update(env)
    return subprocess.run([BIN, "scan", *args], input=stdin, capture_output=True, env=e,
                          timeout=timeout)


def hits_of(stdout):
    out = []
    for line in stdout.decode().splitlines():
        h = json.loads(line)
        if "summary" not in h:
            out.append(h)
    return out


@pytest.fixture()
def work(tmp_path):
    bundle = {"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": list(IND.values())}
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    for name, text in LOGS.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "cache").mkdir()
    return tmp_path


def key_of(indicator_id):
    for k, v in IND.items():
        if v["id"] == indicator_id:
            return k
    return indicator_id


def tuples(hits):
    return {(os.path.basename(h["file"]), h["line_number"], h["kind"], h["observable"],
             key_of(h["indicator"])) for h in hits}


def test_real_format_logs_give_exact_hits(work):
    files = [str(work / n) for n in LOGS]
    r = scan("--indicators", str(work / "bundle.json"), "--cache-dir", str(work / "cache"), *files)
    assert r.returncode == 0, r.stderr
    hits = hits_of(r.stdout)
    got = tuples(hits)
    assert got == EXPECTED, "missing %s\nextra %s" % (sorted(EXPECTED - got), sorted(got - EXPECTED))
    assert len(hits) == len(EXPECTED)  # no duplicates
    # the fields a hit carries
    h = next(h for h in hits if key_of(h["indicator"]) == "evil" and h["file"].endswith("bind.log"))
    assert h["matched"] == "evil.example" and h["match"] == "parent"
    assert h["tlp"] == "green" and h["labels"] == ["malicious-activity"] and h["confidence"] == 80
    assert h["line"].startswith("01-May-2024 12:00:00.123 client")
    assert h["time"].endswith("Z")
    h = next(h for h in hits if key_of(h["indicator"]) == "c2ip")
    assert h["tlp"] == "amber" and "confidence" not in h
    h = next(h for h in hits if key_of(h["indicator"]) == "net")
    assert h["match"] == "range" and h["matched"] == "203.0.113.0/24"
    h = next(h for h in hits if key_of(h["indicator"]) == "like")
    assert h["match"] == "like"


def test_no_line_and_summary(work):
    r = scan("--indicators", str(work / "bundle.json"), "--no-cache", "--no-line", "--summary",
             str(work / "bind.log"), str(work / "nginx.log"))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
    hits = [x for x in lines if "summary" not in x]
    assert all("line" not in h for h in hits)
    summary = {key_of(x["indicator"]): x["hits"] for x in lines if x.get("summary") == "indicator"}
    assert summary == {"evil": 1, "v6": 1, "c2ip": 1, "url": 1}
    totals = next(x for x in lines if x.get("summary") == "totals")
    assert totals["lines"] == 6 and totals["hits"] == 4


@pytest.mark.parametrize("threads", ["2", "3"])
def test_identical_hits_for_every_thread_count(work, threads):
    # a log of several chunks (4 MiB each) so the threads really share the work
    big = work / "big.log"
    filler = "01-May-2024 12:00:00.000 client @0x1 10.0.0.1#1 (a%d.good.example): query: a%d.good.example IN A\n"
    with open(big, "w") as f:
        for i in range(150000):
            f.write(filler % (i, i))
            if i % 997 == 0:
                f.write("01-May-2024 12:00:00.000 client @0x1 10.0.0.1#1 (x%d.evil.example): query\n" % i)
    base = scan("--indicators", str(work / "bundle.json"), "--no-cache", "--threads", "1", str(big))
    other = scan("--indicators", str(work / "bundle.json"), "--no-cache", "--threads", threads,
                 str(big))
    assert base.returncode == 0 and other.returncode == 0, other.stderr
    strip = lambda out: [{k: v for k, v in h.items() if k != "time"} for h in hits_of(out)]
    a, b = strip(base.stdout), strip(other.stdout)
    assert len(a) == 151 and a == b


def test_mapped_file_and_stdin_agree(work):
    """A plain file of several chunks is read through a mapping (stdin never is): the hits,
    their line numbers and the totals are the same either way, across a chunk-sized line that
    has no newline in a whole window (the mapping hands over to read() there), a line over
    1 MiB, a binary line and a last line without a newline."""
    big = work / "mapped.log"
    filler = ("01-May-2024 12:00:00.000 client @0x1 10.0.0.%d#1 (a%d.good.example): "
              "query: a%d.good.example IN A +\n")
    with open(big, "wb") as f:
        for i in range(120000):
            f.write((filler % (i % 250, i, i)).encode())
            if i % 4999 == 0:
                f.write(b"seen www.evil.example and 198.51.100.7\n")
            if i == 60000:
                f.write(b"x" * (5 << 20) + b" evil.example\n")  # a window without a newline
                f.write(b"binary \x00 evil.example\n")
            if i == 90000:
                f.write(b"y" * ((1 << 20) + 5) + b" evil.example\n")
        f.write(b"last line evil.example")
    assert big.stat().st_size > 12 << 20
    args = ["--indicators", str(work / "bundle.json"), "--no-cache", "--summary", "--no-line"]
    strip = lambda out: [{k: v for k, v in h.items() if k not in ("time", "file")}
                         for h in (json.loads(x) for x in out.decode().splitlines())]
    for threads in ("1", "2"):
        mapped = scan(*args, "--threads", threads, str(big))
        assert mapped.returncode == 0, mapped.stderr
        piped = scan(*args, "--threads", threads, "-", stdin=big.read_bytes())
        assert piped.returncode == 0, piped.stderr
        a, b = strip(mapped.stdout), strip(piped.stdout)
        assert a == b
        hits = [h for h in a if "summary" not in h]
        assert len(hits) == 2 * 25 + 1 and hits[-1]["observable"] == "evil.example"
        totals = a[-1]
        assert totals["skipped_long"] == 2 and totals["skipped_binary"] == 1


def test_gzip_zstd_and_stdin(work):
    text = BIND.encode()
    (work / "bind.log.gz").write_bytes(gzip.compress(text))
    args = ["--indicators", str(work / "bundle.json"), "--no-cache"]
    want = tuples(hits_of(scan(*args, str(work / "bind.log")).stdout))
    assert len(want) == 2
    r = scan(*args, str(work / "bind.log.gz"))
    assert r.returncode == 0, r.stderr
    assert {t[1:] for t in tuples(hits_of(r.stdout))} == {t[1:] for t in want}
    if shutil.which("zstd"):
        subprocess.run(["zstd", "-q", "-o", str(work / "bind.log.zst"), str(work / "bind.log")],
                       check=True)
        r = scan(*args, str(work / "bind.log.zst"))
        assert {t[1:] for t in tuples(hits_of(r.stdout))} == {t[1:] for t in want}
    r = scan(*args, "-", stdin=text)
    assert r.returncode == 0
    assert {t[1:] for t in tuples(hits_of(r.stdout))} == {t[1:] for t in want}
    assert all(h["file"] == "-" for h in hits_of(r.stdout))


def test_bad_lines_are_skipped_and_counted(work):
    log = work / "bad.log"
    with open(log, "wb") as f:
        f.write(b"first www.evil.example\n")
        f.write(b"x" * (1 << 20) + b" evil.example " + b"y" * 100 + b"\n")  # over 1 MiB
        f.write(b"binary \x00\x01\x02 evil.example blob\n")
        f.write(b"last 198.51.100.7\n")
    r = scan("--indicators", str(work / "bundle.json"), "--no-cache", "--summary", "--no-line",
             str(log))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
    hits = [(h["line_number"], h["observable"]) for h in lines if "summary" not in h]
    assert hits == [(1, "www.evil.example"), (4, "198.51.100.7")]
    totals = lines[-1]
    assert totals["skipped_long"] == 1 and totals["skipped_binary"] == 1 and totals["lines"] == 4
    # corrupt JSON lines in eve.json
    eve = work / "corrupt.json"
    eve.write_text(EVE.splitlines()[1] + "\n{\"event_type\": \"dns\", \"dns\": {\"rrname\": \n"
                   + "not json at all evil.example\n" + EVE.splitlines()[1] + "\n")
    r = scan("--indicators", str(work / "bundle.json"), "--no-cache", "--summary", str(eve))
    lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [h["line_number"] for h in lines if "summary" not in h] == [1, 4]
    assert lines[-1]["corrupt"] == 2


def test_exit_statuses(work):
    args = ["--indicators", str(work / "bundle.json"), "--no-cache"]
    (work / "clean.log").write_text("nothing to see at good.example\n")
    assert scan(*args, str(work / "clean.log")).returncode == 1
    r = scan(*args, str(work / "missing.log"))
    assert r.returncode == 2 and b"missing.log" in r.stderr
    r = scan(*args, str(work / "missing.log"), str(work / "bind.log"))
    assert r.returncode == 2 and len(hits_of(r.stdout)) == 2  # the readable file is still scanned
    assert scan("--indicators", str(work / "nope.json"), str(work / "bind.log")).returncode == 2
    r = scan(*args, "--threads", "0", str(work / "bind.log"))
    assert r.returncode == 2 and b"--threads" in r.stderr
    r = scan(*args, "--format", "xml", str(work / "bind.log"))
    assert r.returncode == 2 and b"--format" in r.stderr
    assert scan(*args).returncode == 2
    r = scan("--indicators", "http://127.0.0.1:9/", str(work / "bind.log"))
    assert r.returncode == 2 and b"token" in r.stderr
    r = scan(*args, "--report-sightings", "http://127.0.0.1:9", str(work / "bind.log"),
             env={"POSTISAC_TOKEN": "x"})
    assert r.returncode == 2 and b"--sightings-collection" in r.stderr


def test_export_list_and_csv(work):
    (work / "list.txt").write_text("# exported\nevil.example\n198.51.100.0/24\nnot a value!\n")
    r = scan("--indicators", str(work / "list.txt"), "--no-cache", str(work / "nginx.log"))
    assert r.returncode == 0, r.stderr
    got = [(h["line_number"], h["observable"], h["matched"], h["indicator"]) for h in hits_of(r.stdout)]
    assert got == [(1, "198.51.100.7", "198.51.100.0/24", None)]
    (work / "feed.csv").write_text("id,type,value,tlp,labels,confidence\n"
                                   "indicator--11111111-1111-4111-8111-111111111111,domain,"
                                   "EVIL.example.,amber,phishing;postal,70\n")
    r = scan("--indicators", str(work / "feed.csv"), "--no-cache", str(work / "bind.log"))
    h = hits_of(r.stdout)
    assert len(h) == 1 and h[0]["indicator"] == "indicator--11111111-1111-4111-8111-111111111111"
    assert h[0]["tlp"] == "amber" and h[0]["labels"] == ["phishing", "postal"]
    assert h[0]["confidence"] == 70


def test_refang(work):
    (work / "ticket.txt").write_text("user reported hxxp://phish[.]example/login.php?x=1 and "
                                     "evil[.]example\n")
    args = ["--indicators", str(work / "bundle.json"), "--no-cache", str(work / "ticket.txt")]
    assert scan(*args).returncode == 1
    r = scan("--refang", *args)
    assert {h["observable"] for h in hits_of(r.stdout)} == {
        "http://phish.example/login.php?x=1", "evil.example"}


def test_cache_is_used_and_gives_the_same_hits(work):
    args = ["--indicators", str(work / "bundle.json"), "--cache-dir", str(work / "cache"),
            str(work / "eve.json"), str(work / "zeek_http.log")]
    first = scan(*args)
    names = sorted(os.listdir(work / "cache"))
    assert any(n.startswith("set-") for n in names) and any(n.startswith("hs-") for n in names)
    second = scan(*args, env={"POSTISAC_SCAN_DEBUG": "1"})
    assert b"from cache" in second.stderr
    strip = lambda out: [{k: v for k, v in h.items() if k != "time"} for h in hits_of(out)]
    assert strip(first.stdout) == strip(second.stdout) and len(strip(first.stdout)) == 6
    # a changed bundle is a new cache key
    os.utime(work / "bundle.json", (time.time() + 5, time.time() + 5))
    third = scan(*args, env={"POSTISAC_SCAN_DEBUG": "1"})
    assert b"loaded" in third.stderr and strip(third.stdout) == strip(first.stdout)


def test_follow_reads_growing_and_rotated_files(work):
    log = work / "follow.log"
    log.write_text("start good.example\n")
    p = subprocess.Popen([BIN, "scan", "--indicators", str(work / "bundle.json"), "--no-cache",
                          "--no-line", "--follow", str(log)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        with open(log, "a") as f:
            f.write("grown www.evil.example\n")
        time.sleep(1.0)
        os.rename(log, str(log) + ".1")
        with open(str(log) + ".1", "a") as f:
            f.write("late write to the old file 198.51.100.7\n")
        log.write_text("new file evil.example\n")
        deadline = time.time() + 20
        time.sleep(1.5)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=max(1, deadline - time.time()))
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    got = [(h["line_number"], h["observable"]) for h in hits_of(out)]
    assert got == [(2, "www.evil.example"), (3, "198.51.100.7"), (1, "evil.example")]


def post_objects(hub, objs, user="alice"):
    r = hub.post(hub.objects_path(), user=user, body={"objects": objs})
    assert r.status_code == 202, r.text
    assert r.json()["success_count"] == len(objs), r.text


def test_hub_source_and_sightings_reach_the_hub(hub, tmp_path):
    objs = [IND["evil"], IND["url"], IND["like"]]
    post_objects(hub, objs)
    (tmp_path / "bind.log").write_text(BIND)
    (tmp_path / "zeek_http.log").write_text(ZEEK_HTTP)
    cid = hub.collections["community"]
    r = scan("--indicators", hub.url, "--no-cache", "--no-line",
             "--report-sightings", hub.url, "--sightings-collection", cid,
             str(tmp_path / "bind.log"), str(tmp_path / "bind.log"), str(tmp_path / "zeek_http.log"),
             env={"POSTISAC_TOKEN": hub.tokens["bob"]})
    assert r.returncode == 0, r.stderr
    hits = hits_of(r.stdout)
    assert {key_of(h["indicator"]) for h in hits} == {"evil", "url", "like"}
    assert b"sightings posted" in r.stderr
    # the sharer (alice, another organisation) sees that its indicators hit
    got = hub.get(hub.objects_path() + "?match[type]=sighting", user="alice")
    assert got.status_code == 200, got.text
    sightings = got.json().get("objects", [])
    by_ref = {}
    for s in sightings:
        by_ref.setdefault(s["sighting_of_ref"], []).append(s)
    assert set(by_ref) == {IND["evil"]["id"], IND["url"]["id"], IND["like"]["id"]}
    evil = by_ref[IND["evil"]["id"]]
    assert len(evil) == 1 and evil[0]["count"] == 2  # bind.log scanned twice
    assert evil[0]["x_postisac_observable"] == {"kind": "domain", "value": "www.evil.example"}
    assert evil[0]["first_seen"] <= evil[0]["last_seen"]
    assert evil[0]["object_marking_refs"] == [GREEN]
    assert evil[0].get("created_by_ref", "").startswith("identity--") or "created_by_ref" not in evil[0]


def test_hub_collection_url_pagination_and_bad_token(hub, tmp_path):
    # more than one page of 1000: pagination must follow 'next'
    many = [ind("[domain-name:value = 'd%d.bulk.example']" % i, "bulk") for i in range(1200)]
    for k in range(0, len(many), 400):
        post_objects(hub, many[k:k + 400])
    (tmp_path / "dns.log").write_text("query d0.bulk.example\nquery d1199.bulk.example\n")
    url = hub.url + "/taxii2/hub/collections/%s/" % hub.collections["community"]
    r = scan("--indicators", url, "--no-cache", str(tmp_path / "dns.log"),
             env={"POSTISAC_TOKEN": hub.tokens["carol"]})
    assert r.returncode == 0, r.stderr
    assert [h["observable"] for h in hits_of(r.stdout)] == ["d0.bulk.example", "d1199.bulk.example"]
    r = scan("--indicators", url, "--no-cache", str(tmp_path / "dns.log"),
             env={"POSTISAC_TOKEN": "wrong"})
    assert r.returncode == 2 and b"401" in r.stderr
