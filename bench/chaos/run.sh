#!/usr/bin/env bash
# Chaos: a 100-trial LoRA sweep on a real cluster on 127.0.0.1 (PostgreSQL journal, 3 coordinator
# nodes, 3 trainer nodes of 2 slots) run twice on fresh databases and stores: once without faults
# (the baseline), once under faults injected at random times from a seeded RNG — SIGKILL of a
# trainer node (restarted on its port after a few seconds), SIGKILL of the coordinator node that
# hosts the singleton (restarted), the journal cut (PostgreSQL's postmaster and its backends
# SIGKILLed, started again after a few seconds) — with a blind trainer in the cluster too (a
# mount namespace with an empty directory over the base model: every trial it takes is a node
# fault, and it quarantines itself). Trials run a fake trial command (fake-trial.sh: sleeps 1 s,
# writes predictions and result.json) so the run measures orchestration, not training; the trainer
# still checks the base model's checkpoint headers and scores ROUGE.
# From the journal and `sweep results`: lost (planned, never succeeded), duplicated (more than one
# trial-succeeded event), stuck (pending or running at the deadline), fault-failed (failed: every
# fault is injected, none is the trial's). Exits 1 when any is not 0.
# usage: bench/chaos/run.sh [SEED=random] [DEADLINE_S=600]   (needs root: initdb as postgres, unshare)
#   CHAOS_TRIAL_SECONDS=N  each fake trial sleeps N s (default 1): a longer sweep draws more faults
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/chaos"
seed="${1:-$((RANDOM * 32768 + RANDOM))}"
deadline_s="${2:-600}"
RANDOM=$seed   # bash's RNG, seeded: the same seed gives the same fault plan (times vary with the machine)
[[ $(id -u) == 0 ]] || { echo "chaos: needs root (PostgreSQL as the postgres user, a mount namespace for the blind trainer)" >&2; exit 1; }
work="$(mktemp -d /tmp/cora-chaos-XXXXXX)"; chmod 755 "$work"
keep="${CHAOS_KEEP:-}"   # set: keep $work (logs, journal dumps) for a look afterwards
declare -A pid_of port_of started_at
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_root=""
pg() { runuser -u postgres -- "$pg_bin/$1" "${@:2}"; }
cleanup() {
  for name in "${!pid_of[@]}"; do kill -9 "${pid_of[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "$pg_root" && -f "$pg_root/data/postmaster.pid" ]] && pg pg_ctl stop -D "$pg_root/data" -m immediate > /dev/null 2>&1 || true
  if [[ -z "$keep" ]]; then rm -rf "$work"; else echo "chaos: kept $work" >&2; fi
}
trap cleanup EXIT
export CORA_TOKEN="bench-chaos"
"$root/cora" --help > /dev/null   # build first, outside the timings
# Plain TCP on loopback: pass --insecure where this build has it (mutual TLS by default).
insecure=(); insecure_console=()
if "$root/cora" node --help 2>&1 | grep -q -- --insecure; then insecure=(--insecure); fi
if "$root/cora" sweep status --help 2>&1 | grep -q -- --insecure; then insecure_console=(--insecure); fi
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# A 100-trial grid: LoRA at ranks 2 and 4 × 50 seeds, ROUGE only, on the tiny Llama fixture
# (tests/fixtures/llama/mha-tiny, copied: the blind trainer hides this copy) and a 4-example
# dataset. The trainer reads the base model's headers before each attempt; the fake trial command
# ignores the rest. (The micro zoo would add cora-fb and its basis stage, but making it takes
# 10+ minutes on a loaded 2-core machine.)
zoo="$work/zoo"; mkdir -p "$zoo/data"
cp -r "$root/tests/fixtures/llama/mha-tiny" "$zoo/base"
for i in 1 2 3 4; do printf '{"instruction":"say %s","input":"","output":"word %s"}\n' "$i" "$i"; done > "$zoo/data/train.jsonl"
cp "$zoo/data/train.jsonl" "$zoo/data/eval.jsonl"
grid="$work/chaos.conf"
cat > "$grid" <<EOF
grid {
  name = chaos
  base = "$zoo/base"
  datasets = [{ name = tiny, train = "$zoo/data/train.jsonl", eval = "$zoo/data/eval.jsonl" }]
  methods = [lora]
  ranks = [2, 4]
  seeds = [$(seq -s ', ' 0 49)]
  training { max_steps = 1, per_device_train_batch_size = 4, max_seq_length = 64 }
  generation { max-new-tokens = 4, batch-size = 4, limit = 4 }
  evaluation { metrics = [rouge] }
  trials { timeout = 10m, max-attempts = 2, device = cpu }
}
EOF
# Failure detection tuned short, as the cluster tests do (a killed node is downed after seconds).
config="$work/node.conf"
cat "$root/hocon/node.conf" - > "$config" <<EOF

akka.cluster.split-brain-resolver.stable-after = 3s
akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
akka.cluster.failure-detector.heartbeat-interval = 500ms
cora.trainer.recheck-every = 2s
cora.trainer.command = ["/bin/sh", "$here/fake-trial.sh"]
EOF

# A throwaway PostgreSQL (as tests/Shared/PostgresServer.cs: fsync off, synchronous_commit on).
pg_start() { pg pg_ctl start -D "$pg_root/data" -l "$pg_root/server.log" -w -t 60 > /dev/null; }
pg_setup() {
  pg_root="$1/pg"; mkdir -p "$pg_root"; chown postgres: "$pg_root"
  pg_port=$(free_port)
  pg initdb -D "$pg_root/data" -U postgres -A trust -E UTF8 --locale=C --no-sync > /dev/null
  printf '\nport = %s\nlisten_addresses = %s\nunix_socket_directories = %s\nfsync = off\nfull_page_writes = off\nmax_connections = 200\n' \
    "$pg_port" "'127.0.0.1'" "'$pg_root'" >> "$pg_root/data/postgresql.conf"
  pg_start
  db="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
}
sql() { runuser -u postgres -- psql -h 127.0.0.1 -p "$pg_port" -d postgres -Atc "$1"; }

# node NAME ROLE PORT [blind] ARGS...: starts (or restarts) a node in the background, waits until Up.
node() {
  local name="$1" role="$2" port="$3" blind="${4:-}" logf="$run/$1.log"
  # The same seed list on every node: the three coordinators (hocon/node.conf, seed-nodes).
  local args=(node --config "$config" --role "$role" --port "$port"
              --seed "127.0.0.1:${port_of[c1]}" --seed "127.0.0.1:${port_of[c2]}" --seed "127.0.0.1:${port_of[c3]}"
              --db "$db" --artifacts "$run/artifacts" "${insecure[@]}")
  [[ "$role" == trainer ]] && args+=(--slots "${slots:-2}")
  echo "--- start $(date -u +%H:%M:%S)" >> "$logf"
  local from=$(wc -l < "$logf")
  if [[ -n "$blind" ]]; then
    unshare --mount --propagation private sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$run/empty" "$zoo/base" \
      dotnet "$root/src/Cora.Cluster/bin/Release/net10.0/cora.dll" "${args[@]}" >> "$logf" 2>&1 &
  else
    dotnet "$root/src/Cora.Cluster/bin/Release/net10.0/cora.dll" "${args[@]}" >> "$logf" 2>&1 &
  fi
  pid_of[$name]=$!; started_at[$name]=$(date +%s.%N)
  local until=$((SECONDS + 120))
  until tail -n +"$((from + 1))" "$logf" | grep -q " is up"; do
    (( SECONDS < until )) && kill -0 "${pid_of[$name]}" 2>/dev/null || { log "node $name did not come up:"; tail -30 "$logf" >&2; exit 1; }
    sleep 0.2
  done
}
console() { "$root/cora" "$@" --contact "127.0.0.1:${port_of[c1]}" --contact "127.0.0.1:${port_of[c2]}" --contact "127.0.0.1:${port_of[c3]}" --json "${insecure_console[@]}"; }

# The coordinator hosting the singletons: the oldest coordinator node (the one started first).
oldest_coordinator() { for c in c1 c2 c3; do echo "${started_at[$c]} $c"; done | sort -g | head -1 | cut -d' ' -f2; }

faults=(); kinds_left=(); journal_back=(); self_exits=()
role_of() { [[ "$1" == c* ]] && echo coordinator || echo trainer; }
# As systemd or Kubernetes would: a node that exited by itself (the cluster downed it: exit 1) is
# started again on its port. Logged and counted: no fault injected here should cause one.
supervise() {
  local name code
  for name in "${!pid_of[@]}"; do
    kill -0 "${pid_of[$name]}" 2>/dev/null && continue
    code=0; wait "${pid_of[$name]}" 2>/dev/null || code=$?
    log "node $name exited by itself (exit $code; last lines in $run/$name.log), restarting it"
    tail -5 "$run/$name.log" >&2
    self_exits+=("$name")
    if [[ "$name" == blind ]]; then slots=1 node blind trainer "${port_of[blind]}" blind; else node "$name" "$(role_of "$name")" "${port_of[$name]}"; fi
  done
}
inject_faults() {   # runs in the foreground between polls: one fault at a time, 4–12 s after the last one is over
  local now=$SECONDS
  (( now >= next_fault )) || return 0
  # The kinds in rounds of a random order, so that every kind comes up in a run.
  # (Shuffled here, not in a subshell: bash reseeds RANDOM in subshells.)
  if (( ${#kinds_left[@]} == 0 )); then
    kinds_left=(0 1 2)
    local i j swap
    for i in 2 1; do j=$((RANDOM % (i + 1))); swap=${kinds_left[i]}; kinds_left[i]=${kinds_left[j]}; kinds_left[j]=$swap; done
  fi
  local kind=${kinds_left[0]} down=$((2 + RANDOM % 4)); kinds_left=("${kinds_left[@]:1}")
  case $kind in
    0) local t="t$((1 + RANDOM % 3))"
       log "fault: SIGKILL trainer $t, restart in ${down}s"; kill -9 "${pid_of[$t]}" 2>/dev/null || true; wait "${pid_of[$t]}" 2>/dev/null || true
       sleep "$down"; node "$t" trainer "${port_of[$t]}"; faults+=("trainer $t") ;;
    1) local c; c=$(oldest_coordinator)
       log "fault: SIGKILL coordinator $c (singleton host), restart in ${down}s"; kill -9 "${pid_of[$c]}" 2>/dev/null || true; wait "${pid_of[$c]}" 2>/dev/null || true
       sleep "$down"; node "$c" coordinator "${port_of[$c]}"; faults+=("coordinator $c") ;;
    2) local pm; pm=$(head -1 "$pg_root/data/postmaster.pid")
       log "fault: journal cut (SIGKILL postmaster $pm and its backends), start in ${down}s"
       kill -9 "$pm" $(pgrep -P "$pm") 2>/dev/null || true
       while kill -0 "$pm" 2>/dev/null; do sleep 0.1; done
       sleep "$down"; pg_start; journal_back+=("$(date +%s.%N)"); faults+=("journal") ;;
  esac
  next_fault=$((SECONDS + 4 + RANDOM % 9))
}

# sweep LABEL CHAOS: a fresh cluster and database, the grid; prints seconds to finish, writes the counts.
sweep() {
  local label="$1" chaos="$2"
  run="$work/$label"; mkdir -p "$run/artifacts" "$run/empty"
  pg_setup "$run"
  for n in c1 c2 c3 t1 t2 t3 blind; do port_of[$n]=$(free_port); done
  for c in c1 c2 c3; do started_at[$c]=0; done
  # Three coordinator nodes: the split brain resolver keeps the side with most of them, so one
  # may be killed (with two, killing the lower-addressed one downs every node).
  for c in c1 c2 c3; do node "$c" coordinator "${port_of[$c]}"; done
  for t in t1 t2 t3; do node "$t" trainer "${port_of[$t]}"; done
  [[ "$chaos" == yes ]] && slots=1 node blind trainer "${port_of[blind]}" blind
  local start; start=$(date +%s.%N)
  local id; id=$(console sweep start "$grid" | python3 -c 'import json, sys; print(json.load(sys.stdin)["sweep_id"])')
  log "$label: sweep $id started"
  next_fault=$((SECONDS + 3 + RANDOM % 6))
  local state=running end=$((SECONDS + deadline_s))
  while (( SECONDS < end )); do
    if console sweep status "$id" > "$run/status.json" 2>/dev/null; then
      state=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' "$run/status.json")
      [[ "$state" != running ]] && break
    fi
    supervise
    [[ "$chaos" == yes ]] && inject_faults
    sleep 0.5
  done
  elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  log "$label: sweep $id $state after $elapsed s"
  # The figures, once the journal is up and the sweep answers.
  until console sweep results "$id" > "$run/results.json" 2>/dev/null; do sleep 1; done
  sql "SELECT convert_from(payload, 'UTF8') FROM event_journal WHERE manifest = 'trial-succeeded' ORDER BY ordering" > "$run/succeeded.jsonl"
  sql "SELECT manifest, count(*) FROM event_journal GROUP BY manifest ORDER BY 1" > "$run/manifests.txt"
  sql "SELECT convert_from(payload, 'UTF8') FROM event_journal WHERE manifest = 'trial-requeued' ORDER BY ordering" > "$run/requeued.jsonl"
  sql "SELECT convert_from(payload, 'UTF8') FROM event_journal WHERE manifest LIKE 'trial-%' ORDER BY ordering" > "$run/trial-events.jsonl"
  python3 - "$run" > "$run/counts" <<'PY'
import collections, json, sys
run = sys.argv[1]
results = json.load(open(f"{run}/results.json"))
rows = results["rows"] if isinstance(results, dict) else results
state = {r["trial_id"]: r["status"] for r in rows}
succ = collections.Counter(json.loads(l)["trial_id"] for l in open(f"{run}/succeeded.jsonl") if l.strip())
lost = sum(1 for t in state if succ[t] == 0)
dup = sum(1 for t, n in succ.items() if n > 1)
stuck = sum(1 for s in state.values() if s not in ("succeeded", "failed"))
failed = sum(1 for s in state.values() if s == "failed")
print(len(state), lost, dup, stuck, failed)
PY
  for pid in "${pid_of[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pid_of=()
  pg pg_ctl stop -D "$pg_root/data" -m immediate > /dev/null 2>&1 || true
}

log "chaos: seed $seed, work $work"
sweep baseline no; base_s=$elapsed; read -r b_planned b_lost b_dup b_stuck b_failed < "$work/baseline/counts"
echo "baseline (no faults): $b_planned trials, lost $b_lost, duplicated $b_dup, stuck $b_stuck, failed $b_failed; $base_s s"
sweep faulty yes; faulty_s=$elapsed; read -r planned lost dup stuck failed < "$work/faulty/counts"
kinds=$(printf '%s\n' "${faults[@]}" | sed 's/ [ct][0-9]$//' | sort | uniq -c | awk '{ printf "%s%d %s", (NR > 1 ? ", " : ""), $1, $2 }')
node_faults=$(grep -c '"node_fault":true' "$work/faulty/requeued.jsonl" || true)
echo "faulty run journal events: $(tr '\n' ' ' < "$work/faulty/manifests.txt")"
# After each journal cut: seconds from PostgreSQL accepting connections again to the coordinator's
# next journaled trial event (it had stopped and was restarting with backoff).
resumed=$(python3 - "$work/faulty/trial-events.jsonl" "${journal_back[@]}" <<'PY'
import datetime, json, sys
ats = sorted(datetime.datetime.fromisoformat(json.loads(l)["at"]).timestamp()
             for l in open(sys.argv[1]) if l.strip() and '"at"' in l)
gaps = []
for back in map(float, sys.argv[2:]):
    after = [a for a in ats if a >= back]
    gaps.append(f"{after[0] - back:.1f} s" if after else "never")
print(", ".join(gaps) if gaps else "no journal cut")
PY
)
echo "faulty run: journal back -> coordinator journaling again: $resumed"
echo "nodes that exited by themselves (downed) and were restarted, both runs: ${#self_exits[@]}${self_exits[*]:+ (${self_exits[*]})}"
echo "faulty run: $planned trials; requeued $(wc -l < "$work/faulty/requeued.jsonl") times ($node_faults as node faults)"
awk -v l="$lost" -v d="$dup" -v s="$stuck" -v f="$failed" -v k="${#faults[@]} ($kinds) + a blind trainer" -v a="$faulty_s" -v b="$base_s" -v seed="$seed" \
  'BEGIN { printf "chaos: lost %d, duplicated %d, stuck %d, fault-failed %d; faults injected: %s; seed %s; time %.1fx the fault-free run (%.1f s vs %.1f s)\n", l, d, s, f, k, seed, a / b, a, b }'
(( lost + dup + stuck + failed == 0 ))
