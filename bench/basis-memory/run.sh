#!/usr/bin/env bash
# Basis extraction's peak anonymous memory against the number of layers (streaming), and the
# speed of each method. Makes synthetic bf16 sources (2 per model) of the same width with 2 and 8
# layers, runs `cora basis extract --json` on each, and prints peak RssAnon from its report.
# usage: bench/basis-memory/run.sh [HIDDEN=2048] [RANK=48] [memory-only]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
hidden="${1:-2048}"; rank="${2:-48}"; only="${3:-}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
for layers in 2 8; do
  for seed in 0 1; do python3 "$here/make_source.py" "$work/l$layers-s$seed" "$hidden" "$layers" "$seed"; done
done
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d['$1'])"; }
echo "hidden $hidden, rank $rank, 2 sources"
declare -A peak
for env in "glibc default" "MALLOC_MMAP_THRESHOLD_=1048576"; do
  for layers in 2 8; do
    report=$(if [[ "$env" == glibc* ]]; then "$root/cora" basis extract --sources "$work/l$layers-s0,$work/l$layers-s1" --max-rank "$rank" --out "$work/b.safetensors" --json 2>/dev/null;
             else env "$env" "$root/cora" basis extract --sources "$work/l$layers-s0,$work/l$layers-s1" --max-rank "$rank" --out "$work/b.safetensors" --json 2>/dev/null; fi)
    peak[$layers]=$(echo "$report" | field peak_rss_anon_bytes)
    echo "memory  [$env] layers $layers: peak RssAnon $(( ${peak[$layers]} / 1048576 )) MiB, $(echo "$report" | field seconds) s"
  done
  awk -v a="${peak[2]}" -v b="${peak[8]}" -v e="$env" 'BEGIN { printf "basis-memory: peak RssAnon 8 layers / 2 layers %.2f [%s] (1.00 = flat)\n", b / a, e }'
done
[[ "$only" == memory-only ]] && exit 0
for method in eigh randomized svd; do
  report=$(MALLOC_MMAP_THRESHOLD_=1048576 "$root/cora" basis extract --sources "$work/l2-s0,$work/l2-s1" --max-rank "$rank" --out "$work/b.safetensors" --method "$method" --json 2>/dev/null)
  echo "speed   $method, 2 layers: $(echo "$report" | field seconds) s (randomized fallbacks: $(echo "$report" | field randomized_fallbacks))"
done
