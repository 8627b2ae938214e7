#!/usr/bin/env python3
"""Bulk import and feed export benchmarks (issue 3, part B), each beside a limit measured in
the same run.

1. Import: `postisac import` of a generated N-indicator STIX bundle (the rows taxii_bench.py
   generates: validated, pattern-parsed, indexed, durable in batches of 1,000), objects/s, as
   a ratio to raw SQLite inserts of the same rows (bench/raw_insert, one transaction).
2. Peak memory of the import (/usr/bin/time -v, maximum resident set size) for a 100,000- and
   an N-object bundle: the same peak means memory does not grow with the file.
3. Export: `postisac export` of the N indicators to each feed format: seconds and MB/s.

Usage: bench/feeds_bench.py BINARY [--objects N]
Writes its report to bench/out/feeds.txt as well as stdout.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from taxii_bench import generate  # noqa: E402  (the same rows as the TAXII benchmark)

FORMATS = ["stix", "csv", "list", "suricata", "rpz", "zeek"]


def tsv_for(n):
    out_dir = os.path.join(HERE, "out")
    os.makedirs(out_dir, exist_ok=True)
    tsv = os.path.join(out_dir, "indicators-%d.tsv" % n)
    if not os.path.exists(tsv):
        generate(tsv + ".tmp", n)
        os.rename(tsv + ".tmp", tsv)
    return tsv


def bundle_for(n):
    """Writes the TSV rows as one STIX bundle, streaming (never the whole bundle in memory)."""
    path = os.path.join(HERE, "out", "bundle-%d.json" % n)
    if os.path.exists(path):
        return path
    with open(tsv_for(n)) as src, open(path + ".tmp", "w") as dst:
        dst.write('{"type": "bundle", "id": "bundle--6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "objects": [\n')
        for i, line in enumerate(src):
            dst.write((",\n" if i else "") + line.split("\t", 2)[2].rstrip("\n"))
        dst.write("\n]}\n")
    os.rename(path + ".tmp", path)
    return path


def timed_import(binary, db, bundle):
    """Runs the import under /usr/bin/time -v; returns (seconds, peak RSS kB, summary)."""
    t0 = time.time()
    r = subprocess.run(["/usr/bin/time", "-v", binary, "import", "--db", db, "--collection",
                        "community", "--as", "alice", "--json", bundle],
                       capture_output=True, text=True)
    secs = time.time() - t0
    if r.returncode != 0:
        raise SystemExit("import failed: " + r.stderr[-2000:])
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return secs, rss, json.loads(r.stdout)


def fresh_db(tmp, name, binary):
    db = "sqlite:" + os.path.join(tmp, name)
    subprocess.run([binary, "init", "--db", db, "--demo", "--json"], capture_output=True, check=True)
    return db


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--objects", type=int, default=1000000)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    raw = os.path.join(os.path.dirname(os.path.dirname(binary)), "..", "bench", "raw_insert")
    lines = []

    def say(s):
        print(s, flush=True)
        lines.append(s)

    small = min(100000, args.objects)
    tmp = tempfile.mkdtemp(prefix="postisac-feeds-bench-", dir=os.path.join(HERE, "out")
                           if os.path.isdir(os.path.join(HERE, "out")) else None)
    try:
        big_bundle = bundle_for(args.objects)
        small_bundle = bundle_for(small)
        r = subprocess.run([raw, os.path.join(tmp, "raw.db"), tsv_for(args.objects)],
                           capture_output=True, text=True, check=True)
        raw_rows, raw_secs, raw_rate = r.stdout.split()
        raw_rate = float(raw_rate)
        r = subprocess.run([raw, "--with-index", os.path.join(tmp, "rawix.db"), tsv_for(args.objects)],
                           capture_output=True, text=True, check=True)
        rawix_rate = float(r.stdout.split()[2])
        say("machine: %s, %d cores (shared with other engineers' builds and tests)"
            % (os.uname().machine, os.cpu_count()))
        say("raw SQLite inserts of the same %s rows, one transaction: %.0f rows/s for the object rows "
            "alone, %.0f rows/s with the observable index rows the hub also writes"
            % (raw_rows, raw_rate, rawix_rate))

        secs_s, rss_s, sum_s = timed_import(binary, fresh_db(tmp, "small.db", binary), small_bundle)
        db = fresh_db(tmp, "big.db", binary)
        secs, rss, summ = timed_import(binary, db, big_bundle)
        assert summ["imported"] == args.objects and summ["rejected"] == 0, summ
        rate = args.objects / secs
        say("import of a %d-object bundle (%.0f MB): %.1f s, %.0f objects/s = %.2f x raw inserts of the "
            "same rows (objects + index; goal >= 0.50), %.2f x the object rows alone"
            % (args.objects, os.path.getsize(big_bundle) / 1e6, secs, rate, rate / rawix_rate,
               rate / raw_rate))
        say("peak memory of the import: %d objects %.1f MB, %d objects %.1f MB"
            % (small, rss_s / 1024, args.objects, rss / 1024))

        for fmt in FORMATS:
            out = os.path.join(tmp, "feed." + fmt)
            t0 = time.time()
            subprocess.run([binary, "export", "--db", db, "--as", "alice", "--format", fmt,
                            "--include-warninglisted", "--output", out], capture_output=True, check=True)
            s = time.time() - t0
            size = os.path.getsize(out)
            say("export %-8s %d indicators: %.1f s, %.0f MB, %.1f MB/s"
                % (fmt, args.objects, s, size / 1e6, size / 1e6 / s))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(HERE, "out", "feeds.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
