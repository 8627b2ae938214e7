"""Fixtures for integration tests: a real `postisac serve` on a free loopback port with a
fresh demo database in a temporary directory.

    hub.url          base URL, e.g. http://127.0.0.1:41234
    hub.users        {username: {"password", "token", "org", "role", "identity_id"}}
    hub.tokens       {username: token}
    hub.collections  {"community": uuid, "europe-posts": uuid, "<org>-private": uuid}
    hub.org_identities {org slug: identity id} (for x_postisac_recipients)
    hub.db           "sqlite:/tmp/.../hub.db"
    hub.bin          path of the binary under test
    hub.get/post/delete(path, user=None, **kw)   requests with the user's Bearer token
    hub.stop() / hub.kill() / hub.start()        process control (durability tests)

The server must exit cleanly on SIGTERM with no sanitizer report: teardown checks it.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

import pytest
import requests

BIN = os.environ.get("POSTISAC_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "check", "src", "cli", "postisac")
STIX_DIR = os.environ.get("PI_STIX_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared", "stix")
TAXII = "application/taxii+json;version=2.1"


class Hub:
    def __init__(self, tmp, extra_args=()):
        self.tmp = tmp
        self.bin = os.path.abspath(BIN)
        self.db = "sqlite:" + os.path.join(tmp, "hub.db")
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(tmp, "serve.log")
        out = subprocess.run([self.bin, "init", "--db", self.db, "--demo", "--json"],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        info = json.loads(out.stdout)
        self.users = {u["username"]: u for u in info["users"]}
        self.tokens = {u["username"]: u["token"] for u in info["users"]}
        self.collections = info["collections"]
        self.org_identities = info["orgs"]
        self.session = requests.Session()

    def start(self):
        port_file = os.path.join(self.tmp, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.bin, "serve", "--db", self.db, "--port", "0", "--port-file", port_file,
             "--log-level", "warn"] + self.extra_args,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    self.port = int(f.read().strip())
                self.url = "http://127.0.0.1:%d" % self.port
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log())
            time.sleep(0.05)
        raise RuntimeError("server did not start within 30 s")

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        """SIGTERM; asserts a clean exit without sanitizer reports."""
        if not self.proc:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not stop within 60 s of SIGTERM")
        self.proc = None
        self.log.close()
        log = self.read_log()
        assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]
        assert rc == 0, "server exit status %d\n%s" % (rc, log[-4000:])

    def kill(self):
        """SIGKILL: no clean-up at all (durability tests)."""
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.log.close()

    def headers(self, user, extra=None):
        h = {"Accept": TAXII}
        if user:
            h["Authorization"] = "Bearer " + self.tokens[user]
        if extra:
            h.update(extra)
        return h

    def get(self, path, user=None, headers=None, **kw):
        return self.session.get(self.url + path, headers=self.headers(user, headers), timeout=60, **kw)

    def delete(self, path, user=None, headers=None, **kw):
        return self.session.delete(self.url + path, headers=self.headers(user, headers), timeout=60, **kw)

    def post(self, path, user=None, body=None, headers=None, **kw):
        h = self.headers(user, {"Content-Type": TAXII})
        if headers:
            h.update(headers)
        data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        return self.session.post(self.url + path, headers=h, data=data, timeout=120, **kw)

    def objects_path(self, collection="community"):
        return "/taxii2/hub/collections/%s/objects/" % self.collections[collection]


@pytest.fixture
def hub():
    """A fresh hub per test (demo community, own database)."""
    with tempfile.TemporaryDirectory(prefix="postisac-test-") as tmp:
        h = Hub(tmp).start()
        try:
            yield h
        finally:
            h.stop()


@pytest.fixture(scope="module")
def shared_hub():
    """One hub for a whole module, for read-only tests."""
    with tempfile.TemporaryDirectory(prefix="postisac-test-") as tmp:
        h = Hub(tmp).start()
        try:
            yield h
        finally:
            h.stop()


@pytest.fixture
def make_hub():
    """Factory: make_hub(extra_args) -> started Hub (stopped at teardown)."""
    hubs = []
    dirs = []

    def factory(extra_args=()):
        d = tempfile.TemporaryDirectory(prefix="postisac-test-")
        dirs.append(d)
        h = Hub(d.name, extra_args).start()
        hubs.append(h)
        return h

    yield factory
    for h in hubs:
        h.stop()
    for d in dirs:
        d.cleanup()
