#!/usr/bin/env bash
# Runs every benchmark, or one: ./bench/run.sh [--quick] [NAME]. Each prints its tables, then one
# "NAME: …" line per ratio; the summary at the end repeats those lines. --quick shrinks sizes and
# repetitions so that all of them finish in a few minutes (figures are then rougher).
# Names: basis-extraction basis-io basis-memory training memory resume orchestration sweep-size scaling evaluator cluster-failover chaos
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=""; only=""
for arg in "$@"; do
  case "$arg" in
    --quick) quick="--quick" ;;
    -h|--help) sed -n 2,5p "${BASH_SOURCE[0]}"; exit 0 ;;
    *) only="$arg" ;;
  esac
done
all=(basis-extraction basis-io basis-memory training memory resume orchestration sweep-size scaling evaluator cluster-failover chaos)
if [[ -n "$only" && ! " ${all[*]} " =~ " $only " ]]; then echo "unknown benchmark '$only' (known: ${all[*]})" >&2; exit 64; fi

# The benchmark project is not in CoRA.sln (bench/README.md says why): build it here, quietly.
bench_dll="$root/bench/Cora.Benchmarks/bin/Release/net10.0/Cora.Benchmarks.dll"
build_bench() {
  dotnet build "$root/bench/Cora.Benchmarks/Cora.Benchmarks.csproj" -c Release --nologo -v q -clp:ErrorsOnly > /dev/null
}
bench() { dotnet "$bench_dll" "$@"; }

run_one() {
  case "$1" in
    basis-extraction) build_bench; bench basis-micro $quick ;;
    basis-io) if [[ -n "$quick" ]]; then "$root/bench/basis-io/run.sh" 1024 2 1; else "$root/bench/basis-io/run.sh"; fi ;;
    basis-memory) if [[ -n "$quick" ]]; then "$root/bench/basis-memory/run.sh" 1024 48 1 memory-only; else "$root/bench/basis-memory/run.sh"; fi ;;
    training)
      build_bench
      [[ -f "$root/zoo/tiny/zoo.json" ]] || "$root/cora" zoo make --preset tiny --out "$root/zoo/tiny" > /dev/null
      bench training $quick --zoo "$root/zoo/tiny" ;;
    memory) if [[ -n "$quick" ]]; then "$root/bench/memory/run.sh" quick; else "$root/bench/memory/run.sh"; fi ;;
    resume) "$root/bench/resume/run.sh" ;;
    orchestration) build_bench; bench orchestration $quick --postgres ;;
    sweep-size) build_bench; bench sweep-size $quick ;;
    scaling) if [[ -n "$quick" ]]; then "$root/bench/scaling/run.sh" 1; else "$root/bench/scaling/run.sh"; fi ;;
    evaluator) build_bench; bench eval-micro $quick --cases "$root/tests/fixtures/metrics/cases.jsonl"; "$root/bench/eval-throughput/run.sh" ${quick:+1} ;;
    cluster-failover)
      if [[ -n "$quick" ]]; then echo "cluster-failover: skipped in quick mode (a test-project build and a 3-node cluster; ./bench/run.sh cluster-failover)"
      else "$root/bench/cluster-failover/run.sh"; fi ;;
    chaos)
      if [[ -n "$quick" ]]; then echo "chaos: skipped in quick mode (two 100-trial sweeps on a 6-node cluster; ./bench/run.sh chaos)"
      else "$root/bench/chaos/run.sh"; fi ;;
  esac
}

log="$(mktemp)"; trap 'rm -f "$log"' EXIT
for name in "${all[@]}"; do
  [[ -z "$only" || "$name" == "$only" ]] || continue
  echo "=== $name $(date -u +%H:%M:%S)" | tee -a "$log" >&2
  run_one "$name" 2>&1 | tee -a "$log" | grep --line-buffered -Ev '^\s*$' || echo "$name: FAILED" | tee -a "$log"
done
echo
echo "=== summary (each figure is a ratio to a baseline measured in the same run)"
grep -E '^(basis-extraction|basis-io|basis-memory|training|memory|resume|orchestration|sweep-size|scaling|evaluator|eval-throughput|cluster-failover|chaos): ' "$log" || true
