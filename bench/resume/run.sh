#!/usr/bin/env bash
# Resume: the demo grid's shape with 3 seeds (lora, cora-fb, cora-tb at r = 8; lora_dropout 0.05, so
# resumed runs must restore the generator too; save_steps = 8 of 32) on the tiny zoo, run twice
# with `cora run` on fresh stores: uninterrupted (A), and killed with SIGKILL as soon as a trial has
# its step-16 checkpoint, then run again to the end (B). Compares every trial's metrics and adapter
# bytes between A and B, lists the attempts that resumed, and prints the time each took (B's
# includes the kill and the restart). Prints "resume: …" lines; exits 1 if anything differs.
# usage: bench/resume/run.sh   (CORA_ZOO=DIR reuses a tiny zoo made with --sources 1 --seed 0)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d /tmp/cora-resume-XXXXXX)"; trap 'rm -rf "$work"' EXIT
zoo="${CORA_ZOO:-$work/zoo}"
[[ -f "$zoo/zoo.json" ]] || "$root/cora" zoo make --preset tiny --sources 1 --seed 0 --out "$zoo" > /dev/null
sed -e 's/seeds = \[0, 1\]/seeds = [0, 1, 2]/' -e 's/methods = \[lora, cora-fb, cora-tb, zeros-fb\]/methods = [lora, cora-fb, cora-tb]/' \
    -e 's/dropout = 0.0 }/dropout = 0.05 }/' -e 's|max_seq_length = 256|max_seq_length = 256\n    save_steps = 8|' \
    -e 's/name = demo/name = resume/' "$root/hocon/grids/demo.conf" > "$work/grid.conf"
export CORA_ZOO="$zoo"

start=$(date +%s.%N)
"$root/cora" run "$work/grid.conf" --artifacts "$work/A" --parallel 2 > "$work/A.out" 2> "$work/A.err"
a_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')

start=$(date +%s.%N)
"$root/cora" run "$work/grid.conf" --artifacts "$work/B" --parallel 2 > /dev/null 2> "$work/B1.err" &
pid=$!
until compgen -G "$work/B/trials/*/checkpoints/step-00000016" > /dev/null || ! kill -0 $pid 2> /dev/null; do sleep 0.2; done
kill -9 $pid 2> /dev/null || true
wait $pid 2> /dev/null || true
killed_at=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
sleep 2   # the trial processes notice their parent is gone and exit
"$root/cora" run "$work/grid.conf" --artifacts "$work/B" --parallel 2 > "$work/B.out" 2> "$work/B2.err"
b_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')

cat "$work/A.out"
python3 - "$work" "$a_s" "$b_s" "$killed_at" <<'PY'
import glob, hashlib, json, sys
work, a_s, b_s, killed = sys.argv[1], *sys.argv[2:]
A = {r["trial_id"]: r for r in json.load(open(f"{work}/A/results.json"))}
B = {r["trial_id"]: r for r in json.load(open(f"{work}/B/results.json"))}
ignored = {"tokens_per_second", "train_seconds", "attempts"}
differ = sorted({k for t in A for k in A[t] if k not in ignored and A[t][k] != B.get(t, {}).get(k)})
def adapter(store, t):
    path = sorted(glob.glob(f"{work}/{store}/trials/{t}/attempt-*/adapter/adapter_model.safetensors"))[-1]
    return hashlib.sha256(open(path, "rb").read()).hexdigest()
adapters = sum(adapter("A", t) != adapter("B", t) for t in A)
resumed = []
for path in sorted(glob.glob(f"{work}/B/trials/*/attempt-*/result.json")):
    r = json.load(open(path))
    if r.get("resumed_from_step"): resumed.append(f"{r['method']} from step {r['resumed_from_step']}")
left = glob.glob(f"{work}/B/trials/*/checkpoints")
print(f"resume: {len(A)} trials; uninterrupted {a_s} s; killed at {killed} s and run again, {b_s} s in all; "
      f"resumed attempts: {len(resumed)} ({', '.join(resumed) or 'none'})")
print(f"resume: fields that differ (time and attempt counts aside): {len(differ)} {differ}; adapters that differ: {adapters} of {len(A)}; "
      f"checkpoint directories left: {len(left)}")
sys.exit(1 if differ or adapters or left or set(A) != set(B) or not resumed else 0)
PY
