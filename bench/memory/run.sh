#!/usr/bin/env bash
# The memory estimate (src/Cora.Training/Memory) against measured peak memory on the CPU, and the
# Llama-2-13B / A100-80GB plan from the same estimate. For each zoo-shaped model size and method
# (lora r=8 on q/k/v with dropout 0.05, as the grids; full-ft), one process trains 2 optimizer
# steps and reports its peak RssAnon minus its baseline next to the estimate; once with glibc's
# default allocator settings (what a trial process gets) and once with
# MALLOC_MMAP_THRESHOLD_=65536 (tensors of 64 KiB and more are mapped and unmapped on free, so
# RssAnon follows the live tensors); then, with the second, each trial with and without gradient
# checkpointing (the activation memory it saves, measured vs estimated). Prints one "memory: …"
# line per ratio.
# usage: bench/memory/run.sh [quick]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
dll="$root/bench/Cora.Benchmarks/bin/Release/net10.0/Cora.Benchmarks.dll"
lines="$(mktemp)"; trap 'rm -f "$lines"' EXIT
dotnet build "$root/bench/Cora.Benchmarks/Cora.Benchmarks.csproj" -c Release --nologo -v q -clp:ErrorsOnly > /dev/null
# hidden layers batch seq
if [[ "${1:-}" == quick ]]; then sizes=("128 2 4 128" "256 2 4 128"); else sizes=("128 4 8 256" "256 4 8 128" "512 4 4 128"); fi
printf '%-24s %-8s %-9s %10s %10s %7s\n' "model (D, L, B×T)" method allocator "estimated" "measured" ratio
for size in "${sizes[@]}"; do
  read -r hidden layers batch seq <<< "$size"
  for method in lora full-ft; do
    for alloc in default mmap64k; do
      args=(memory-trial --hidden "$hidden" --layers "$layers" --method "$method" --batch "$batch" --seq "$seq")
      if [[ "$alloc" == default ]]; then line=$(dotnet "$dll" "${args[@]}"); else line=$(MALLOC_MMAP_THRESHOLD_=65536 dotnet "$dll" "${args[@]}"); fi
      read -r _ measured _ estimated _ <<< "$line"
      awk -v m="$measured" -v e="$estimated" -v d="D$hidden L$layers ${batch}×$seq" -v me="$method" -v a="$alloc" \
        'BEGIN { printf "%-24s %-8s %-9s %8.1f M %8.1f M %7.2f\n", d, me, a, e / 1048576, m / 1048576, m / e }'
      awk -v m="$measured" -v e="$estimated" -v d="D$hidden L$layers ${batch}x$seq" -v me="$method" -v a="$alloc" \
        'BEGIN { printf "memory: %s %s, %s allocator: measured/estimated %.2f\n", d, me, a, m / e }' >> "$lines"
    done
  done
done
# Gradient checkpointing: the same trials with the mmap64k allocator (RssAnon follows the live
# tensors), with and without it; the activation memory it saves, measured against estimated.
printf '\n%-24s %-8s %12s %12s %12s %12s %7s\n' "model (D, L, B×T)" method "est. off" "est. on" "meas. off" "meas. on" "saved"
for size in "${sizes[@]}"; do
  read -r hidden layers batch seq <<< "$size"
  for method in lora full-ft; do
    args=(memory-trial --hidden "$hidden" --layers "$layers" --method "$method" --batch "$batch" --seq "$seq")
    read -r _ m_off _ e_off _ <<< "$(MALLOC_MMAP_THRESHOLD_=65536 dotnet "$dll" "${args[@]}")"
    read -r _ m_on _ e_on _ <<< "$(MALLOC_MMAP_THRESHOLD_=65536 dotnet "$dll" "${args[@]}" --checkpointing)"
    awk -v d="D$hidden L$layers ${batch}×$seq" -v me="$method" -v eo="$e_off" -v en="$e_on" -v mo="$m_off" -v mn="$m_on" \
      'BEGIN { saved = (eo == en) ? "-" : sprintf("%.2f", (mo - mn) / (eo - en)); printf "%-24s %-8s %10.1f M %10.1f M %10.1f M %10.1f M %7s\n", d, me, eo / 1048576, en / 1048576, mo / 1048576, mn / 1048576, saved }'
    awk -v d="D$hidden L$layers ${batch}x$seq" -v me="$method" -v eo="$e_off" -v en="$e_on" -v mo="$m_off" -v mn="$m_on" \
      'BEGIN { saved = (eo == en) ? "none estimated" : sprintf("measured/estimated %.2f", (mo - mn) / (eo - en)); printf "memory: %s %s, gradient checkpointing: peak %.2f of without (estimated %.2f), saving %s\n", d, me, mn / mo, en / eo, saved }' >> "$lines"
  done
done
dotnet "$dll" memory-plan
cat "$lines"
