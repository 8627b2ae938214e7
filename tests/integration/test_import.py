"""postisac import: STIX bundles (streamed, batched), CSV with a column mapping, MISP events;
exact summary counts, re-imports, refusals with positions, and the progress bar (only on a
terminal)."""
import json
import os
import pty
import subprocess
import uuid

import pytest

from taxiiutil import TLP2, indicator

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run_import(h, path, *args, user="alice", collection="community", stderr=subprocess.PIPE):
    out = subprocess.run([h.bin, "import", "--db", h.db, "--collection", collection, "--as", user]
                         + list(args) + [path], stdout=subprocess.PIPE, stderr=stderr,
                         timeout=300, cwd=ROOT)
    return out.returncode, out.stdout.decode(), (out.stderr or b"").decode()


def import_json(h, path, *args, **kw):
    rc, out, err = run_import(h, path, "--json", *args, **kw)
    assert out, err
    return rc, json.loads(out), err


def export_csv(h, user="alice", *args):
    out = subprocess.run([h.bin, "export", "--db", h.db, "--as", user, "--format", "csv",
                          "--include-warninglisted"] + list(args),
                         capture_output=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    rows = [l.split(",") for l in out.stdout.decode().split("\r\n")[1:] if l]
    return {r[0]: r for r in rows}


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text) if isinstance(text, str) else p.write_bytes(text)
    return str(p)


def test_bundle_import_counts_and_reimport(hub, tmp_path):
    objs = [indicator(name="bulk %d" % i, tlp="GREEN", domain="bulk-%d.example" % i)
            for i in range(2500)]
    bad = indicator(name="bad pattern", tlp="GREEN")
    bad["pattern"] = "[domain-name:value = 'x'"
    objs.insert(1200, bad)
    bundle = {"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": objs}
    path = write(tmp_path, "b.json", json.dumps(bundle, indent=1))
    rc, s, err = import_json(hub, path)
    assert rc == 0, err
    assert (s["records"], s["imported"], s["updated"], s["unchanged"], s["rejected"]) == (2501, 2500, 0, 0, 1)
    assert s["reasons"][0]["id"] == bad["id"]
    assert s["reasons"][0]["where"].startswith("byte ")
    assert "pattern" in s["reasons"][0]["reason"]
    # the same file again: nothing new
    rc, s, _ = import_json(hub, path)
    assert (s["imported"], s["updated"], s["unchanged"], s["rejected"]) == (0, 0, 2500, 1)
    # one object changed: a new version
    objs[0] = dict(objs[0], modified="2024-05-02T00:00:00.000Z", name="bulk 0 v2")
    path = write(tmp_path, "b2.json", json.dumps(dict(bundle, objects=objs[:10])))
    rc, s, _ = import_json(hub, path, "--format", "stix")
    assert (s["imported"], s["updated"], s["unchanged"], s["rejected"]) == (0, 1, 9, 0)
    assert "bulk-2499.example" in export_csv(hub)


def test_text_summary_and_reasons(hub, tmp_path):
    path = write(tmp_path, "v.csv", "value,type\n" + "".join("nonsense%d,\n" % i for i in range(15))
                 + "ok.example,domain\n")
    rc, out, err = run_import(hub, path)
    assert rc == 0, err
    lines = out.split("\n")
    assert lines[0].startswith("imported 1, updated 0, unchanged 0, rejected 15, skipped 0 (16 records in")
    assert lines[1] == "rejected:"
    assert lines[2] == "  line 2: cannot tell what kind of value 'nonsense0' is; give its type (domain, ipv4, url, email, sha256, ...)"
    assert lines[12] == "  ... 5 more (use --json to see them all)"
    rc, s, _ = import_json(hub, path)
    assert len(s["reasons"]) == 15


CSV = ("indicator,kind,tlp,labels\r\n"
       "Evil-Import.example,domain,green,\"phishing;smishing\"\r\n"
       "192.0.2.77,ip-dst,amber,\r\n"
       "2001:db8::77,,clear,\r\n"
       "203.0.113.0/24,,green,\r\n"
       "http://import-url.example/pay,url,green,\r\n"
       "lure@import.example,email-src,green,\r\n"
       "d41d8cd98f00b204e9800998ecf8427e,md5,green,\r\n"
       "not an address,ipv4,green,\r\n"
       "fine.example,domain,purple,\r\n"
       "x.example,weird,green,\r\n")


def test_csv_with_mapping(hub, tmp_path):
    path = write(tmp_path, "iocs.csv", CSV)
    rc, s, err = import_json(hub, path, "--map", "value=1,type=2,tlp=3,labels=4", "--header")
    assert rc == 0, err
    assert (s["records"], s["imported"], s["updated"], s["unchanged"], s["rejected"]) == (10, 7, 0, 0, 3)
    reasons = {r["where"]: r["reason"] for r in s["reasons"]}
    assert reasons["line 9"].startswith("ipv4 'not an address'")
    assert reasons["line 10"] == "unknown TLP 'purple' (clear, green, amber, amber+strict, red)"
    assert reasons["line 11"].startswith("unknown type 'weird'")
    rows = export_csv(hub)
    assert rows["evil-import.example"][4] == "green"
    assert rows["192.0.2.77"][1:2] == ["ipv4"] and rows["192.0.2.77"][4] == "amber"
    assert rows["203.0.113.0/24"][1] == "ipv4-cidr"
    assert rows["lure@import.example"][1] == "email"
    # the same file by header names: unchanged
    rc, s, _ = import_json(hub, path, "--map", "value=indicator,type=kind,tlp=tlp,labels=labels")
    assert (s["imported"], s["updated"], s["unchanged"], s["rejected"]) == (0, 0, 7, 3)
    # a changed TLP makes a new version
    path2 = write(tmp_path, "iocs2.csv", "value,tlp\nevil-import.example,clear\n")
    rc, s, _ = import_json(hub, path2)
    assert (s["imported"], s["updated"], s["unchanged"]) == (0, 1, 0)
    assert export_csv(hub)["evil-import.example"][4] == "clear"


MISP = {"Event": {
    "info": "Parcel smishing wave", "uuid": "5f2a3b8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    "timestamp": "1714564800",
    "Tag": [{"name": "tlp:amber"}, {"name": "smishing"}],
    "Attribute": [
        {"type": "ip-dst", "value": "192.0.2.88", "to_ids": True,
         "uuid": "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "timestamp": "1714564800"},
        {"type": "domain", "value": "misp-lure.example", "to_ids": True,
         "uuid": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Tag": [{"name": "tlp:green"}]},
        {"type": "url", "value": "https://misp-lure.example/track", "to_ids": True},
        {"type": "email-src", "value": "fraud@misp-lure.example", "to_ids": "1"},
        {"type": "filename|sha256", "value": "invoice.pdf|" + "cd" * 32, "to_ids": True},
        {"type": "domain|ip", "value": "pair.example|198.51.100.88", "to_ids": True},
        {"type": "comment", "value": "seen in Norway", "to_ids": False},
        {"type": "hostname", "value": "quiet.example", "to_ids": False},
        {"type": "ip-src", "value": "999.1.1.1", "to_ids": True},
        {"type": "domain", "value": "gone.example", "to_ids": True, "deleted": True},
    ],
    "Object": [{"name": "file", "Attribute": [
        {"type": "md5", "value": "0123456789abcdef0123456789abcdef", "to_ids": True}]}],
}}


def test_misp_event(hub, tmp_path):
    path = write(tmp_path, "event.json", json.dumps(MISP))
    rc, s, err = import_json(hub, path)
    assert rc == 0, err
    # 11 attributes: 7 imported (+1 for domain|ip's second value), 3 skipped, 1 rejected
    assert (s["records"], s["imported"], s["rejected"], s["skipped"]) == (11, 8, 1, 3)
    assert s["reasons"][0]["where"] == "event 1 attribute 9"
    rows = export_csv(hub)
    assert rows["192.0.2.88"][4] == "amber" and rows["misp-lure.example"][4] == "green"
    assert rows["cd" * 32][1] == "sha256"
    assert "pair.example" in rows and "198.51.100.88" in rows
    assert "0123456789abcdef0123456789abcdef" in rows
    assert "quiet.example" not in rows and "gone.example" not in rows
    # MISP ids come from the attribute uuid: a second import changes nothing
    rc, s, _ = import_json(hub, path, "--format", "misp")
    assert (s["imported"], s["updated"], s["unchanged"]) == (0, 0, 8)


def test_refusals(hub, tmp_path):
    broken = write(tmp_path, "broken.json", '{"type": "bundle", "objects": [\n  {"type": "indicator",\n   "name": tru}\n]}')
    rc, out, err = run_import(hub, broken)
    assert rc == 1
    assert "invalid STIX bundle at byte 67 (line 3, column 12)" in err, err
    truncated = write(tmp_path, "cut.json", '{"type": "bundle", "objects": [{"type": "indicator"')
    rc, out, err = run_import(hub, truncated)
    assert rc == 1 and "unexpected end of input: the bundle is truncated" in err
    csvp = write(tmp_path, "c.csv", "indicator,kind\nx.example,domain\n")
    rc, out, err = run_import(hub, csvp, "--map", "value=indicator,tlp=colour")
    assert rc == 1 and "--map: unknown column 'colour'; the header has: indicator, kind" in err
    rc, out, err = run_import(hub, csvp, "--map", "vale=1")
    assert rc == 2 and "--map: unknown key 'vale'" in err
    rc, out, err = run_import(hub, csvp, "--map", "value=1,type")
    assert rc == 2 and "--map: 'type' is not KEY=COLUMN" in err
    rc, out, err = run_import(hub, csvp, user="nobody")
    assert rc == 1 and "no user 'nobody'" in err
    rc, out, err = run_import(hub, csvp, collection="no-such-collection")
    assert rc == 1 and "is neither a collection uuid" in err
    rc, out, err = run_import(hub, csvp, user="sara")  # read-only
    assert rc == 1 and "sara may not add to collection" in err
    rc, out, err = run_import(hub, str(tmp_path / "missing.json"))
    assert rc == 1 and "cannot open" in err
    rc, out, err = run_import(hub, csvp, "--format", "xml")
    assert rc == 2


def test_progress_bar_only_on_a_terminal(hub, tmp_path):
    objs = [indicator(name="p %d" % i, tlp="GREEN") for i in range(3000)]
    path = write(tmp_path, "p.json", json.dumps({"type": "bundle", "id": "bundle--" + str(uuid.uuid4()),
                                                  "objects": objs}))
    rc, out, err = run_import(hub, path)
    assert rc == 0 and err == ""  # piped: no progress bar
    assert out.startswith("imported 3000,")
    master, slave = pty.openpty()
    try:
        rc, out, _ = run_import(hub, path, stderr=slave)
        os.close(slave)
        slave = None
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert rc == 0
    assert b"\r[" in seen and b"records" in seen and b"%" in seen
    assert seen.endswith(b"\r\x1b[K")


def test_import_help():
    from conftest import BIN
    out = subprocess.run([BIN, "import", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert "usage: postisac import --collection NAME --as USER [OPTIONS] FILE" in out.stdout
    for opt in ("--format", "--map", "--header", "--tlp", "--json"):
        assert opt in out.stdout
