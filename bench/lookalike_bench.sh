#!/usr/bin/env bash
# Lookalike benchmarks (run by bench/run): gen against dnstwist, watch speed and memory,
# and the precision/recall evaluation. Usage: bench/lookalike_bench.sh POSTISAC_BIN
set -euo pipefail
bin=${1:?usage: bench/lookalike_bench.sh POSTISAC_BIN}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/out"
python3 "$here/lookalike_speed.py" "$bin"
python3 "$here/lookalike_eval.py" "$bin" 1000000
