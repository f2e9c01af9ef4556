#!/usr/bin/env python3
"""Writes a synthetic Llama source for basis extraction: config.json + model.safetensors holding
q/k/v (what extraction reads), bf16, pseudo-random finite values. With WITH_MLP = mlp the file also
holds each layer's MLP (gate/up/down, intermediate 4·hidden): 4× the q/k/v bytes that extraction
has no need to touch (bench/basis-io). Stdlib only.
usage: make_source.py DIR HIDDEN LAYERS SEED [WITH_MLP]"""
import json, os, random, struct, sys

out, hidden, layers, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with_mlp = len(sys.argv) > 5 and sys.argv[5] == "mlp"
heads = hidden // 128
os.makedirs(out, exist_ok=True)
json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
           "intermediate_size": 4 * hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
           "num_key_value_heads": heads, "vocab_size": 256, "torch_dtype": "bfloat16"},
          open(os.path.join(out, "config.json"), "w"), indent=2)
rng = random.Random(seed)
# bf16 byte pairs: random low byte (mantissa), high byte = random sign | exponent near 2^-6.
table = bytes(((b & 0x80) | 0x3C) for b in range(256))
shapes = {f"model.layers.{l}.self_attn.{p}.weight": [hidden, hidden] for l in range(layers) for p in ("k_proj", "q_proj", "v_proj")}
if with_mlp:
    for l in range(layers):
        shapes[f"model.layers.{l}.mlp.gate_proj.weight"] = [4 * hidden, hidden]
        shapes[f"model.layers.{l}.mlp.up_proj.weight"] = [4 * hidden, hidden]
        shapes[f"model.layers.{l}.mlp.down_proj.weight"] = [hidden, 4 * hidden]
names = sorted(shapes, key=lambda n: n.encode())
header, offset = {}, 0
for name in names:
    size = shapes[name][0] * shapes[name][1] * 2
    header[name] = {"dtype": "BF16", "shape": shapes[name], "data_offsets": [offset, offset + size]}
    offset += size
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text)
    for name in names:
        data = bytearray(rng.randbytes(shapes[name][0] * shapes[name][1] * 2))
        data[1::2] = bytes(data[1::2]).translate(table)
        f.write(data)
