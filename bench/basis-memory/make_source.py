#!/usr/bin/env python3
"""Writes a synthetic Llama source for basis extraction: config.json + model.safetensors holding
only q/k/v (what extraction reads), bf16, pseudo-random finite values. Stdlib only.
usage: make_source.py DIR HIDDEN LAYERS SEED"""
import json, os, random, struct, sys

out, hidden, layers, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
heads = hidden // 128
os.makedirs(out, exist_ok=True)
json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
           "intermediate_size": 4 * hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
           "num_key_value_heads": heads, "vocab_size": 256, "torch_dtype": "bfloat16"},
          open(os.path.join(out, "config.json"), "w"), indent=2)
rng = random.Random(seed)
# bf16 byte pairs: random low byte (mantissa), high byte = random sign | exponent near 2^-6.
table = bytes(((b & 0x80) | 0x3C) for b in range(256))
names = [f"model.layers.{l}.self_attn.{p}.weight" for l in range(layers) for p in ("k_proj", "q_proj", "v_proj")]
names.sort(key=lambda n: n.encode())
size = hidden * hidden * 2
header, offset = {}, 0
for name in names:
    header[name] = {"dtype": "BF16", "shape": [hidden, hidden], "data_offsets": [offset, offset + size]}
    offset += size
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text)
    for _ in names:
        data = bytearray(rng.randbytes(size))
        data[1::2] = bytes(data[1::2]).translate(table)
        f.write(data)
