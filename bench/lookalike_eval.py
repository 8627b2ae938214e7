#!/usr/bin/env python3
"""Precision and recall of `postisac lookalike watch` at the default threshold.

Usage: bench/lookalike_eval.py POSTISAC_BIN [N_UNRELATED [tune]]

Brands: a held-apart list of postal brands (bench/lookalike_domains.txt, lines 26-50: not
the ones the scoring was tuned on). Positives: every permutation `lookalike gen` makes for
them with the lookalike fuzzers (tld-swap with a list of phishing TLDs), sampled to at most
SAMPLE per brand and fuzzer. Negatives: N_UNRELATED (default 1,000,000) random and
dictionary-word names. Prints recall per fuzzer, overall recall (micro, over the sample) and
the false-positive rate, with the goals beside them.
"""
import collections
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lookalike_feed  # noqa: E402

SAMPLE = 60
PHISH_TLDS = ["shop", "top", "xyz", "online", "info", "world", "site", "live", "club", "vip",
              "net", "org", "com", "cc", "buzz", "icu"]


def main():
    binary = sys.argv[1]
    n_unrelated = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(here, "lookalike_domains.txt")) as f:
        all_brands = [x.strip() for x in f if x.strip()]
    # The scoring was tuned with the first 25 ("tune"); the evaluation uses the other 25.
    tune = len(sys.argv) > 3 and sys.argv[3] == "tune"
    brands = all_brands[:25] if tune else all_brands[25:]
    brands_file = os.path.join(out, "eval-brands.txt")
    with open(brands_file, "w") as f:
        f.write("\n".join(brands) + "\n")
    tld_file = os.path.join(out, "eval-tlds.txt")
    with open(tld_file, "w") as f:
        f.write("\n".join(PHISH_TLDS) + "\n")

    rng = random.Random(7)
    positives = {}  # name -> (fuzzer, brand)
    for b in brands:
        res = subprocess.run([binary, "lookalike", "gen", b, "--json", "--tld", tld_file],
                             capture_output=True, text=True, check=True)
        by_fuzzer = collections.defaultdict(list)
        for line in res.stdout.splitlines():
            p = json.loads(line)
            if p["fuzzer"] != "*original":
                by_fuzzer[p["fuzzer"]].append(p["domain"])
        for fz, names in sorted(by_fuzzer.items()):
            names.sort()
            for name in rng.sample(names, min(SAMPLE, len(names))):
                positives.setdefault(name, (fz, b))

    words = lookalike_feed.word_list()
    legit = set(brands)
    feed = os.path.join(out, "eval-feed.txt")
    negatives = 0
    with open(feed, "w") as f:
        for name in lookalike_feed.unrelated_names(n_unrelated, 11, words):
            if name in positives or name in legit:
                continue
            f.write(name + "\n")
            negatives += 1
        for name in positives:
            f.write(name + "\n")

    t0 = time.monotonic()
    res = subprocess.run([binary, "lookalike", "watch", "--brands", brands_file, "--json", feed],
                         capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    if res.returncode not in (0, 1):
        sys.exit("watch failed: " + res.stderr)
    flagged = {}
    for line in res.stdout.splitlines():
        h = json.loads(line)
        flagged[h["name"]] = h
    per = collections.defaultdict(lambda: [0, 0])
    for name, (fz, _b) in positives.items():
        per[fz][1] += 1
        if name in flagged:
            per[fz][0] += 1
    fps = [n for n in flagged if n not in positives]
    with open(os.path.join(out, "eval-missed.txt"), "w") as f:
        for name, (fz, b) in sorted(positives.items(), key=lambda x: x[1]):
            if name not in flagged:
                f.write(f"{fz}\t{b}\t{name}\n")
    found = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    print(f"lookalike eval: {len(brands)} held-apart brands, {total} lookalikes "
          f"(<= {SAMPLE} per brand and fuzzer), {negatives} unrelated names, "
          f"watch took {elapsed:.1f} s")
    print(f"  {'fuzzer':16} {'found':>7} {'of':>7} {'recall':>7}")
    for fz in sorted(per):
        f_, t_ = per[fz]
        print(f"  {fz:16} {f_:7} {t_:7} {f_ / t_:7.3f}")
    recall = found / total if total else 0.0
    fpr = len(fps) / negatives if negatives else 0.0
    print(f"  recall (all lookalike fuzzers): {recall:.4f}   goal >= 0.98")
    print(f"  false positives: {len(fps)} of {negatives} = {fpr * 10000:.2f} in 10,000   "
          f"goal <= 1 in 10,000")
    for n in sorted(fps)[:15]:
        print(f"    fp: {n} -> {flagged[n]['brand']} {flagged[n]['reasons']}")


if __name__ == "__main__":
    main()
