"""Incident and regulatory reporting (issue 4), end to end against a real `postisac serve`:
the whole life of a 39 CFR 501.11 case and of a NIS2 case (late filing, regulator request,
time zones), receipts checked offline, attachments (accepted and refused), access (another
member, the regulator), sharing to the community as STIX, the CLI, the audit chain with
tampering done directly in the database, and start-up validation of the regime files.
Reminder delivery (SMTP and webhook) is in test_case_reminders.py.
"""
import json
import re
import os
import sqlite3
import struct
import subprocess
import zlib

import pytest
import requests

TEST_ARGS = ["--test-clock", "--reminder-interval", "0"]


def api(h, method, path, user, body=None, raw=None, headers=None, params=None):
    hd = {"Authorization": "Bearer " + h.tokens[user]}
    if body is not None:
        hd["Content-Type"] = "application/json"
        raw = json.dumps(body)
    if headers:
        hd.update(headers)
    return requests.request(method, h.url + "/api/v1" + path, headers=hd, data=raw,
                            params=params, timeout=60)


def set_clock(h, when):
    r = api(h, "PUT", "/test/clock", "admin", {"now": when})
    assert r.status_code == 200, r.text
    return r.json()


def deadline(case, regime, stage, instance=None):
    for r in case["regimes"]:
        if r["regime"] == regime:
            for d in r["deadlines"]:
                if d["stage"] == stage and (instance is None or d["instance"] == instance):
                    return d
    raise AssertionError("no deadline %s/%s in %s" % (regime, stage, json.dumps(case)[:2000]))


def png_bytes(w=2, h=2):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_bytes():
    # SOI, APP0 (JFIF), SOS with a 2-byte header only, a little data, EOI
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sos = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + sos + b"\x12\x34\x56" + b"\xff\xd9"


PES_CASE = {
    "title": "Meter firmware accepts replayed indicia",
    "description": "Testing found that a meter model accepts a replayed postage indicium.",
    "discovered_at": "2027-03-01T08:00:00Z",
    "location": "Lab 2, Springfield",
    "services": ["postage metering"],
    "category": "fraud",
    "type": "masquerade",
    "severity": "high",
    "revenue_risk": "high",
    "tlp": "amber",
    "regimes": [{"regime": "usps-501.11", "recipient": "postreg"}],
    "indicators": [{"name": "Replay host", "pattern": "[ipv4-addr:value = '198.51.100.7']"}],
}

NIS2_CASE = {
    "title": "Parcel tracking portal outage after DDoS",
    "description": "Tracking portal unavailable for 5 hours.",
    "discovered_at": "2027-03-01T00:00:00Z",
    "aware_at": "2027-03-01T00:00:00Z",
    "services": ["parcel tracking"],
    "category": "availability",
    "type": "ddos",
    "severity": "critical",
    "revenue_risk": "medium",
    "tlp": "green",
    "regimes": [{"regime": "nis2-art23", "recipient": "postreg"}],
    "indicators": [{"name": "Botnet C2", "pattern": "[domain-name:value = 'c2-botnet-demo.example']"}],
}


def verify_receipt(h, receipt, tmp_path):
    key = api(h, "GET", "/receipts/key", "bob").json()
    kf = tmp_path / "key.json"
    kf.write_text(json.dumps(key))
    rf = tmp_path / "receipt.json"
    rf.write_text(json.dumps(receipt))
    out = subprocess.run([h.bin, "receipt", "verify", str(rf), "--key", str(kf), "--json"],
                         capture_output=True, text=True, timeout=60)
    return out


def test_50111_case_lifecycle(make_hub, tmp_path):
    h = make_hub(TEST_ARGS)
    set_clock(h, "2027-03-01T10:00:00Z")
    r = api(h, "POST", "/cases", "mike", PES_CASE)
    assert r.status_code == 201, r.text
    case = r.json()
    cid = case["id"]
    assert r.headers["Location"] == "/api/v1/cases/%d" % cid
    assert case["status"] == "new" and case["reporter_org"] == "meterco"
    assert case["moves"][0]["to"] == "new" and case["moves"][0]["by"] == "mike"
    d = deadline(case, "usps-501.11", "notification")
    assert d["state"] == "due-soon" and d["due_at"] == "2027-03-02T08:00:00.000000Z"
    assert deadline(case, "usps-501.11", "written-report")["state"] == "not-yet-triggered"

    # the regulator sees it; other members do not (404, as if it did not exist)
    assert api(h, "GET", "/cases/%d" % cid, "rita").status_code == 200
    for other in ("bob", "alice", "admin", "carol"):
        assert api(h, "GET", "/cases/%d" % cid, other).status_code == 404, other
        assert cid not in [c["id"] for c in api(h, "GET", "/cases", other).json()["cases"]]

    # required fields are checked
    r = api(h, "POST", "/cases/%d/filings" % cid, "mike",
            {"regime": "usps-501.11", "stage": "notification",
             "content": {"finding_kind": "testing-finding", "description": "replay"}})
    assert r.status_code == 400 and "affected_models" in r.json()["description"], r.text

    set_clock(h, "2027-03-01T20:00:00Z")
    notif = {"finding_kind": "testing-finding", "description": "replayed indicium accepted",
             "affected_models": ["SM-200"], "risk_description": "revenue loss by replay"}
    r = api(h, "POST", "/cases/%d/filings" % cid, "mike",
            {"regime": "usps-501.11", "stage": "notification", "content": notif})
    assert r.status_code == 201, r.text
    receipt = r.json()
    rc = receipt["receipt"]
    assert rc["case_id"] == "case-%d" % cid and rc["stage"] == "notification"
    assert rc["on_time"] is True and rc["late_by_seconds"] == 0
    assert rc["filed_at"] == "2027-03-01T20:00:00.000000Z"
    assert rc["due_at"] == "2027-03-02T08:00:00.000000Z"
    out = verify_receipt(h, receipt, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    # a tampered receipt fails offline verification
    bad = json.loads(json.dumps(receipt))
    bad["receipt"]["filed_at"] = "2027-03-01T19:00:00.000000Z"
    out = verify_receipt(h, bad, tmp_path)
    assert out.returncode == 1

    # immutable: a second original is refused, a correction supersedes
    r = api(h, "POST", "/cases/%d/filings" % cid, "mike",
            {"regime": "usps-501.11", "stage": "notification", "content": notif})
    assert r.status_code == 409 and "supersedes" in r.json()["description"]
    fixed = dict(notif, affected_models=["SM-200", "SM-300"])
    r = api(h, "POST", "/cases/%d/filings" % cid, "mike",
            {"regime": "usps-501.11", "stage": "notification", "content": fixed,
             "supersedes": rc["filing_id"]})
    assert r.status_code == 201, r.text
    assert r.json()["receipt"]["due_at"] is None

    case = api(h, "GET", "/cases/%d" % cid, "mike").json()
    assert deadline(case, "usps-501.11", "notification")["state"] == "filed-on-time"
    wr = deadline(case, "usps-501.11", "written-report")
    assert wr["state"] == "waiting-for-regulator"

    # only the regulator the regime is addressed to sets the per-case limit
    limit = {"regime": "usps-501.11", "stage": "written-report", "unit": "hours", "value": 72}
    assert api(h, "POST", "/cases/%d/limits" % cid, "mike", limit).status_code == 403
    assert api(h, "POST", "/cases/%d/limits" % cid, "bob", limit).status_code == 404
    r = api(h, "POST", "/cases/%d/limits" % cid, "rita",
            {"regime": "usps-501.11", "stage": "notification", "unit": "hours", "value": 5})
    assert r.status_code == 400 and "fixed time limit" in r.json()["description"]
    r = api(h, "POST", "/cases/%d/limits" % cid, "rita", limit)
    assert r.status_code == 200, r.text
    wr = deadline(r.json(), "usps-501.11", "written-report")
    assert wr["state"] == "open" and wr["due_at"] == "2027-03-04T20:00:00.000000Z"

    set_clock(h, "2027-03-03T09:00:00Z")
    r = api(h, "POST", "/cases/%d/filings" % cid, "mike",
            {"regime": "usps-501.11", "stage": "written-report",
             "content": {"circumstances": "lab test", "proposed_investigative_procedure": "audit",
                         "anticipated_completion_date": "2027-04-01"}})
    assert r.status_code == 201 and r.json()["receipt"]["on_time"] is True
    r = api(h, "POST", "/cases/%d/limits" % cid, "rita",
            {"regime": "usps-501.11", "stage": "status-report", "unit": "days", "value": 30})
    assert r.status_code == 200, r.text
    sr = deadline(r.json(), "usps-501.11", "status-report")
    assert sr["due_at"] == "2027-04-02T09:00:00.000000Z" and sr["state"] == "open"

    # status moves, with who and when; backwards is refused
    for to in ("open", "contained"):
        r = api(h, "POST", "/cases/%d/status" % cid, "mike", {"status": to})
        assert r.status_code == 200 and r.json()["status"] == to, r.text
    assert api(h, "POST", "/cases/%d/status" % cid, "mike", {"status": "open"}).status_code == 409
    assert api(h, "POST", "/cases/%d/status" % cid, "rita", {"status": "closed"}).status_code == 403
    case = r.json()
    assert case["handled_at"] == "2027-03-03T09:00:00.000000Z"
    assert [m["to"] for m in case["moves"]] == ["new", "open", "contained"]
    assert deadline(case, "usps-501.11", "summary-of-findings")["state"] == "waiting-for-regulator"
    r = api(h, "POST", "/cases/%d/limits" % cid, "rita",
            {"regime": "usps-501.11", "stage": "summary-of-findings", "due_at": "2027-03-10T00:00:00Z"})
    assert r.status_code == 200
    set_clock(h, "2027-03-11T00:00:00Z")
    r = api(h, "POST", "/cases/%d/filings" % cid, "mike",
            {"regime": "usps-501.11", "stage": "summary-of-findings",
             "content": {"findings": "replay window closed in firmware 2.1"}})
    assert r.status_code == 201
    assert r.json()["receipt"]["on_time"] is False
    assert r.json()["receipt"]["late_by_seconds"] == 86400

    # compliance: only for regulators, per provider
    assert api(h, "GET", "/compliance", "mike").status_code == 403
    comp = api(h, "GET", "/compliance", "rita").json()
    meter = [p for p in comp["providers"] if p["provider"] == "meterco"][0]
    # (the demo community's own 501.11 case from mike counts too: never filed, overdue now)
    assert meter["cases"] == 2 and meter["filings_on_time"] == 2 and meter["filings_late"] == 1
    assert meter["overdue_now"] == 1 and meter["time_to_file_avg_seconds"] > 0

    # 501.11(d): internal reporting procedures on file, visible to the regulator
    r = api(h, "PUT", "/providers/meterco/documents/internal-reporting-procedures", "mike",
            {"content": "1. Tell security@meterco within 1 h ...", "recipient": "postreg"})
    assert r.status_code == 201, r.text
    docs = api(h, "GET", "/providers/meterco/documents", "rita").json()["documents"]
    assert docs[0]["document"] == "internal-reporting-procedures" and docs[0]["recipient"] == "postreg"
    assert api(h, "GET", "/providers/meterco/documents", "bob").status_code == 404
    assert api(h, "PUT", "/providers/meterco/documents/internal-reporting-procedures", "bob",
               {"content": "x", "recipient": "postreg"}).status_code == 404

    # filings cannot be changed in the database either
    h.stop()
    con = sqlite3.connect(h.db[len("sqlite:"):])
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        con.execute("UPDATE case_filings SET content = '{}'")
    con.close()
    h.start()


def test_nis2_case_late_filing_request_and_time_zones(make_hub, tmp_path):
    h = make_hub(TEST_ARGS)
    set_clock(h, "2027-03-01T02:00:00Z")
    r = api(h, "POST", "/cases", "bob", NIS2_CASE, params={"tz": "Europe/Paris"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    ew = deadline(r.json(), "nis2-art23", "early-warning")
    assert ew["due_at"] == "2027-03-02T00:00:00.000000Z"
    assert ew["due_at_local"] == "2027-03-02T01:00:00+01:00"
    # the regulator cannot file; a member of another organisation cannot even see it
    assert api(h, "GET", "/cases/%d" % cid, "alice").status_code == 404
    assert api(h, "GET", "/cases/%d" % cid, "rita").status_code == 200

    # a corrected trigger time moves the deadlines at once
    r = api(h, "PATCH", "/cases/%d" % cid, "bob", {"aware_at": "2027-03-01T01:00:00Z"})
    assert r.status_code == 200, r.text
    assert deadline(r.json(), "nis2-art23", "early-warning")["due_at"] == "2027-03-02T01:00:00.000000Z"
    r = api(h, "PATCH", "/cases/%d" % cid, "bob", {"aware_at": "2027-02-01T00:00:00Z"})
    assert r.status_code == 400 and "aware_at" in r.json()["description"]
    assert api(h, "PATCH", "/cases/%d" % cid, "rita", {"title": "x"}).status_code == 403

    # 30 hours after awareness: early warning overdue (deadlines endpoint)
    set_clock(h, "2027-03-02T07:00:00Z")
    dl = api(h, "GET", "/deadlines", "bob", params={"tz": "America/New_York"}).json()
    over = [d for d in dl["overdue"] if d["case"] == cid]
    assert [d["stage"] for d in over] == ["early-warning"]
    assert over[0]["due_at_local"] == "2027-03-01T20:00:00-05:00"
    assert [d["stage"] for d in dl["open"] if d["case"] == cid] == ["incident-notification"]
    assert api(h, "GET", "/deadlines", "bob", params={"tz": "Mars/Olympus"}).status_code == 400
    assert api(h, "GET", "/deadlines", "bob", params={"tz": "../../etc/passwd"}).status_code == 400
    assert api(h, "GET", "/deadlines", "alice").json()["overdue"] == []

    r = api(h, "POST", "/cases/%d/filings" % cid, "bob",
            {"regime": "nis2-art23", "stage": "early-warning",
             "content": {"suspected_malicious": True, "cross_border_impact": False}})
    assert r.status_code == 201, r.text
    rc = r.json()["receipt"]
    assert rc["on_time"] is False and rc["late_by_seconds"] == 6 * 3600
    assert verify_receipt(h, r.json(), tmp_path).returncode == 0

    r = api(h, "POST", "/cases/%d/filings" % cid, "bob",
            {"regime": "nis2-art23", "stage": "incident-notification",
             "content": {"initial_assessment": "DDoS, 5 h outage",
                         "indicators_of_compromise": ["c2-botnet-demo.example"]}})
    assert r.status_code == 201 and r.json()["receipt"]["on_time"] is True

    # the regulator requests an intermediate report: a new stage instance with its deadline
    assert api(h, "POST", "/cases/%d/requests" % cid, "bob",
               {"regime": "nis2-art23", "due_at": "2027-03-09T00:00:00Z"}).status_code == 403
    r = api(h, "POST", "/cases/%d/requests" % cid, "rita",
            {"regime": "nis2-art23", "due_at": "2027-03-09T00:00:00Z", "note": "botnet size?"})
    assert r.status_code == 201, r.text
    ir = deadline(r.json(), "nis2-art23", "intermediate-report", 1)
    assert ir["state"] == "open" and ir["due_at"] == "2027-03-09T00:00:00.000000Z"
    r = api(h, "POST", "/cases/%d/requests" % cid, "rita",
            {"regime": "nis2-art23", "stage": "final-report"})
    assert r.status_code == 400
    set_clock(h, "2027-03-08T12:00:00Z")
    r = api(h, "POST", "/cases/%d/filings" % cid, "bob",
            {"regime": "nis2-art23", "stage": "intermediate-report",
             "content": {"status_update": "botnet of ~2000 hosts"}})
    assert r.status_code == 201 and r.json()["receipt"]["on_time"] is True
    assert r.json()["receipt"]["due_at"] == "2027-03-09T00:00:00.000000Z"

    # final report due one calendar month after the notification; handled before that
    r = api(h, "POST", "/cases/%d/status" % cid, "bob", {"status": "contained"})
    assert r.status_code == 200
    fr = deadline(r.json(), "nis2-art23", "final-report")
    assert fr["due_at"] == "2027-04-02T07:00:00.000000Z"
    case = api(h, "GET", "/cases/%d" % cid, "bob", params={"tz": "Europe/Paris"}).json()
    assert deadline(case, "nis2-art23", "final-report")["due_at_local"] == "2027-04-02T09:00:00+02:00"
    assert deadline(case, "nis2-art23", "progress-report")["state"] == "not-required"

    comp = api(h, "GET", "/compliance", "rita").json()
    south = [p for p in comp["providers"] if p["provider"] == "southpost"][0]
    assert south["filings_late"] == 1 and south["filings_on_time"] == 2


def test_case_input_refusals(make_hub):
    h = make_hub(TEST_ARGS)
    bad = [
        ({"category": "fraud", "type": "ddos"}, "ddos"),
        ({"category": "nonsense"}, "nonsense"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"revenue_risk": "huge"}, "revenue_risk"),
        ({"tlp": "purple"}, "tlp"),
        ({"discovered_at": "yesterday"}, "discovered_at"),
        ({"regimes": [{"regime": "nis2-art23", "recipient": "postreg"}]}, "does not apply"),
        ({"regimes": [{"regime": "usps-501.11", "recipient": "southpost"}]}, "regulator"),
        ({"regimes": [{"regime": "no-such", "recipient": "postreg"}]}, "no-such"),
        ({"indicators": [{"name": "x", "pattern": "[ipv4-addr:value = "}]}, "pattern"),
        ({"stix_refs": ["indicator--nope"]}, "stix_refs"),
        ({"users": ["nobody-here"]}, "nobody-here"),
        ({"color": "blue"}, "color"),
    ]
    for change, fragment in bad:
        body = dict(PES_CASE, **change)
        r = api(h, "POST", "/cases", "mike", body)
        assert r.status_code == 400, (change, r.text)
        assert fragment in r.json()["description"], (change, r.text)
    body = dict(PES_CASE)
    del body["title"]
    assert api(h, "POST", "/cases", "mike", body).status_code == 400
    # read-only users and regulators do not report cases
    assert api(h, "POST", "/cases", "sara", NIS2_CASE).status_code == 403
    assert api(h, "POST", "/cases", "mike", raw="{}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert api(h, "GET", "/cases/999", "mike").status_code == 404
    assert api(h, "GET", "/cases/abc", "mike").status_code == 404
    # no test clock without the flag
    assert api(h, "GET", "/test/clock", "bob").status_code == 403


def test_test_clock_needs_the_flag(hub):
    r = api(hub, "PUT", "/test/clock", "admin", {"now": "2027-01-01T00:00:00Z"})
    assert r.status_code == 404
    assert api(hub, "GET", "/receipts/key", "bob").json()["alg"] == "Ed25519"


def test_access_red_case_and_regulator_scope(make_hub):
    h = make_hub(TEST_ARGS)
    red = dict(NIS2_CASE, tlp="red", users=["nils"])
    r = api(h, "POST", "/cases", "alice", red)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    # RED: the reporting user and named users only, not even the same organisation
    assert api(h, "GET", "/cases/%d" % cid, "alice").status_code == 200
    assert api(h, "GET", "/cases/%d" % cid, "nils").status_code == 200
    assert api(h, "GET", "/cases/%d" % cid, "nadia").status_code == 404
    assert api(h, "GET", "/cases/%d" % cid, "rita").status_code == 404
    # an AMBER case of the same organisation is visible to colleagues and the regulator
    r = api(h, "POST", "/cases", "alice", dict(NIS2_CASE, tlp="amber"))
    cid2 = r.json()["id"]
    assert api(h, "GET", "/cases/%d" % cid2, "nadia").status_code == 200
    assert api(h, "GET", "/cases/%d" % cid2, "rita").status_code == 200
    assert api(h, "GET", "/cases/%d" % cid2, "bob").status_code == 404
    # the regulator sees only cases addressed to it
    r = api(h, "POST", "/cases", "bob", dict(NIS2_CASE, regimes=[
        {"regime": "post-isac-voluntary", "recipient": "postreg"}]))
    assert r.status_code == 201, r.text
    ids = sorted(c["id"] for c in api(h, "GET", "/cases", "rita").json()["cases"])
    assert ids == [1, 2, cid2, r.json()["id"]]   # 1 and 2: the demo cases, addressed to postreg
    # a colleague who is not a reporter-side role cannot write
    assert api(h, "POST", "/cases/%d/filings" % cid2, "rita",
               {"regime": "nis2-art23", "stage": "early-warning",
                "content": {"suspected_malicious": True, "cross_border_impact": False}}).status_code == 403
    # reading a RED case is audited
    h.stop()
    con = sqlite3.connect(h.db[len("sqlite:"):])
    reads = con.execute("SELECT actor FROM audit_log WHERE action = 'case.read'").fetchall()
    con.close()
    assert ("user:alice",) in reads and ("user:nils",) in reads
    h.start()


def test_attachments(make_hub):
    h = make_hub(TEST_ARGS + ["--attachment-max", "4096"])
    cid = api(h, "POST", "/cases", "bob", NIS2_CASE).json()["id"]
    path = "/cases/%d/attachments" % cid

    def up(name, data, ctype="application/octet-stream", user="bob"):
        return api(h, "POST", path, user, raw=data, headers={"Content-Type": ctype},
                   params={"filename": name} if name is not None else None)

    png = png_bytes()
    r = up("screen.png", png, "image/png")
    assert r.status_code == 201, r.text
    assert r.json()["media_type"] == "image/png" and r.json()["size"] == len(png)
    aid = r.json()["id"]
    r = up("shot.jpg", jpeg_bytes())
    assert r.status_code == 201 and r.json()["media_type"] == "image/jpeg", r.text
    r = up("report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    assert r.status_code == 201 and r.json()["media_type"] == "application/pdf", r.text
    r = up("notes.txt", "Zeitstempel: 09:30 — Über alles\n".encode())
    assert r.status_code == 201 and r.json()["media_type"] == "text/plain", r.text
    pdf_id = r.json()["id"] - 1

    refusals = [
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "application/octet-stream", 400),
        ("screen.png", png[:-12], "image/png", 400),          # truncated: no IEND
        ("screen.png", png + b"junk", "image/png", 400),       # data after IEND
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png", 400),
        ("notes.txt", png, "image/png", 400),                  # extension does not match
        ("screen.png", png, "application/pdf", 400),           # declared type does not match
        ("bin.txt", b"abc\x00def", "text/plain", 400),
        ("big.txt", b"a" * 5000, "text/plain", 413),
        ("../../etc/passwd.txt", b"hello", "text/plain", 400),
        ("a/b.txt", b"hello", "text/plain", 400),
        ("..\\x.txt", b"hello", "text/plain", 400),
        (".hidden.txt", b"hello", "text/plain", 400),
        ('x";.txt', b"hello", "text/plain", 400),
        (None, b"hello", "text/plain", 400),
        ("empty.txt", b"", "text/plain", 400),
    ]
    for name, data, ctype, status in refusals:
        r = up(name, data, ctype)
        assert r.status_code == status, (name, r.status_code, r.text)

    r = api(h, "GET", "%s/%d" % (path, aid), "bob")
    assert r.status_code == 200 and r.content == png
    assert r.headers["Content-Type"] == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert r.headers["Content-Disposition"] == 'inline; filename="screen.png"'
    r = api(h, "GET", "%s/%d" % (path, pdf_id), "bob")
    assert r.headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    case = api(h, "GET", "/cases/%d" % cid, "bob").json()
    assert [a["filename"] for a in case["attachments"]] == ["screen.png", "shot.jpg", "report.pdf", "notes.txt"]
    # every time of a case is RFC 3339 UTC, the attachments' too
    for a in case["attachments"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", a["added_at"]), a
    # only readers of the case; others get 404
    assert api(h, "GET", "%s/%d" % (path, aid), "alice").status_code == 404
    assert up("x.png", png, "image/png", user="alice").status_code == 404
    assert api(h, "GET", "%s/%d" % (path, aid), "rita").status_code == 200
    assert api(h, "GET", "%s/999" % path, "bob").status_code == 404
    h.stop()
    con = sqlite3.connect(h.db[len("sqlite:"):])
    n = con.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'case.attachment.read'").fetchone()[0]
    con.close()
    assert n == 3
    h.start()


def test_share_indicators_to_community(make_hub):
    h = make_hub(TEST_ARGS)
    cid = api(h, "POST", "/cases", "bob", NIS2_CASE).json()["id"]
    coll = h.collections["community"]
    r = api(h, "POST", "/cases/%d/share" % cid, "bob", {"collection": coll, "tlp": "clear"})
    assert r.status_code == 400 and "looser" in r.json()["description"]
    r = api(h, "POST", "/cases/%d/share" % cid, "alice", {"collection": coll})
    assert r.status_code == 404
    r = api(h, "POST", "/cases/%d/share" % cid, "bob", {"collection": coll, "indicators": [0]})
    assert r.status_code == 201, r.text
    res = r.json()
    assert res["success"] == 3 and res["failure"] == 0 and res["tlp"] == "green"
    types = sorted(o.split("--")[0] for o in res["objects"])
    assert types == ["indicator", "report", "sighting"]
    # a member of the community reads them over TAXII, under the case's TLP
    r = h.get(h.objects_path("community"), "alice", params={"match[type]": "indicator"})
    pats = [o["pattern"] for o in r.json().get("objects", [])]
    assert "[domain-name:value = 'c2-botnet-demo.example']" in pats


def test_cli_case_commands(make_hub, tmp_path):
    h = make_hub(TEST_ARGS)
    h.stop()
    db = h.db

    def run(*args, ok=True):
        p = subprocess.run([h.bin] + list(args), capture_output=True, text=True, timeout=120)
        if ok:
            assert p.returncode == 0, p.stderr
        return p

    for sub in ("new", "list", "show", "file", "status"):
        p = run("case", sub, "--help")
        assert "usage: postisac case " + sub in p.stdout
    assert "verify" in run("audit", "--help").stdout
    body = tmp_path / "case.json"
    body.write_text(json.dumps(dict(PES_CASE, regimes=[])))
    shot = tmp_path / "screen.png"
    shot.write_bytes(png_bytes())
    p = run("case", "new", "--db", db, "--as", "mike", "--from", str(body), "--regime",
            "usps-501.11:postreg", "--title", "CLI case", "--attach", str(shot), "--json")
    case = json.loads(p.stdout)
    assert case["title"] == "CLI case" and case["attachments"][0]["filename"] == "screen.png"
    cid = case["id"]
    p = run("case", "list", "--db", db, "--as", "rita", "--json")
    assert [c["id"] for c in json.loads(p.stdout)["cases"]] == [1, 2, cid]  # with the demo cases
    p = run("case", "show", str(cid), "--db", db, "--as", "bob", ok=False)
    assert p.returncode == 1 and "no such case" in p.stderr
    content = tmp_path / "notif.json"
    content.write_text(json.dumps({"finding_kind": "cyber-attack", "description": "d",
                                   "affected_models": ["X"], "risk_description": "r"}))
    rfile = tmp_path / "receipt.json"
    p = run("case", "file", "case-%d" % cid, "--db", db, "--as", "mike", "--regime", "usps-501.11",
            "--stage", "notification", "--content", str(content), "--receipt-out", str(rfile), "--json")
    assert json.loads(p.stdout)["receipt"]["stage"] == "notification"
    h.start()
    key = api(h, "GET", "/receipts/key", "mike").json()
    h.stop()
    p = run("receipt", "verify", str(rfile), "--key-hex", key["public_key"])
    p = run("case", "status", str(cid), "--db", db, "--as", "mike", "--to", "open", "--json")
    assert json.loads(p.stdout)["status"] == "open"
    p = run("case", "status", str(cid), "--db", db, "--as", "mike", "--to", "new", ok=False)
    assert p.returncode == 1 and "forward" in p.stderr
    p = run("case", "show", str(cid), "--db", db, "--as", "rita", "--tz", "Europe/Paris", "--json")
    assert json.loads(p.stdout)["timezone"] == "Europe/Paris"
    p = run("case", "new", "--db", db, "--json", ok=False)
    assert p.returncode == 2 and "--as" in p.stderr
    h.start()


def audit_verify(h):
    p = subprocess.run([h.bin, "audit", "verify", "--db", h.db, "--json"], capture_output=True,
                       text=True, timeout=120)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else p.stderr


def test_audit_chain_detects_tampering(make_hub):
    h = make_hub(TEST_ARGS)
    cid = api(h, "POST", "/cases", "bob", NIS2_CASE).json()["id"]
    api(h, "PATCH", "/cases/%d" % cid, "bob", {"location": "Madrid"})
    api(h, "POST", "/cases/%d/status" % cid, "bob", {"status": "open"})
    api(h, "POST", "/cases/%d/filings" % cid, "bob",
        {"regime": "nis2-art23", "stage": "early-warning",
         "content": {"suspected_malicious": True, "cross_border_impact": False}})
    # admin API and TAXII changes are audited too
    api(h, "POST", "/orgs", "admin", {"slug": "westpost", "name": "Westland Post",
                                      "type": "postal-operator"})
    h.stop()
    path = h.db[len("sqlite:"):]
    rc, rep = audit_verify(h)
    assert rc == 0 and rep["result"] == "intact", rep
    n = rep["entries"]
    assert n >= 5
    con = sqlite3.connect(path)
    actions = [a for (a,) in con.execute("SELECT action FROM audit_log ORDER BY pos")]
    # entries 1 and 2 are the demo cases created by `postisac init --demo`
    assert actions[:6] == ["case.create", "case.create", "case.create", "case.update",
                           "case.status", "case.file"], actions

    # edited: change one entry's detail
    con.execute("UPDATE audit_log SET detail = '{\"changed\":[\"title\"]}' WHERE seq = 4")
    con.commit()
    rc, rep = audit_verify(h)
    assert rc == 1 and rep["result"] == "edited" and rep["seq"] == 4, rep
    con.execute("UPDATE audit_log SET detail = ?1 WHERE seq = 4",
                (json.dumps({"changed": ["location"]}, separators=(",", ":")),))
    con.commit()
    assert audit_verify(h)[0] == 0

    # removed: delete entry 3
    row = con.execute("SELECT * FROM audit_log WHERE seq = 3").fetchone()
    con.execute("DELETE FROM audit_log WHERE seq = 3")
    con.commit()
    rc, rep = audit_verify(h)
    assert rc == 1 and rep["result"] in ("removed", "edited") and rep["seq"] in (3, 4), rep
    con.execute("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?)", row)
    con.commit()
    assert audit_verify(h)[0] == 0

    # reordered: swap the storage positions of entries 3 and 4
    con.execute("UPDATE audit_log SET pos = -pos WHERE seq IN (3, 4)")
    con.execute("UPDATE audit_log SET pos = (SELECT -pos FROM audit_log a WHERE a.seq = 7 - audit_log.seq) "
                "WHERE seq IN (3, 4)")
    con.commit()
    rc, rep = audit_verify(h)
    assert rc == 1 and rep["result"] == "reordered", rep

    # removed at the end: the expected tip is no longer there
    con.close()
    h.start()


def test_serve_refuses_bad_regimes(tmp_path, hub):
    data = tmp_path / "data"
    (data / "regimes").mkdir(parents=True)
    src = os.path.join(os.path.dirname(__file__), "..", "..", "data")
    (data / "rsit.json").write_text(open(os.path.join(src, "rsit.json")).read())
    doc = json.load(open(os.path.join(src, "regimes", "nis2-art23.json")))
    doc["stages"][0]["time_limit"] = {"unit": "weeks", "value": 2}
    (data / "regimes" / "nis2-art23.json").write_text(json.dumps(doc))
    p = subprocess.run([hub.bin, "serve", "--db", "sqlite:" + str(tmp_path / "x.db"),
                        "--data-dir", str(data), "--check-config"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "nis2-art23.json" in p.stderr and "weeks" in p.stderr, p.stderr
    p = subprocess.run([hub.bin, "serve", "--db", "sqlite:" + str(tmp_path / "x.db"),
                        "--check-config"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_taxii_reads_of_red_objects_are_audited(hub):
    # the demo community holds one TLP:RED indicator, by Alice for Bob
    r = hub.get(hub.objects_path("community"), "bob")
    assert r.status_code == 200
    assert any("red-lead-demo.example" in o.get("pattern", "") for o in r.json()["objects"])
    hub.get(hub.objects_path("community"), "alice")   # its creator
    hub.get(hub.objects_path("community"), "carol")   # sees no RED object: no entry
    p = subprocess.run([hub.bin, "audit", "verify", "--db", hub.db, "--json"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and json.loads(p.stdout)["result"] == "intact", p.stdout + p.stderr
    con = sqlite3.connect(hub.db[len("sqlite:"):])
    rows = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'taxii.read'").fetchall()
    posts = con.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'taxii.post'").fetchone()[0]
    con.close()
    assert rows == [("user:bob", '{"tlp":"red","objects":1}'),
                    ("user:alice", '{"tlp":"red","objects":1}')]
    assert posts == 0   # init --demo stores through ingest directly, not TAXII


def test_receipt_key_is_public(shared_hub):
    """Anyone must be able to check a receipt offline: the key needs no credentials,
    while every other API resource still does."""
    h = shared_hub
    anon = requests.get(h.url + "/api/v1/receipts/key", timeout=30)
    assert anon.status_code == 200, anon.text
    assert anon.json() == api(h, "GET", "/receipts/key", "bob").json()
    assert anon.json()["alg"] == "Ed25519"
    assert requests.get(h.url + "/api/v1/me", timeout=30).status_code == 401
    assert requests.get(h.url + "/api/v1/receipts", timeout=30).status_code == 401
