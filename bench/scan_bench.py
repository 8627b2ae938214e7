#!/usr/bin/python3
"""postisac scan benchmark (issue 5).

    bench/scan_bench.py POSTISAC_BIN [WORKDIR] [--gb 1.0] [--runs 5]

Generates, once, in WORKDIR (default bench/out/scan):
  indicators.json  a STIX bundle: 1,000,000 domain indicators, 100,000 IPv4 addresses and
                   CIDR ranges, 10,000 URLs and 1,000 URL LIKE patterns (Vectorscan)
  domains.txt      the same 1,000,000 domains, one a line (for grep -F -f)
  dns.log          ~1 GB of BIND query log lines, about 0.1 % of them hitting an indicator
  mixed.log        ~256 MB of proxy (squid) and mail (postfix) lines, about 0.1 % hits
then drops both logs from the page cache and times a first scan of each (read from disk,
one run), then measures, in one run: cat > /dev/null (the I/O ceiling), postisac scan with 1 and 2
threads on both logs, grep -F -f on a sample of the DNS log (extrapolated, labelled so),
start-up with and without the cache, and peak memory (GNU time). Prints a Markdown table.
Every figure comes from the same run, so ratios are fair even on a shared machine: each timed
command but grep and the first start-up runs --runs times, the commands taking turns round by
round, and the table gives the median with the fastest and slowest run beside it. It also
checks that one and two threads report the same hits.
"""
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time

BIN = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--")
                       else os.path.join(os.path.dirname(__file__), "out", "scan"))
GB = float(sys.argv[sys.argv.index("--gb") + 1]) if "--gb" in sys.argv else 1.0
RUNS = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
N_DOMAINS, N_IPS, N_URLS, N_LIKE = 1_000_000, 100_000, 10_000, 1_000
TLDS = ["com", "net", "org", "info", "top", "xyz", "de", "fr", "co.uk", "ru", "cn", "io"]
rnd = random.Random(5)


def word(lo=5, hi=12):
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rnd.randint(lo, hi)))


def gen_indicators():
    path = os.path.join(WORK, "indicators.json")
    if os.path.exists(path):
        with open(os.path.join(WORK, "domains.txt")) as f:
            domains = f.read().split()
        with open(os.path.join(WORK, "ips.txt")) as f:
            ips = f.read().split()
        with open(os.path.join(WORK, "urls.txt")) as f:
            urls = f.read().split()
        return domains, ips, urls
    domains = set()
    while len(domains) < N_DOMAINS:
        domains.add("%s-%s.%s" % (word(), word(3, 8), rnd.choice(TLDS)))
    domains = sorted(domains)
    rnd.shuffle(domains)
    ips = []
    for i in range(N_IPS):
        # never 100.x (the proxy's upstream servers below) nor 198.x (mail clients)
        a = "%d.%d.%d.%d" % (rnd.choice([o for o in range(11, 224) if o not in (100, 198)]),
                             rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
        if i % 2:
            p = rnd.choice([16, 20, 24, 28])
            ips.append(a + "/%d" % p)
        else:
            ips.append(a)
    urls = ["http://%s/%s/%s.php?id=%d" % (rnd.choice(domains[:50000]), word(), word(), i) for i in range(N_URLS)]
    like = ["http://kit%d.%s/%%/login.php" % (i, rnd.choice(TLDS)) for i in range(N_LIKE)]
    head = '{"type":"bundle","id":"bundle--6d0e1c3a-1111-4111-8111-000000000000","objects":['
    tmpl = ('{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x",'
            '"created":"2024-05-01T00:00:00.000Z","modified":"2024-05-01T00:00:00.000Z",'
            '"pattern":"%s","pattern_type":"stix","valid_from":"2024-05-01T00:00:00Z",'
            '"labels":["malicious-activity"],"confidence":70,'
            '"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}')
    with open(path + ".tmp", "w") as f:
        f.write(head)
        n = 0
        for d in domains:
            f.write((",\n" if n else "") + tmpl % (n, n, "[domain-name:value = '%s']" % d))
            n += 1
        for a in ips:
            f.write(",\n" + tmpl % (n, n, "[ipv4-addr:value = '%s']" % a))
            n += 1
        for u in urls:
            f.write(",\n" + tmpl % (n, n, "[url:value = '%s']" % u))
            n += 1
        for u in like:
            f.write(",\n" + tmpl % (n, n, "[url:value LIKE '%s']" % u))
            n += 1
        f.write("]}\n")
    os.rename(path + ".tmp", path)
    for name, vals in (("domains.txt", domains), ("ips.txt", ips), ("urls.txt", urls)):
        with open(os.path.join(WORK, name), "w") as f:
            f.write("\n".join(vals) + "\n")
    return domains, ips, urls


def gen_dns(domains, size):
    path = os.path.join(WORK, "dns.log")
    if os.path.exists(path) and os.path.getsize(path) >= size * 0.99:
        return path
    benign = ["%s.%s.%s" % (rnd.choice(["www", "api", "cdn", "mail", "img", "static"]), word(4, 10), rnd.choice(TLDS)) for _ in range(200000)]
    clients = ["10.%d.%d.%d" % (rnd.randint(0, 3), rnd.randint(0, 255), rnd.randint(1, 254)) for _ in range(2000)]
    tmpl = "01-May-2024 12:%02d:%02d.%03d client @0x7f3a%06x %s#%d (%s): query: %s IN %s +E(0)K (10.0.0.53)\n"
    written = 0
    with open(path + ".tmp", "w") as f:
        while written < size:
            buf = []
            for _ in range(20000):
                if rnd.random() < 0.001:
                    d = rnd.choice(domains)
                    q = d if rnd.random() < 0.5 else "www." + d
                else:
                    q = rnd.choice(benign)
                buf.append(tmpl % (rnd.randint(0, 59), rnd.randint(0, 59), rnd.randint(0, 999), rnd.randint(0, 0xffffff),
                                   rnd.choice(clients), rnd.randint(1024, 65535), q, q, rnd.choice(["A", "AAAA", "HTTPS", "MX"])))
            s = "".join(buf)
            f.write(s)
            written += len(s)
    os.rename(path + ".tmp", path)
    return path


def gen_mixed(domains, ips, urls, size):
    path = os.path.join(WORK, "mixed.log")
    if os.path.exists(path) and os.path.getsize(path) >= size * 0.99:
        return path
    benign_hosts = ["%s.%s" % (word(4, 10), rnd.choice(TLDS)) for _ in range(50000)]
    plain_ips = [a for a in ips if "/" not in a]
    written = 0
    with open(path + ".tmp", "w") as f:
        while written < size:
            buf = []
            for _ in range(20000):
                hit = rnd.random() < 0.001
                if rnd.random() < 0.6:  # squid access.log
                    url = rnd.choice(urls) if hit else "http://%s/%s/%s.html?q=%s" % (rnd.choice(benign_hosts), word(), word(), word())
                    server = "100.%d.%d.%d" % (rnd.randint(64, 127), rnd.randint(0, 255), rnd.randint(1, 254))
                    buf.append("1714564800.%03d %5d 10.1.%d.%d TCP_MISS/200 %d GET %s - HIER_DIRECT/%s text/html\n" % (
                        rnd.randint(0, 999), rnd.randint(1, 9999), rnd.randint(0, 255), rnd.randint(1, 254),
                        rnd.randint(100, 99999), url, server))
                else:  # postfix
                    dom = rnd.choice(domains) if hit else rnd.choice(benign_hosts)
                    ip = rnd.choice(plain_ips) if hit and rnd.random() < 0.3 else "198.18.%d.%d" % (rnd.randint(0, 255), rnd.randint(1, 254))
                    buf.append("May  1 12:00:%02d mx postfix/smtpd[%d]: %X: client=mail.%s[%s], sasl_method=PLAIN, from=<%s@%s>\n" % (
                        rnd.randint(0, 59), rnd.randint(100, 99999), rnd.randint(0, 0xfffff), dom, ip, word(), dom))
            s = "".join(buf)
            f.write(s)
            written += len(s)
    os.rename(path + ".tmp", path)
    return path


def timed(cmd, env=None, stdout=subprocess.DEVNULL, timeout=None):
    """Runs cmd under GNU time; returns (seconds, peak RSS MB, return code)."""
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, stdout=stdout, stderr=subprocess.PIPE,
                       env=env, timeout=timeout)
    wall = time.time() - t0
    m = re.findall(r"^([\d.]+) (\d+)$", p.stderr.decode(), re.M)
    rss = int(m[-1][1]) / 1024 if m else float("nan")
    return wall, rss, p.returncode, p.stderr.decode()


def drop_from_page_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # dirty pages are not dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def main():
    os.makedirs(WORK, exist_ok=True)
    t0 = time.time()
    domains, ips, urls = gen_indicators()
    dns = gen_dns(domains, int(GB * (1 << 30)))
    mixed = gen_mixed(domains, ips, urls, int(GB * (1 << 28)))
    print("generated in %.0f s" % (time.time() - t0), file=sys.stderr)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(WORK, "cache"))
    bundle = os.path.join(WORK, "indicators.json")
    empty = os.path.join(WORK, "empty.log")
    open(empty, "w").close()
    size_dns, size_mixed = os.path.getsize(dns), os.path.getsize(mixed)

    # start-up: first load (parses the bundle, compiles Vectorscan, writes the cache)
    subprocess.run(["rm", "-rf", os.path.join(WORK, "cache")])
    cold, cold_rss, _, _ = timed([BIN, "scan", "--indicators", bundle, empty], env=env)
    scan = lambda path, th: [BIN, "scan", "--indicators", bundle, "--quiet", "--summary",
                             "--threads", str(th), path]
    # The logs are dropped from the page cache and read from disk by a first scan of each
    # (timed, one run), so every run starts from the same cache: a log read from disk is cached
    # in large folios, which the mapping maps with few page-table entries, while the
    # generator's own writes leave it in small ones (about 0.1 s more CPU per GB: see
    # bench/RESULTS.md, 2026-11-23).
    first = {}
    for name, path in (("dns", dns), ("mixed", mixed)):
        drop_from_page_cache(path)
        first[name] = timed(scan(path, 1), env=env)[0]
    cmds = {"warm": [BIN, "scan", "--indicators", bundle, empty],
            "cat dns": ["cat", dns], "cat mixed": ["cat", mixed],
            ("dns", 1): scan(dns, 1), ("dns", 2): scan(dns, 2),
            ("mixed", 1): scan(mixed, 1), ("mixed", 2): scan(mixed, 2)}
    walls = {k: [] for k in cmds}
    rss = {k: 0.0 for k in cmds}
    for _ in range(RUNS):  # round by round, so a slow spell of the machine hits every command
        for k, cmd in cmds.items():
            wall, r, rc, err = timed(cmd, env=env)
            if rc not in (0, 1):
                sys.exit("%s failed (%d): %s" % (" ".join(cmd), rc, err))
            walls[k].append(wall)
            rss[k] = max(rss[k], r)
    med = {k: statistics.median(v) for k, v in walls.items()}
    spread = lambda k: "%.2f-%.2f" % (min(walls[k]), max(walls[k]))
    hits, same = {}, {}
    for name, path in (("dns", dns), ("mixed", mixed)):
        outs = []
        for th in (1, 2):
            out = subprocess.run([BIN, "scan", "--indicators", bundle, "--no-line", "--threads",
                                  str(th), path], env=env, capture_output=True).stdout.decode()
            # a hit's time is when it was found: left out of the comparison
            outs.append(sorted(re.sub(r'"time":"[^"]*",?', "", l) for l in out.splitlines()))
        hits[name] = len(outs[0])
        same[name] = outs[0] == outs[1]
    # grep -F -f on a sample, bounded by a timeout, extrapolated
    sample = os.path.join(WORK, "dns.sample")
    sample_bytes = 16 << 20
    with open(dns, "rb") as f, open(sample, "wb") as g:
        g.write(f.read(sample_bytes))
    try:
        gwall, grss, _, _ = timed(["grep", "-c", "-F", "-f", os.path.join(WORK, "domains.txt"), sample], timeout=600)
    except subprocess.TimeoutExpired:
        gwall, grss = float("nan"), float("nan")
    grep_gbs = sample_bytes / gwall / 1e9
    gbs = lambda n, t: n / t / 1e9
    print("\n%d runs of each timed command but grep and the first start-up: the median, then the"
          " fastest-slowest run." % RUNS)
    print("\n| measurement | wall time (median; range) | throughput (median) | ratio | peak RSS |")
    print("|---|---|---|---|---|")
    print("| first `postisac scan --threads 1` of dns.log, read from disk, one run | %.2f s | %.2f GB/s | | |" % (
        first["dns"], gbs(size_dns, first["dns"])))
    print("| `cat dns.log > /dev/null` (%.2f GB, page cache) | %.2f s; %s | %.2f GB/s | I/O ceiling | |" % (
        size_dns / 1e9, med["cat dns"], spread("cat dns"), gbs(size_dns, med["cat dns"])))
    for th in (1, 2):
        w = med[("dns", th)]
        print("| `postisac scan --threads %d` dns.log (%d hits) | %.2f s; %s | **%.2f GB/s** | %.2f of cat, **%.0f× grep** | %.0f MB |" % (
            th, hits["dns"], w, spread(("dns", th)), gbs(size_dns, w), med["cat dns"] / w,
            gbs(size_dns, w) / grep_gbs, rss[("dns", th)]))
    print("| two threads / one thread, dns.log | | | **%.2f×** | |" % (med[("dns", 1)] / med[("dns", 2)]))
    print("| `grep -F -f domains.txt` on the first %d MB of dns.log, one run (extrapolated to the whole file: %.0f s) | %.2f s | %.4f GB/s | 1× | %.0f MB |" % (
        sample_bytes >> 20, size_dns / sample_bytes * gwall, gwall, grep_gbs, grss))
    print("| first `postisac scan --threads 1` of mixed.log, read from disk, one run | %.2f s | %.2f GB/s | | |" % (
        first["mixed"], gbs(size_mixed, first["mixed"])))
    print("| `cat mixed.log > /dev/null` (%.2f GB) | %.2f s; %s | %.2f GB/s | I/O ceiling | |" % (
        size_mixed / 1e9, med["cat mixed"], spread("cat mixed"), gbs(size_mixed, med["cat mixed"])))
    for th in (1, 2):
        w = med[("mixed", th)]
        print("| `postisac scan --threads %d` mixed.log (%d hits) | %.2f s; %s | **%.2f GB/s** | %.2f of cat | %.0f MB |" % (
            th, hits["mixed"], w, spread(("mixed", th)), gbs(size_mixed, w), med["cat mixed"] / w,
            rss[("mixed", th)]))
    print("| two threads / one thread, mixed.log | | | %.2f× | |" % (med[("mixed", 1)] / med[("mixed", 2)]))
    print("| start-up, 1,111,000 indicators, first run (parse bundle, compile, write cache), one run | %.2f s | | | %.0f MB |" % (cold, cold_rss))
    print("| start-up from the cache (empty log) | **%.2f s**; %s | | | %.0f MB |" % (
        med["warm"], spread("warm"), rss["warm"]))
    print("| the same hits with 1 and 2 threads (sorted, without `time`) | | | dns.log: %s, mixed.log: %s | |" % (
        "yes" if same["dns"] else "**NO**", "yes" if same["mixed"] else "**NO**"))
    if not (same["dns"] and same["mixed"]):
        sys.exit("one and two threads reported different hits")


if __name__ == "__main__":
    main()
