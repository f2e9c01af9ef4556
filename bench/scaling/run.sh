#!/usr/bin/env bash
# Scaling: the smoke grid (hocon/grids/smoke.conf, 6 trials on the micro zoo) on a real cluster on
# 127.0.0.1 — a coordinator node and 1 or 2 one-slot trainer nodes, each trainer pinned to its own
# core with taskset (its trial processes inherit the pin). Wall time from `sweep start` until the
# sweep is finished, median of RUNS fresh clusters (new SQLite journal and artifact store each, so
# nothing is reused); speed-up = T(1 trainer) / T(2 trainers), efficiency = speed-up / 2. Plain TCP
# (--insecure), as everything stays on loopback; results before TLS was the default used it too.
# usage: bench/scaling/run.sh [RUNS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
cores=$(nproc)
(( cores >= 2 )) || { echo "scaling: needs 2 cores, this machine has $cores" >&2; exit 1; }
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export CORA_TOKEN="bench-scaling" CORA_ZOO="$root/zoo/micro"
[[ -f "$CORA_ZOO/zoo.json" ]] || "$root/cora" zoo make --preset micro --out "$CORA_ZOO" > /dev/null
"$root/cora" --help > /dev/null   # build first, outside the timings
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
source "$root/bench/lib.sh"

# node LOG [taskset CPU] ARGS...: starts a node in the background and waits until it is Up.
node() {
  local log="$1" cpu="$2"; shift 2
  : > "$log"   # exists before the wait below greps it
  if [[ "$cpu" == "-" ]]; then "$root/cora" node --config "$root/hocon/node.conf" --insecure "$@" > "$log" 2>&1 &
  else taskset -c "$cpu" "$root/cora" node --config "$root/hocon/node.conf" --insecure "$@" > "$log" 2>&1 & fi
  pids+=($!)
  local deadline=$((SECONDS + 120))
  until grep -q " is up" "$log"; do
    (( SECONDS < deadline )) && kill -0 "${pids[-1]}" 2>/dev/null || { echo "node did not come up:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.2
  done
}

# sweep_seconds TRAINERS: a fresh cluster, the smoke grid, seconds until the sweep is finished.
sweep_seconds() {
  local trainers="$1" dir port contact
  dir="$(mktemp -d -p "$work")"
  mkdir "$dir/artifacts"   # the shared store exists before any node starts
  port=$(free_port); contact="127.0.0.1:$port"
  pids=()
  # One seed list for every node, the coordinator's own included (hocon/node.conf, seed-nodes).
  node "$dir/coordinator.log" - --role coordinator --port "$port" --seed "$contact" --db "$dir/journal.db" --artifacts "$dir/artifacts"
  for i in $(seq 0 $((trainers - 1))); do
    node "$dir/trainer-$i.log" "$i" --role trainer --port "$(free_port)" --seed "$contact" --slots 1 --db "$dir/journal.db" --artifacts "$dir/artifacts"
  done
  local start sweep state
  start=$(date +%s.%N)
  sweep=$("$root/cora" sweep start "$root/hocon/grids/smoke.conf" --contact "$contact" --insecure --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["sweep_id"])')
  while :; do
    state=$("$root/cora" sweep status "$sweep" --contact "$contact" --insecure --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])' || echo unavailable)
    [[ "$state" == completed || "$state" == failed ]] && break
    sleep 0.5
  done
  awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'
  [[ "$state" == completed ]] || echo "scaling: sweep $sweep on $trainers trainer(s) ended $state" >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

declare -A median_of
for trainers in 1 2; do
  # Not $(…): a subshell would lose the node pids that cleanup needs.
  for _ in $(seq "$runs"); do sweep_seconds "$trainers" >> "$work/times-$trainers"; done
  median_of[$trainers]=$(median < "$work/times-$trainers")
  echo "smoke grid, $trainers trainer node(s) of 1 core: $(tr '\n' ' ' < "$work/times-$trainers")s (median ${median_of[$trainers]} s)"
done
awk -v a="${median_of[1]}" -v b="${median_of[2]}" 'BEGIN { s = a / b; printf "scaling: smoke grid 1 -> 2 trainer nodes (1 core each) speed-up %.2fx, efficiency %.0f%%\n", s, 100 * s / 2 }'
