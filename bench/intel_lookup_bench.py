#!/usr/bin/env python3
"""Look-up benchmark (issue 3): single-value GET /api/v1/lookup requests/s with wrk, 64
keep-alive connections, against a hub holding 1,000,000 indicators, as a ratio to the same
server's /healthz in the same run (goal >= 30,000 look-ups/s).

The indicators are those of bench/taxii_bench.py (parcel-N-redelivery.example, TLP:GREEN),
loaded through TAXII with the observable index built in the same transactions, so the ingest
rate with indexing is reported too. Every look-up asks for a value that is in the hub and
checks nothing about the body (the integration tests do that); a sample is checked before
the run: found, 1 object, the right id.

Usage: bench/intel_lookup_bench.py BINARY [--objects N] [--duration S]
Writes its report to bench/out/intel_lookup.txt as well as stdout.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import taxii_bench as tb  # noqa: E402  (reuses its indicator generator and helpers)


def wrk(url, token, duration, script, n):
    env = dict(os.environ, PI_BENCH_TOKEN=token, PI_BENCH_N=str(n))
    out = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % duration, "--latency", "-s", script, url],
                         capture_output=True, text=True, env=env, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(non2xx.group(1)) if non2xx else 0


def get_json(url, token):
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Accept", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--objects", type=int, default=1000000)
    ap.add_argument("--duration", type=int, default=10)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    out_dir = os.path.join(HERE, "out")
    os.makedirs(out_dir, exist_ok=True)
    tsv = os.path.join(out_dir, "indicators-%d.tsv" % args.objects)
    if not os.path.exists(tsv):
        tb.generate(tsv + ".tmp", args.objects)
        os.rename(tsv + ".tmp", tsv)
    lines = []

    def say(s):
        print(s, flush=True)
        lines.append(s)

    tmp = tempfile.mkdtemp(prefix="postisac-lookup-bench-", dir=out_dir)
    srv = None
    try:
        db = "sqlite:" + os.path.join(tmp, "hub.db")
        info = json.loads(subprocess.run([binary, "init", "--db", db, "--demo", "--json"],
                                         capture_output=True, text=True, check=True).stdout)
        token = [u["token"] for u in info["users"] if u["username"] == "alice"][0]
        coll = info["collections"]["community"]
        port_file = os.path.join(tmp, "port")
        env = dict(os.environ, POSTISAC_WARNINGLISTS=os.path.join(HERE, "..", "data", "warninglists"))
        srv = subprocess.Popen([binary, "serve", "--db", db, "--port", "0", "--port-file", port_file,
                                "--log-level", "warn", "--threads", "2"], env=env)
        for _ in range(300):
            if os.path.exists(port_file):
                break
            time.sleep(0.1)
        base = "http://127.0.0.1:%s" % open(port_file).read().strip()
        objs_url = "%s/taxii2/hub/collections/%s/objects/" % (base, coll)

        def batches():
            batch = []
            with open(tsv) as f:
                for line in f:
                    batch.append(line.split("\t", 2)[2].rstrip("\n"))
                    if len(batch) == 1000:
                        yield ('{"objects":[' + ",".join(batch) + "]}").encode()
                        batch = []

        source = batches()
        lock = threading.Lock()

        def worker():
            n = 0
            while True:
                with lock:
                    body = next(source, None)
                if body is None:
                    return n
                status, st = tb.request(objs_url, token, body, "POST")
                assert status == 202 and st["success_count"] == 1000, st
                n += 1000

        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            posted = sum(f.result() for f in [pool.submit(worker) for _ in range(2)])
        secs = time.time() - t0
        say("ingest with the observable index: %d indicators in %.1f s = %.0f objects/s "
            "(2 client threads, envelopes of 1,000)" % (posted, secs, posted / secs))
        for i in (0, args.objects // 2, args.objects - 1):
            v = "parcel-%d-redelivery.example" % i
            body = get_json(base + "/api/v1/lookup?value=" + urllib.parse.quote(v), token)
            assert body["found"] and body["objects"] == 1, body
        h_rps, h_p99, _ = tb.wrk(base + "/healthz", token, args.duration)
        l_rps, l_p99, l_bad = wrk(base, token, args.duration, os.path.join(HERE, "lookup.lua"),
                                  args.objects)
        say("healthz: %.0f req/s, p99 %.2f ms (the limit)" % (h_rps, h_p99))
        say("look-up of one value (found, 1 indicator): %.0f req/s, p99 %.2f ms, ratio to healthz "
            "%.3f, non-2xx %d (goal >= 30,000 req/s)" % (l_rps, l_p99, l_rps / h_rps, l_bad))
        say("server peak RSS: %d MB" % tb.vmhwm(srv.pid))
    finally:
        if srv:
            srv.terminate()
            srv.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(out_dir, "intel_lookup.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
