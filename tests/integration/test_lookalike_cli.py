"""`postisac lookalike`: help texts, option refusals, and the homoglyph fuzzer against
Debian's dnstwist on labels full of characters whose glyphs are other characters (the
generator makes each two-character replacement in one order only; these labels are where a
mistake in that rule would lose names).

The binary is $POSTISAC_BIN; dnstwist runs without DNS (--format list), so no network is used.
"""
import os
import shutil
import subprocess
import time

import pytest

BIN = os.environ.get("POSTISAC_BIN", "build/check/src/cli/postisac")
DNSTWIST = shutil.which("dnstwist") or "/usr/bin/dnstwist"
TIMEOUT = 120


def run(*args, stdin=None, env=None):
    return subprocess.run([BIN, "lookalike", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=TIMEOUT)


def test_help_lists_every_option_and_exit_status():
    res = run("--help")
    assert res.returncode == 0 and res.stderr == ""
    assert "gen    generate" in res.stdout and "watch  watch" in res.stdout
    res = run("gen", "--help")
    assert res.returncode == 0 and res.stderr == ""
    for word in ("--fuzzers LIST", "--dict FILE", "--tld FILE", "--json", "--list",
                 "FUZZER NAME [UNICODE]", "*original", "vowel-swap", "brand-subdomain",
                 "4000000 permutations", "16000000\ncandidate labels", "100000 lines",
                 "Exit status: 0 on success, 2 on error."):
        assert word in res.stdout, word
    res = run("watch", "--help")
    assert res.returncode == 0 and res.stderr == ""
    for word in ("--brands FILE", "--threshold X", "--json", "--publish HUB",
                 "--collection ID", "--token TOKEN", "POSTISAC_TOKEN", "--tlp LEVEL",
                 "amber+strict", "(default amber)", "NAME<TAB>BRAND<TAB>SCORE<TAB>REASONS",
                 "\"dns_names\"", "\"domains\"", "leaf_cert.all_domains", "256 KiB",
                 "1000000 hits", "0 if anything was found, 1 if nothing, 2 on error"):
        assert word in res.stdout, word
    # every long line fits a terminal
    for text in (run("gen", "--help").stdout, res.stdout):
        assert max(len(line) for line in text.splitlines()) <= 80


def test_usage_errors_exit_2_with_the_usage_on_stderr():
    res = run()
    assert res.returncode == 2 and "usage: postisac lookalike gen|watch" in res.stderr
    res = run("frobnicate")
    assert res.returncode == 2 and "unknown subcommand 'frobnicate'" in res.stderr
    res = run("gen", "--bogus", "usps.com")
    assert res.returncode == 2 and "unknown option '--bogus'" in res.stderr
    assert "usage: postisac lookalike gen" in res.stderr and res.stdout == ""


@pytest.mark.parametrize("option,value", [("--tlp", "green"), ("--token", "t"),
                                          ("--collection", "c")])
def test_publish_options_need_publish(tmp_path, option, value):
    brands = tmp_path / "brands.txt"
    brands.write_text("usps.com\n")
    res = run("watch", "--brands", str(brands), option, value, stdin="usps.net\n")
    assert res.returncode == 2
    assert res.stderr == "postisac lookalike watch: %s only goes with --publish\n" % option
    assert res.stdout == ""


def test_gen_refuses_a_label_with_hundreds_of_millions_of_candidates_at_once():
    t0 = time.monotonic()
    res = run("gen", "--list", "i" * 63 + ".com")
    assert time.monotonic() - t0 < 30
    assert res.returncode == 2
    assert res.stderr == ("postisac lookalike gen: too many homoglyph candidates: use a "
                          "shorter domain or fewer fuzzers\n")
    # the label is at the 63-character limit: additions are too long, omissions are one name
    res = run("gen", "--list", "--fuzzers", "addition,omission", "i" * 63 + ".com")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "i" * 62 + ".com\n"


@pytest.mark.skipif(not os.path.exists(DNSTWIST), reason="dnstwist is not installed")
@pytest.mark.parametrize("domain", ["dhl.com", "rnmwvv.com", "o0o0l1.com", "dclbd.ch",
                                    "mmnnrr.de", "q9g6b.com"])
def test_homoglyphs_equal_dnstwist(domain):
    res = subprocess.run([DNSTWIST, "--fuzzers", "homoglyph", "--format", "list", domain],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 0, res.stderr
    theirs = {x.strip().lower() for x in res.stdout.splitlines() if x.strip()} - {domain}
    res = run("gen", "--fuzzers", "homoglyph", "--list", domain)
    assert res.returncode == 0, res.stderr
    ours = res.stdout.splitlines()
    assert len(ours) == len(set(ours))
    assert ours == sorted(ours)
    assert not theirs - set(ours), sorted(theirs - set(ours))[:10]
    assert not set(ours) - theirs - {domain}, sorted(set(ours) - theirs)[:10]
