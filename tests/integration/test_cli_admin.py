"""`postisac org|user|group`: administration from the console, on the database directly.
Exit codes (0 ok, 1 failure, 2 usage), --help, --json output, refusals, and that what the CLI
does is what a running hub then enforces (new passwords, new and revoked tokens)."""
import json
import os
import subprocess
import tempfile

import pytest
import requests

from conftest import BIN

TAXII = "application/taxii+json;version=2.1"


def run(db, *args, stdin=None):
    args = list(args)
    if db and "--help" not in args:
        args[2:2] = ["--db", db]  # after "CMD SUB", so a trailing option still lacks its value
    cmd = [os.path.abspath(BIN)] + args
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120)
    assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
    return p


def ok_json(db, *args, stdin=None):
    p = run(db, *args, "--json", stdin=stdin)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return json.loads(p.stdout)


def fails(db, code, fragment, *args, stdin=None):
    p = run(db, *args, stdin=stdin)
    assert p.returncode == code, (args, p.returncode, p.stdout, p.stderr)
    assert fragment in p.stderr, (fragment, p.stderr)
    return p


@pytest.fixture
def db():
    with tempfile.TemporaryDirectory(prefix="postisac-cli-") as tmp:
        yield "sqlite:" + os.path.join(tmp, "cli.db")


# ---- help and usage ----

@pytest.mark.parametrize("cmd,subs", [
    ("org", ["list", "add", "show", "set"]),
    ("user", ["list", "add", "show", "set", "passwd", "token-add", "token-list", "token-revoke"]),
    ("group", ["list", "add", "show", "add-org", "remove-org"])])
def test_help(cmd, subs):
    p = run(None, cmd, "--help")
    assert p.returncode == 0
    for s in subs:
        assert "\n  %s " % s in p.stdout, (s, p.stdout)
        h = run(None, cmd, s, "--help")
        assert h.returncode == 0 and h.stdout.startswith("usage: postisac %s %s" % (cmd, s))
        assert "--db URL" in h.stdout and "--json" in h.stdout
    p = run(None, cmd)
    assert p.returncode == 2 and "usage: postisac %s SUBCOMMAND" % cmd in p.stderr
    p = run(None, cmd, "frobnicate")
    assert p.returncode == 2 and "unknown subcommand 'frobnicate'" in p.stderr
    top = run(None, "--help")
    assert top.returncode == 0 and ("  %s " % cmd) in top.stdout


def test_usage_errors(db):
    fails(db, 2, "--name and --type are required", "org", "add", "westpost")
    fails(db, 2, "missing argument", "org", "show")
    fails(db, 2, "unexpected argument 'extra'", "org", "show", "a", "extra")
    fails(db, 2, "unknown option '--colour'", "org", "list", "--colour", "red")
    fails(db, 2, "option --name needs a value", "org", "add", "westpost", "--type", "partner",
          "--name")
    fails(db, 2, "option --json takes no value", "org", "list", "--json=yes")
    fails(db, 2, "option --name given twice", "org", "add", "w1", "--name", "a", "--name", "b",
          "--type", "partner")
    fails(db, 2, "nothing to change", "org", "set", "westpost")
    # passwords are never taken from argv
    fails(db, 2, "unknown option '--password'", "user", "add", "u1", "--org", "x", "--role",
          "analyst", "--password", "secret-secret")
    fails(db, 2, "--org and --role are required", "user", "add", "u1")
    fails(db, 2, "exclude each other", "user", "add", "u1", "--org", "x", "--role", "analyst",
          "--password-stdin", "--no-password")
    fails(db, 2, "--disable and --enable exclude each other", "user", "set", "u1", "--disable",
          "--enable")
    fails(db, 2, "ID must be the number of the token", "user", "token-revoke", "u1", "abc")


def test_bad_database():
    p = run("sqlite:/proc/nonexistent/dir/x.db", "org", "list")
    assert p.returncode == 1 and "cannot open the database" in p.stderr


# ---- organisations ----

def test_org_commands(db):
    org = ok_json(db, "org", "add", "westpost", "--name", "Westland Post", "--type",
                  "postal-operator", "--country", "IE")
    assert (org["slug"], org["name"], org["type"], org["country"]) == \
        ("westpost", "Westland Post", "postal-operator", "IE")
    assert org["identity_id"].startswith("identity--")
    ok_json(db, "org", "add", "regu", "--name=The Regulator", "--type=regulator")
    listed = ok_json(db, "org", "list")["orgs"]
    assert [o["slug"] for o in listed] == ["westpost", "regu"]
    assert ok_json(db, "org", "show", "westpost") == org
    changed = ok_json(db, "org", "set", "westpost", "--name", "Westland Post Group", "--country", "")
    assert changed["name"] == "Westland Post Group" and changed["country"] == ""
    assert ok_json(db, "org", "show", "westpost")["name"] == "Westland Post Group"
    # text output for people
    p = run(db, "org", "list")
    assert p.returncode == 0 and p.stdout.splitlines()[0].split() == ["SLUG", "TYPE", "COUNTRY", "NAME"]
    assert "westpost" in p.stdout
    p = run(db, "org", "show", "westpost")
    assert "slug: westpost\n" in p.stdout and "name: Westland Post Group\n" in p.stdout
    # refusals
    fails(db, 1, "an organisation with slug 'westpost' already exists", "org", "add", "westpost",
          "--name", "W", "--type", "partner")
    fails(db, 1, "type: 'courier' is not an organisation type", "org", "add", "c1", "--name", "C",
          "--type", "courier")
    fails(db, 1, "slug: character 1 is not allowed", "org", "add", "West", "--name", "W",
          "--type", "partner")
    fails(db, 1, "two-letter ISO 3166-1", "org", "add", "c2", "--name", "C", "--type", "partner",
          "--country", "ireland")
    fails(db, 1, "name: must not be empty", "org", "add", "c3", "--name", "", "--type", "partner")
    fails(db, 1, "no organisation with slug 'nowhere'", "org", "show", "nowhere")
    fails(db, 1, "no organisation with slug 'nowhere'", "org", "set", "nowhere", "--name", "N")
    fails(db, 1, "is not an organisation type", "org", "set", "westpost", "--type", "bank")
    assert [o["slug"] for o in ok_json(db, "org", "list")["orgs"]] == ["westpost", "regu"]


# ---- users and tokens ----

def test_user_commands(db):
    ok_json(db, "org", "add", "westpost", "--name", "Westland Post", "--type", "postal-operator")
    p = run(db, "user", "add", "wendy", "--org", "westpost", "--role", "org-admin",
            "--display-name", "Wendy W.", "--email", "wendy@westpost.example", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["user"]["username"] == "wendy" and out["user"]["role"] == "org-admin"
    assert out["user"]["org"] == "westpost" and out["user"]["display_name"] == "Wendy W."
    assert len(out["password"]) == 24
    assert "shown only this once" in p.stderr
    out = ok_json(db, "user", "add", "walt", "--org", "westpost", "--role", "analyst",
                  "--password-stdin", stdin="walts long password\n")
    assert "password" not in out and out["user"]["disabled"] is False
    out = ok_json(db, "user", "add", "robot", "--org", "westpost", "--role", "read-only",
                  "--no-password")
    assert "password" not in out
    fails(db, 1, "the username 'walt' is taken", "user", "add", "walt", "--org", "westpost",
          "--role", "analyst", "--no-password")
    fails(db, 1, "no organisation with slug 'nowhere'", "user", "add", "x1", "--org", "nowhere",
          "--role", "analyst", "--no-password")
    fails(db, 1, "role: 'boss' is not a role", "user", "add", "x1", "--org", "westpost",
          "--role", "boss", "--no-password")
    fails(db, 1, "username: character 1 is not allowed", "user", "add", "X1", "--org", "westpost",
          "--role", "analyst", "--no-password")
    fails(db, 1, "email: 'nope' is not an e-mail address", "user", "add", "x1", "--org",
          "westpost", "--role", "analyst", "--email", "nope", "--no-password")
    fails(db, 1, "password: too short", "user", "add", "x1", "--org", "westpost", "--role",
          "analyst", "--password-stdin", stdin="short\n")
    fails(db, 1, "the password is empty", "user", "add", "x1", "--org", "westpost", "--role",
          "analyst", "--password-stdin", stdin="\n")
    fails(db, 1, "nothing to read on standard input", "user", "add", "x1", "--org", "westpost",
          "--role", "analyst", "--password-stdin", stdin="")
    fails(db, 1, "longer than", "user", "add", "x1", "--org", "westpost", "--role", "analyst",
          "--password-stdin", stdin="p" * 2000 + "\n")
    assert [u["username"] for u in ok_json(db, "user", "list")["users"]] == ["wendy", "walt", "robot"]
    assert [u["username"] for u in ok_json(db, "user", "list", "--org", "westpost")["users"]] == \
        ["wendy", "walt", "robot"]
    fails(db, 1, "no organisation with slug 'eastpost'", "user", "list", "--org", "eastpost")
    out = ok_json(db, "user", "set", "walt", "--role", "reporter", "--disable")
    assert out["user"]["role"] == "reporter" and out["user"]["disabled"] is True
    assert ok_json(db, "user", "show", "walt")["user"]["disabled"] is True
    out = ok_json(db, "user", "set", "walt", "--enable", "--display-name", "Walt")
    assert out["user"]["disabled"] is False and out["user"]["display_name"] == "Walt"
    fails(db, 1, "no user 'ghost'", "user", "show", "ghost")
    fails(db, 1, "no user 'ghost'", "user", "passwd", "ghost")
    p = run(db, "user", "list")
    assert p.stdout.splitlines()[0].split() == ["USERNAME", "ORG", "ROLE", "DISABLED", "DISPLAY_NAME"]
    out = ok_json(db, "user", "passwd", "walt")
    assert out["username"] == "walt" and len(out["password"]) == 24
    out = ok_json(db, "user", "passwd", "walt", "--password-stdin", stdin="another long password")
    assert "password" not in out and out["password_changed"] is True


def test_token_commands(db):
    ok_json(db, "org", "add", "westpost", "--name", "Westland Post", "--type", "postal-operator")
    ok_json(db, "user", "add", "walt", "--org", "westpost", "--role", "analyst", "--no-password")
    ok_json(db, "user", "add", "wendy", "--org", "westpost", "--role", "analyst", "--no-password")
    p = run(db, "user", "token-add", "walt", "--name", "firewall", "--json")
    assert p.returncode == 0 and "shown only this once" in p.stderr
    t = json.loads(p.stdout)
    assert t["token"].startswith("pi_") and len(t["token"]) == 46
    assert t["prefix"] == t["token"][:10] and t["name"] == "firewall" and t["username"] == "walt"
    t2 = ok_json(db, "user", "token-add", "walt")
    assert t2["name"] == "unnamed"
    listed = ok_json(db, "user", "token-list", "walt")["tokens"]
    assert [x["id"] for x in listed] == [t["id"], t2["id"]]
    assert t["token"] not in json.dumps(listed)
    revoked = ok_json(db, "user", "token-revoke", "walt", str(t["id"]))
    assert revoked["revoked"] is True and revoked["id"] == t["id"]
    assert [x["revoked"] for x in ok_json(db, "user", "token-list", "walt")["tokens"]] == [True, False]
    fails(db, 1, "user 'wendy' has no token with id %d" % t2["id"], "user", "token-revoke",
          "wendy", str(t2["id"]))
    fails(db, 1, "has no token with id 999", "user", "token-revoke", "walt", "999")
    fails(db, 1, "no user 'ghost'", "user", "token-list", "ghost")
    fails(db, 1, "name: must not be empty", "user", "token-add", "walt", "--name", "")
    p = run(db, "user", "token-list", "walt")
    assert p.stdout.splitlines()[0].split()[:3] == ["ID", "PREFIX", "REVOKED"]


# ---- groups ----

def test_group_commands(db):
    for slug in ("northpost", "southpost"):
        ok_json(db, "org", "add", slug, "--name", slug.title(), "--type", "postal-operator")
    g = ok_json(db, "group", "add", "europe-posts", "--description", "European posts")
    assert g["name"] == "europe-posts" and g["members"] == [] and len(g["collection_id"]) == 36
    fails(db, 1, "a sharing group named 'europe-posts' already exists", "group", "add",
          "europe-posts")
    fails(db, 1, "name: character 1 is not allowed", "group", "add", "Europe")
    g = ok_json(db, "group", "add-org", "europe-posts", "northpost")
    assert [m["slug"] for m in g["members"]] == ["northpost"]
    g = ok_json(db, "group", "add-org", "europe-posts", "southpost")
    g = ok_json(db, "group", "add-org", "europe-posts", "southpost")  # again: no change
    assert [m["slug"] for m in g["members"]] == ["northpost", "southpost"]
    assert ok_json(db, "group", "show", "europe-posts") == g
    listed = ok_json(db, "group", "list")["groups"]
    assert [x["name"] for x in listed] == ["europe-posts"]
    assert listed[0]["collection_id"] == g["collection_id"]
    g = ok_json(db, "group", "remove-org", "europe-posts", "northpost")
    assert [m["slug"] for m in g["members"]] == ["southpost"]
    fails(db, 1, "organisation 'northpost' is not a member of 'europe-posts'", "group",
          "remove-org", "europe-posts", "northpost")
    fails(db, 1, "no organisation with slug 'nowhere'", "group", "add-org", "europe-posts",
          "nowhere")
    fails(db, 1, "no sharing group 'nothing'", "group", "show", "nothing")
    fails(db, 2, "missing argument", "group", "add-org", "europe-posts")
    p = run(db, "group", "show", "europe-posts")
    assert "members: southpost\n" in p.stdout and "name: europe-posts\n" in p.stdout


# ---- the running hub sees what the CLI did ----

def test_cli_changes_apply_to_running_hub(hub):
    def me(**kw):
        return requests.get(hub.url + "/api/v1/me", timeout=60, **kw)

    def taxii(token):
        return requests.get(hub.url + "/taxii2/hub/collections/", timeout=60,
                            headers={"Accept": TAXII, "Authorization": "Bearer " + token})

    # a user created on the console signs in with the password given on stdin
    ok_json(hub.db, "user", "add", "vera", "--org", "eastpost", "--role", "analyst",
            "--password-stdin", stdin="vera's long password\n")
    r = me(auth=("vera", "vera's long password"))
    assert r.status_code == 200 and r.json()["org"]["slug"] == "eastpost"
    # passwd: the new password works, the old one no longer
    old = hub.users["alice"]["password"]
    assert me(auth=("alice", old)).status_code == 200
    new = ok_json(hub.db, "user", "passwd", "alice")["password"]
    assert me(auth=("alice", new)).status_code == 200
    assert me(auth=("alice", old)).status_code == 401
    # a console token works at once and stops at once when revoked
    t = ok_json(hub.db, "user", "token-add", "vera", "--name", "sensor")
    assert taxii(t["token"]).status_code == 200
    ok_json(hub.db, "user", "token-revoke", "vera", str(t["id"]))
    assert taxii(t["token"]).status_code == 401
    # disabling on the console locks the user out of the hub
    ok_json(hub.db, "user", "set", "bob", "--disable")
    assert taxii(hub.tokens["bob"]).status_code == 401
    ok_json(hub.db, "user", "set", "bob", "--enable")
    assert taxii(hub.tokens["bob"]).status_code == 200
    # a group membership added on the console shows in the API
    ok_json(hub.db, "group", "add-org", "europe-posts", "eastpost")
    r = requests.get(hub.url + "/api/v1/me", timeout=60,
                     headers={"Authorization": "Bearer " + hub.tokens["carol"]})
    assert [g["name"] for g in r.json()["groups"]] == ["europe-posts"]
