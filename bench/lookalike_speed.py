#!/usr/bin/env python3
"""Speed of `postisac lookalike`, each figure beside its comparison from the same run.

Usage: bench/lookalike_speed.py POSTISAC_BIN [REPETITIONS]   (default 5)

gen:   the 50 postal domains of bench/lookalike_domains.txt; dnstwist --format list once per
       domain (it takes one) against postisac once for all 50, and postisac once per domain;
       REPETITIONS interleaved rounds, medians reported with the range.
watch: 200 brands (the 50 postal domains and 150 synthetic brand-like names) against a
       10,000,000-name feed and a 1,000,000-name feed: names/s on one core (the watcher is
       single-threaded, median of REPETITIONS runs) and peak resident memory of both.
Generated data is kept under bench/out/.
"""
import os
import resource
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lookalike_feed  # noqa: E402


def timed(cmd, stdout=subprocess.DEVNULL, cpu=None):
    """Wall time and the child's peak RSS in KiB (from /usr/bin/time); adds the CPU time
    (user + system) of the child and its children to cpu[0] if cpu is given."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    res = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=stdout,
                         stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}: {res.stderr}")
    if cpu is not None:
        cpu[0] += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = int(res.stderr.strip().splitlines()[-1])
    return wall, rss


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def bench_gen(binary, domains, reps):
    dnstwist = shutil.which("dnstwist")
    if not dnstwist:
        print("gen: dnstwist not installed, no comparison")
        return
    # Interleaved repetitions, so that a burst of load on the shared machine hits both sides.
    t_dt, t_one, t_each, rss = [], [], [], 0
    c_dt, c_one = [], []
    for _ in range(reps):
        total, cpu = 0.0, [0.0]
        for d in domains:
            t, _ = timed([dnstwist, "--format", "list", d], cpu=cpu)
            total += t
        t_dt.append(total)
        c_dt.append(cpu[0])
        cpu = [0.0]
        t, rss = timed([binary, "lookalike", "gen", "--list", *domains], cpu=cpu)
        t_one.append(t)
        c_one.append(cpu[0])
        total = 0.0
        for d in domains:
            t, _ = timed([binary, "lookalike", "gen", "--list", d])
            total += t
        t_each.append(total)
    dt, one, each = median(t_dt), median(t_one), median(t_each)
    print(f"gen, {len(domains)} postal domains, all default fuzzers, median of {reps} runs "
          f"(min-max):")
    print(f"  dnstwist --format list (one run per domain): {dt:8.2f} s "
          f"({min(t_dt):.2f}-{max(t_dt):.2f})")
    print(f"  postisac lookalike gen (one run, 50 domains): {one:8.3f} s "
          f"({min(t_one):.3f}-{max(t_one):.3f})  ratio {dt / one:6.1f}x  (goal >= 100x), "
          f"peak {rss / 1024:.0f} MiB")
    print(f"  postisac lookalike gen (one run per domain):  {each:8.3f} s "
          f"({min(t_each):.3f}-{max(t_each):.3f})  ratio {dt / each:6.1f}x")
    print(f"  CPU time (user + system), medians: dnstwist {median(c_dt):.2f} s, postisac "
          f"(one run, 50 domains) {median(c_one):.3f} s, ratio {median(c_dt) / median(c_one):.0f}x")


def write_feed(path, n, words, brands):
    if os.path.exists(path) and os.path.getsize(path) > 0:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for i, name in enumerate(lookalike_feed.unrelated_names(n, 3, words)):
            if i % 1000 == 0:  # one lookalike in a thousand
                b = brands[(i // 1000) % len(brands)]
                label, _, suffix = b.partition(".")
                name = f"{label}-tracking.{suffix}" if i % 2000 == 0 else f"{label}s.{suffix}"
            f.write(name + "\n")
    os.replace(tmp, path)


def bench_watch(binary, domains, out, reps):
    words = lookalike_feed.word_list()
    brands = domains + lookalike_feed.synthetic_brands(150, 5, words)
    brands_file = os.path.join(out, "speed-brands.txt")
    with open(brands_file, "w") as f:
        f.write("\n".join(brands) + "\n")
    feeds = {}
    for n in (1_000_000, 10_000_000):
        feeds[n] = os.path.join(out, f"speed-feed-{n}.txt")
        write_feed(feeds[n], n, words, brands)
    t_cat, _ = timed(["cat", feeds[10_000_000]])
    results = {}
    for n, path in feeds.items():
        hits_path = os.path.join(out, f"speed-hits-{n}.txt")
        walls, rss = [], 0
        for _ in range(reps):
            with open(hits_path, "w") as hits:
                wall, r = timed([binary, "lookalike", "watch", "--brands", brands_file, path],
                                stdout=hits)
            walls.append(wall)
            rss = max(rss, r)
        with open(hits_path) as f:
            nhits = sum(1 for _ in f)
        results[n] = (median(walls), rss, nhits)
    wall, rss, nhits = results[10_000_000]
    print(f"watch, {len(brands)} brands, 10,000,000 names ({os.path.getsize(feeds[10_000_000]) >> 20}"
          f" MiB, read by cat in {t_cat:.2f} s), median of {reps} runs:")
    print(f"  {wall:.2f} s, {10_000_000 / wall / 1e6:.2f} million names/s on one core "
          f"(goal >= 2 million), {nhits} hits")
    w1, r1, h1 = results[1_000_000]
    print(f"  peak memory: {rss / 1024:.1f} MiB for 10,000,000 names vs {r1 / 1024:.1f} MiB for "
          f"1,000,000 names ({1_000_000 / w1 / 1e6:.2f} million names/s, {h1} hits)")


def main():
    binary = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(here, "lookalike_domains.txt")) as f:
        domains = [x.strip() for x in f if x.strip()]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    bench_gen(binary, domains, reps)
    bench_watch(binary, domains, out, reps)


if __name__ == "__main__":
    main()
