#!/usr/bin/env bash
# Node-loss cost on a real 3-node cluster (coordinator + 2 trainers on 127.0.0.1, PostgreSQL
# journal): a trainer is killed with SIGKILL mid-trial; the test prints how long until its trial
# was requeued and running again elsewhere. Runs the test N times (default 3) and prints each line.
# The test's failure detector allows a 2 s heartbeat pause and its Split Brain Resolver waits 3 s
# (hocon/node.conf ships 6 s and 20 s for a LAN; expect the times to scale with those). Ends with
# the medians over the runs and the requeue time's ratio to that 2 + 3 s detection budget.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source bench/lib.sh
runs=${1:-3}
budget=5
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
dotnet build tests/Cora.Cluster.Tests -c Release --nologo -v q -clp:ErrorsOnly
for i in $(seq "$runs"); do
  dotnet test tests/Cora.Cluster.Tests -c Release --no-build --nologo \
    --filter "FullyQualifiedName~A_trainer_killed_mid_trial" --logger "console;verbosity=detailed" \
    | grep -o "node loss: .*" | sed 's/^/cluster-failover: /' | tee -a "$work/lines"
done
requeued=$(grep -o "requeued [0-9.]* s" "$work/lines" | awk '{ print $2 }' | median)
running=$(grep -o "running again elsewhere after [0-9.]* s" "$work/lines" | awk '{ print $5 }' | median)
awk -v r="$requeued" -v a="$running" -v b="$budget" -v n="$(wc -l < "$work/lines")" \
  'BEGIN { printf "cluster-failover: median of %d runs: requeued %.1f s after the kill (%.1fx the %d s detection budget), running again after %.1f s\n", n, r, r / b, b, a }'
