#!/usr/bin/env bash
# Scoring throughput of `cora eval score`: 10,000 pairs of 20–240-word texts (the fixture pairs
# of that length, repeated with fresh ids), per metric set. Baseline, measured in the same run:
# the same command on a single pair (process start, JIT, file I/O). Reports the median seconds of
# RUNS runs each, the ratio to the baseline, and pairs per second net of the baseline.
# usage: bench/eval-throughput/run.sh [RUNS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cases="$root/tests/fixtures/metrics/cases.jsonl"

# 10,000 pairs, and a 1-pair baseline file, from the fixture cases (jq-free: plain awk on JSONL).
awk 'NF { n = split($0, w, " "); if (n >= 20 && n <= 240) print }' "$cases" > "$work/pool.jsonl"
awk -v total=10000 'NR == FNR { pool[NR] = $0; size = NR; next } END {
  for (i = 0; i < total; i++) { line = pool[i % size + 1]; sub(/"id": *"[^"]*"/, "\"id\": \"p" i "\"", line); print line } }' \
  "$work/pool.jsonl" "$work/pool.jsonl" > "$work/10k.jsonl"
head -n 1 "$work/10k.jsonl" > "$work/1.jsonl"

"$root/cora" --help > /dev/null   # build first, outside the timings
source "$root/bench/lib.sh"

echo "median of $runs runs each"
echo "| metrics | baseline (1 pair) s | 10,000 pairs s | ratio | pairs/s net |"
echo "| --- | --- | --- | --- | --- |"
for metrics in sacrebleu rouge meteor rouge,meteor,sacrebleu; do
  base=$(for _ in $(seq "$runs"); do seconds "$root/cora" eval score --predictions "$work/1.jsonl" --metrics "$metrics"; done | median)
  full=$(for _ in $(seq "$runs"); do seconds "$root/cora" eval score --predictions "$work/10k.jsonl" --metrics "$metrics"; done | median)
  awk -v m="$metrics" -v b="$base" -v f="$full" 'BEGIN { printf "| %s | %.2f | %.2f | %.1f | %.0f |\n", m, b, f, f / b, 10000 / (f - b) }' | tee -a "$work/rows"
done
awk -F' [|] ' '{ sub(/ *[|]$/, "", $5); printf "eval-throughput: cora eval score %s on 10,000 pairs %sx the 1-pair run, %s pairs/s net\n", substr($1, 3), $4, $5 }' "$work/rows"
