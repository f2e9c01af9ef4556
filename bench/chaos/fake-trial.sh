#!/bin/sh
# The chaos benchmark's trial command (cora.trainer.command): takes the arguments of
# `cora trial exec --spec FILE --out DIR [--checkpoints DIR]`, sleeps CHAOS_TRIAL_SECONDS (default 1), prints a
# progress line and writes predictions.jsonl and result.json as a real trial does, so the
# benchmark measures orchestration under faults, not training.
set -eu
spec="$4" out="$6"
sleep "${CHAOS_TRIAL_SECONDS:-1}"
echo '@cora-progress {"stage":"training","step":1,"total_steps":1,"loss":2.5}'
method=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s.get("method", "lora"))' "$spec" 2>/dev/null || echo lora)
printf '%s\n' '{"id":"a","prediction":"the cat sat","reference":"the cat sat"}' '{"id":"b","prediction":"a dog ran","reference":"a dog"}' > "$out/predictions.jsonl"
cat > "$out/result.json" <<JSON
{"method":"$method","rank":4,"trainable_parameters":3072,"total_parameters":100000,"steps":1,
 "train_loss_first":3.0,"train_loss_final":2.5,"eval_loss_base":3.1,"eval_loss_after":2.75,
 "train_seconds":1,"wall_seconds":1,"tokens_per_second":100,
 "output_dir":"$out","model_dir":"$out","predictions":"$out/predictions.jsonl"}
JSON
