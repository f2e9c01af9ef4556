#!/usr/bin/env bash
# Basis extraction's peak anonymous memory against the number of layers (streaming), and the
# speed of each method. Makes synthetic bf16 sources (2 per model) of the same width with 2 and 8
# layers, runs `cora basis extract --json` on each RUNS times (one process each), and prints the
# median peak RssAnon from its reports.
# usage: bench/basis-memory/run.sh [HIDDEN=2048] [RANK=48] [RUNS=3] [memory-only]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
source "$root/bench/lib.sh"
hidden="${1:-2048}"; rank="${2:-48}"; runs="${3:-3}"; only="${4:-}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
for layers in 2 8; do
  for seed in 0 1; do python3 "$here/make_source.py" "$work/l$layers-s$seed" "$hidden" "$layers" "$seed"; done
done
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d['$1'])"; }
echo "hidden $hidden, rank $rank, 2 sources"
# extract ENV LAYERS [ARGS...]: one extraction in a fresh process, its --json report on stdout.
extract() {
  local env="$1" layers="$2"; shift 2
  local command=("$root/cora" basis extract --sources "$work/l$layers-s0,$work/l$layers-s1" --max-rank "$rank" --out "$work/b.safetensors" --json "$@")
  if [[ "$env" == glibc* ]]; then "${command[@]}" 2>/dev/null; else env "$env" "${command[@]}" 2>/dev/null; fi
}
declare -A peak
for env in "glibc default" "MALLOC_MMAP_THRESHOLD_=1048576"; do
  for layers in 2 8; do
    : > "$work/peaks"
    for _ in $(seq "$runs"); do
      report=$(extract "$env" "$layers")
      echo "$report" | field peak_rss_anon_bytes >> "$work/peaks"
      echo "memory  [$env] layers $layers: peak RssAnon $(( $(tail -n 1 "$work/peaks") / 1048576 )) MiB, $(echo "$report" | field seconds) s"
    done
    peak[$layers]=$(median < "$work/peaks")
  done
  awk -v a="${peak[2]}" -v b="${peak[8]}" -v e="$env" -v n="$runs" 'BEGIN { printf "basis-memory: peak RssAnon 8 layers / 2 layers %.2f [%s] (median of %d runs each; 1.00 = flat)\n", b / a, e, n }'
done
[[ "$only" == memory-only ]] && exit 0
for method in eigh randomized svd; do
  report=$(extract MALLOC_MMAP_THRESHOLD_=1048576 2 --method "$method")
  echo "speed   $method, 2 layers: $(echo "$report" | field seconds) s (randomized fallbacks: $(echo "$report" | field randomized_fallbacks))"
done
