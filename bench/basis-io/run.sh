#!/usr/bin/env bash
# Basis extraction over real checkpoint files (`cora basis extract`, one process per run):
#  1. bytes touched vs bytes needed: two synthetic bf16 sources whose files hold q/k/v and an MLP
#     of 4x their size (bench/basis-memory/make_source.py ... mlp). The files are evicted from the
#     page cache (fsync + posix_fadvise DONTNEED), extraction runs, and `fincore` counts how many
#     bytes of each file are resident afterwards: every byte the process read or faulted in (plus
#     kernel read-ahead) and nothing else, whatever mix of read() and mmap the code uses.
#  2. time vs `cat` of the same bytes: two q/k/v-only sources (file = q/k/v bytes + header), page
#     cache warm for both; median of RUNS runs each.
# usage: bench/basis-io/run.sh [HIDDEN=2048] [LAYERS=4] [RUNS=3]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
hidden="${1:-2048}"; layers="${2:-4}"; runs="${3:-3}"; rank=48
# Not /tmp: where /tmp is a tmpfs its pages cannot be evicted.
work="$(mktemp -d -p /var/tmp cora-bench-basis-io-XXXXXX)"; trap 'rm -rf "$work"' EXIT
for seed in 0 1; do
  python3 "$root/bench/basis-memory/make_source.py" "$work/mlp-$seed" "$hidden" "$layers" "$seed" mlp
  python3 "$root/bench/basis-memory/make_source.py" "$work/qkv-$seed" "$hidden" "$layers" "$seed"
done
"$root/cora" --help > /dev/null   # build first, outside the timings

evict() { python3 -c 'import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$@"; }
resident() { fincore --bytes --noheadings --output RES "$@" | awk '{ s += $1 } END { print s }'; }
extract() { "$root/cora" basis extract --sources "$1,$2" --max-rank "$rank" --out "$work/basis.safetensors" > /dev/null 2>&1; }
source "$root/bench/lib.sh"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

files=("$work/mlp-0/model.safetensors" "$work/mlp-1/model.safetensors")
needed=$(( 2 * layers * 3 * hidden * hidden * 2 ))
total=$(stat -c %s "${files[@]}" | awk '{ s += $1 } END { print s }')
evict "${files[@]}"
before=$(resident "${files[@]}")
extract "$work/mlp-0" "$work/mlp-1"
touched=$(( $(resident "${files[@]}") - before ))
echo "hidden $hidden, $layers layers, 2 sources, rank $rank"
echo "bytes: files $(mib "$total") MiB, q/k/v needed $(mib "$needed") MiB, touched by extraction $(mib "$touched") MiB (resident before: $before B)"
awk -v t="$touched" -v n="$needed" -v f="$total" 'BEGIN { printf "basis-io: bytes touched / q/k/v bytes needed %.2f (whole files would be %.2f)\n", t / n, f / n }'

qkv=("$work/qkv-0/model.safetensors" "$work/qkv-1/model.safetensors")
cat "${qkv[@]}" > /dev/null; extract "$work/qkv-0" "$work/qkv-1"   # warm the page cache and the build
t_extract=$(for _ in $(seq "$runs"); do seconds extract "$work/qkv-0" "$work/qkv-1"; done | median)
t_cat=$(for _ in $(seq "$runs"); do seconds cat "${qkv[@]}"; done | median)
echo "time (warm cache, median of $runs): extraction $t_extract s, cat of the same $(mib "$(stat -c %s "${qkv[@]}" | awk '{ s += $1 } END { print s }')") MiB $t_cat s"
awk -v e="$t_extract" -v c="$t_cat" 'BEGIN { printf "basis-io: extraction time / cat time of the same bytes %.0fx (warm page cache; extraction includes process start, hashing and eigh)\n", e / c }'
