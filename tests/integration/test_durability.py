"""Durability: an object the server acknowledged (202, success) survives SIGKILL, and no
object is ever half-written.

A client thread posts single-object envelopes as fast as the server answers (bounded: at most
2,000 posts or 20 s per run) and records each acknowledged object. The main thread kills the
server with SIGKILL at some moment mid-stream, restarts it on the same database, and checks:
every acknowledged object is there and equal to what was sent; every stored object (all
versions) parses and equals an object that was sent (the one in flight at the kill may or
may not be there, but never damaged). Three kills at three different moments."""
import json
import threading
import time

import requests

from taxiiutil import TAXII, envelope, indicator, read_all

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
MAX_POSTS = 2000
MAX_SECONDS = 20


class Poster(threading.Thread):
    def __init__(self, hub, tag):
        super().__init__(daemon=True)
        self.hub = hub
        self.url = hub.url + hub.objects_path()
        self.headers = {"Accept": TAXII, "Content-Type": TAXII,
                        "Authorization": "Bearer " + hub.tokens["alice"]}
        self.tag = tag
        self.sent = {}      # id -> object (every object whose POST was started)
        self.acked = []     # ids acknowledged with 202 + success
        self.error = None
        self.stop = threading.Event()

    def run(self):
        session = requests.Session()
        deadline = time.time() + MAX_SECONDS
        try:
            for i in range(MAX_POSTS):
                if self.stop.is_set() or time.time() > deadline:
                    return
                o = indicator("durability %s %04d" % (self.tag, i), markings=[GREEN],
                              description="payload " + "x" * (i % 500))
                self.sent[o["id"]] = o
                try:
                    r = session.post(self.url, headers=self.headers, data=json.dumps(envelope([o])),
                                     timeout=30)
                except requests.RequestException:
                    return  # the server went away: expected
                if r.status_code != 202:
                    self.error = "POST answered %d: %s" % (r.status_code, r.text[:300])
                    return
                st = r.json()
                if st.get("success_count") != 1 or st["successes"][0]["id"] != o["id"]:
                    self.error = "unexpected status %s" % r.text[:300]
                    return
                self.acked.append(o["id"])
        except Exception as e:  # noqa: BLE001 - reported to the main thread
            self.error = repr(e)


def run_and_kill(hub, tag, kill_after_acks):
    p = Poster(hub, tag)
    p.start()
    deadline = time.time() + MAX_SECONDS
    while len(p.acked) < kill_after_acks and p.is_alive() and time.time() < deadline:
        time.sleep(0.005)
    assert p.error is None, p.error
    assert p.is_alive(), "the client stopped before the kill (%d acknowledged)" % len(p.acked)
    hub.kill()
    p.join(timeout=60)
    assert not p.is_alive(), "the client did not notice the kill"
    assert p.error is None, p.error
    return p


def check_after_restart(hub, sent, acked, kills):
    base = hub.objects_path()
    for oid in acked:
        r = hub.get(base + oid + "/", user="alice")
        assert r.status_code == 200, "acknowledged %s is lost: %d %s" % (oid, r.status_code, r.text[:200])
        assert r.json()["objects"] == [sent[oid]]
    items, _ = read_all(hub, base, user="alice", params={"match[version]": "all"}, limit=1000)
    seen = set()
    for o in items:
        assert o["id"] not in seen, "%s stored twice" % o["id"]
        seen.add(o["id"])
        if o["name"].startswith("durability"):
            assert o["id"] in sent, "an object nobody sent: %s" % o["id"]
            assert o == sent[o["id"]], "damaged object %s" % o["id"]
    missing = set(acked) - seen
    assert not missing, sorted(missing)[:5]
    in_flight = [i for i in seen if i in sent and i not in set(acked)]
    assert len(in_flight) <= kills, "more than one POST in flight per kill stored without an answer"


def test_acknowledged_objects_survive_sigkill(hub):
    sent, acked = {}, []
    for n, kill_after in enumerate((1, 40, 200)):
        p = run_and_kill(hub, "run%d" % n, kill_after)
        assert len(p.acked) >= kill_after
        sent.update(p.sent)
        acked.extend(p.acked)
        hub.start()
        check_after_restart(hub, sent, acked, n + 1)
    # the hub still works after three crashes
    o = indicator("after the crashes", markings=[GREEN])
    r = hub.post(hub.objects_path(), user="alice", body=envelope([o]))
    assert r.status_code == 202 and r.json()["success_count"] == 1
    assert hub.get(hub.objects_path() + o["id"] + "/", user="alice").json()["objects"] == [o]


def test_kill_between_requests_loses_nothing(hub):
    objs = [indicator("quiet %d" % i, markings=[GREEN]) for i in range(30)]
    for o in objs:
        r = hub.post(hub.objects_path(), user="alice", body=envelope([o]))
        assert r.status_code == 202 and r.json()["success_count"] == 1
    hub.kill()
    hub.start()
    got, _ = read_all(hub, hub.objects_path(), user="alice", limit=1000)
    by_id = {o["id"]: o for o in got}
    for o in objs:
        assert by_id.get(o["id"]) == o
