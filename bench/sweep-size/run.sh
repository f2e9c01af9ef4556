#!/usr/bin/env bash
# Sweep size end to end: a sweep of TRIALS trials (the smoke grid's 6 trials per seed on the micro
# zoo, with TRIALS/6 seeds) submitted with `cora sweep start` to a real one-node cluster on
# 127.0.0.1 (SQLite journal, no trainer role: every trial stays pending), then `cora sweep
# status` (median of 5 runs, each a whole console process: start, connect, ask), then the node
# killed with kill -9 and started again with the same command: seconds from the restart until
# `sweep status` shows the whole sweep again. The baseline is a 6-trial sweep on the same node
# (what a console command costs by itself). Plain TCP (--insecure): loopback only.
# usage: bench/sweep-size/run.sh [TRIALS=30000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
trials="${1:-30000}"
work="$(mktemp -d)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export CORA_TOKEN="bench-sweep-size" CORA_ZOO="$root/zoo/micro"
[[ -f "$CORA_ZOO/zoo.json" ]] || "$root/cora" zoo make --preset micro --out "$CORA_ZOO" > /dev/null
"$root/cora" --help > /dev/null   # build first, outside the timings
source "$root/bench/lib.sh"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
contact=(--contact "127.0.0.1:$port" --insecure)

# A grid of 6 × SEEDS trials: the smoke grid with its seed list replaced.
grid() {
  local seeds="$1" file="$work/grid-$1.conf"
  sed -E "s/^  seeds = \[0\]/  seeds = [$(seq -s, 0 $((seeds - 1)))]/" "$root/hocon/grids/smoke.conf" > "$file"
  echo "$file"
}

start_node() {
  : > "$work/node.log"
  "$root/cora" node --config "$root/hocon/node.conf" --insecure --single-node --port "$port" --role coordinator \
    --db "$work/journal.db" --artifacts "$work/artifacts" >> "$work/node.log" 2>&1 &
  pid=$!
  local deadline=$((SECONDS + 120))
  until grep -q " is up" "$work/node.log"; do
    (( SECONDS < deadline )) && kill -0 "$pid" 2>/dev/null || { echo "node did not come up:" >&2; cat "$work/node.log" >&2; exit 1; }
    sleep 0.1
  done
}

status_seconds() { for _ in 1 2 3 4 5; do seconds "$root/cora" sweep status "$1" "${contact[@]}"; done | median; }

mkdir -p "$work/artifacts"
start_node
small_grid=$(grid 1); big_grid=$(grid $((trials / 6)))
# Planning hashes the zoo's files once (cached per user); warm that cache outside the timings.
"$root/cora" sweep start "$small_grid" "${contact[@]}" > "$work/small.id" 2> /dev/null
small=$(cat "$work/small.id")
small_status=$(status_seconds "$small")
start=$(date +%s.%N)
"$root/cora" sweep start "$big_grid" "${contact[@]}" > "$work/big.id" 2> "$work/start.log"
submit=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
big=$(cat "$work/big.id")
total=$("$root/cora" sweep status "$big" "${contact[@]}" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["counts"]["total"])')
big_status=$(status_seconds "$big")

kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start=$(date +%s.%N)
start_node
until "$root/cora" sweep status "$big" "${contact[@]}" --json 2> /dev/null | python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["counts"]["total"] != int(sys.argv[1]))' "$total"; do sleep 0.1; done
recovery=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
plan_mb=$(du -m "$work/artifacts/plans/$big.json.gz" | cut -f1)

echo "sweep-size [end to end]: $total trials: sweep start $(printf %.1f "$submit") s (planning included), sweep status $(printf %.2f "$big_status") s" \
     "(a 6-trial sweep: $(printf %.2f "$small_status") s), back after kill -9 in $(printf %.1f "$recovery") s (node start included); plan file ${plan_mb} MB"
echo "sweep-size: end to end, $total trials: status $(awk -v a="$big_status" -v b="$small_status" 'BEGIN { printf "%.2f", a / b }')x a 6-trial sweep's," \
     "submitted in $(printf %.1f "$submit") s, recovered after kill -9 in $(printf %.1f "$recovery") s"
