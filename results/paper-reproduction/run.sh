#!/usr/bin/env bash
# The paper reproduction in one command: runs hocon/grids/paper-reproduction.conf on the tiny zoo
# (made first if missing) and writes its report — the paper's tables, plots, init.md and
# claims.md — into results/paper-reproduction/report/, with RUN.md saying when, on which commit
# and how long. Resumable: after a crash or Ctrl+C, run it again; finished trials are kept.
# Usage: results/paper-reproduction/run.sh [--parallel N]   (from anywhere; default 2 trials at once)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/results/paper-reproduction"
parallel=2
if [[ "${1:-}" == "--parallel" ]]; then parallel="$2"; fi
cd "$root"

started=$(date -u +%s)
./cora run hocon/grids/paper-reproduction.conf --artifacts artifacts/paper-reproduction --parallel "$parallel" | tee "$here/results.txt"
rm -rf "$here/report"
./cora report latest --db artifacts/paper-reproduction/cora.db --out "$here/report" >/dev/null
cp artifacts/paper-reproduction/results.json artifacts/paper-reproduction/results.csv "$here/"
finished=$(date -u +%s)

cat > "$here/RUN.md" <<MD
# Run

- Finished: $(date -u -d "@$finished" '+%Y-%m-%d %H:%M UTC')
- Commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src hocon || echo ' (with uncommitted changes to src/ or hocon/)')
- This invocation: $(( (finished - started) / 60 )) min $(( (finished - started) % 60 )) s (a resumed run counts only its own part)
- Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
- Grid: hocon/grids/paper-reproduction.conf; results.json / results.csv: every trial; report/: tables, plots, init.md, claims.md
MD
echo "report in $here/report; claims: $here/report/claims.md" >&2
