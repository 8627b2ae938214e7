#!/usr/bin/env python3
"""Counts cmocka test cases in Meson's testlog.json: prints 'passed failed skipped'.

A test executable that died without cmocka's summary (a crash, a sanitizer
report) counts as one failure."""
import json
import re
import sys

passed = failed = skipped = 0
try:
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
except OSError:
    print(0, 1, 0)
    sys.exit(0)
for line in lines:
    if not line.strip():
        continue
    rec = json.loads(line)
    out = (rec.get("stdout") or "") + (rec.get("stderr") or "")
    p = re.search(r"\[  PASSED  \] (\d+) test", out)
    f = re.search(r"\[  FAILED  \] (\d+) test", out)
    s = re.search(r"\[  SKIPPED \] (\d+) test", out)
    np = int(p.group(1)) if p else 0
    nf = int(f.group(1)) if f else 0
    ns = int(s.group(1)) if s else 0
    if rec.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and nf == 0:
        nf = 1
    passed += np
    failed += nf
    skipped += ns
print(passed, failed, skipped)
