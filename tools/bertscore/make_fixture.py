#!/usr/bin/env python3
"""Builds the BERTScore reference fixtures in tests/fixtures/bertscore/.

Two tiny random encoders in Hugging Face layout (a BERT with a WordPiece vocab.txt and a RoBERTa
with a byte-level BPE vocab.json + merges.txt), and what an independent implementation gives for
them: token ids, hidden states of every layer, and BERTScore P/R/F for a set of pairs under several
settings. Everything here is plain torch (1.13, Debian's python3-torch) and the standard library
(+ python3-regex for GPT-2's \\p{L} pattern); transformers and bert-score are not installed here, so
their semantics are re-implemented from their sources:

  transformers  models/bert/tokenization_bert.py (BasicTokenizer, WordpieceTokenizer),
                models/gpt2/tokenization_gpt2.py (bytes_to_unicode, bpe),
                models/roberta/tokenization_roberta.py (add_prefix_space),
                models/bert/modeling_bert.py, models/roberta/modeling_roberta.py (eager attention)
  bert-score    0.3.13, bert_score/utils.py (sent_encode, get_idf_dict, greedy_cos_idf) and
                bert_score/score.py (idf dict without idf, baseline rescaling)

The forward pass and the scores are computed in float64 from the float32 weights that are stored.
Matching is per pair without padding (what bert-score computes with batch_size=1; see the README).

Run from the repository root:  /usr/bin/python3 tools/bertscore/make_fixture.py
"""
import json
import math
import os
import struct
import unicodedata

import regex
import torch

OUT = os.path.join("tests", "fixtures", "bertscore")
torch.manual_seed(20240611)

# --------------------------------------------------------------------------- safetensors


def write_safetensors(path, tensors):
    """The safetensors layout: u64 LE header length, JSON header (padded with spaces to a
    multiple of 8), raw little-endian C-order data. Written by hand: no safetensors module here."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# --------------------------------------------------------------------------- BERT WordPiece


def is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokenize(text, lower):
    out = []
    for c in text:
        if ord(c) == 0 or ord(c) == 0xFFFD or is_control(c):
            continue
        out.append(" " if is_whitespace(c) else c)
    text = "".join(f" {c} " if is_chinese(ord(c)) else c for c in "".join(out))
    text = unicodedata.normalize("NFC", text)
    tokens = []
    for token in text.strip().split():
        if lower:
            token = token.lower()
            token = "".join(c for c in unicodedata.normalize("NFD", token) if unicodedata.category(c) != "Mn")
        pieces, start_new = [], True
        for c in token:
            if is_punctuation(c):
                pieces.append(c)
                start_new = True
            else:
                if start_new:
                    pieces.append("")
                start_new = False
                pieces[-1] += c
        tokens.extend(pieces)
    return " ".join(tokens).strip().split()


def wordpiece(token, vocab):
    if len(token) > 100:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(token):
        end, found = len(token), None
        while start < end:
            sub = token[start:end]
            if start > 0:
                sub = "##" + sub
            if sub in vocab:
                found = sub
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


class BertTok:
    def __init__(self, vocab, max_len):
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.max_len = max_len
        self.cls, self.sep, self.pad = self.vocab["[CLS]"], self.vocab["[SEP]"], self.vocab["[PAD]"]

    def encode(self, sent):
        # bert-score sent_encode: strip, then encode(add_special_tokens, truncation to model_max_length).
        sent = sent.strip()
        ids = []
        for word in basic_tokenize(sent, lower=True):
            ids.extend(self.vocab[p] for p in wordpiece(word, self.vocab))
        return [self.cls] + ids[: self.max_len - 2] + [self.sep]


# --------------------------------------------------------------------------- RoBERTa byte-level BPE

GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()


def byte_words(text):
    return ["".join(BYTE_ENCODER[b] for b in w.encode("utf-8")) for w in GPT2_PATTERN.findall(text)]


def bpe(word, ranks):
    """GPT2Tokenizer.bpe: merge the lowest-ranked adjacent pair, all its occurrences, until none."""
    word = tuple(word)
    while len(word) > 1:
        pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        first, second = best
        new, i = [], 0
        while i < len(word):
            try:
                j = word.index(first, i)
            except ValueError:
                new.extend(word[i:])
                break
            new.extend(word[i:j])
            i = j
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                new.append(first + second)
                i += 2
            else:
                new.append(word[i])
                i += 1
        word = tuple(new)
    return list(word)


class RobertaTok:
    def __init__(self, vocab, merges, max_len):
        self.vocab = vocab
        self.ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
        self.max_len = max_len
        self.cls, self.sep, self.pad = vocab["<s>"], vocab["</s>"], vocab["<pad>"]

    def encode(self, sent):
        # bert-score sent_encode: strip; RobertaTokenizer with add_prefix_space=True puts a space
        # before non-empty text; truncation to model_max_length includes <s> and </s>.
        sent = sent.strip()
        if sent == "":
            return [self.cls, self.sep]
        ids = []
        for w in byte_words(" " + sent):
            ids.extend(self.vocab[p] for p in bpe(w, self.ranks))
        return [self.cls] + ids[: self.max_len - 2] + [self.sep]


def train_bpe(texts, merges_wanted):
    words = {}
    for t in texts:
        for w in byte_words(" " + t.strip()):
            words[tuple(w)] = words.get(tuple(w), 0) + 1
    merges = []
    for _ in range(merges_wanted):
        counts = {}
        for w, n in words.items():
            for a, b in zip(w, w[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + n
        if not counts:
            break
        best = max(sorted(counts), key=lambda p: counts[p])
        merges.append(best)
        new_words = {}
        for w, n in words.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + n
        words = new_words
    return merges


# --------------------------------------------------------------------------- encoder forward (float64)


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def hidden_states(weights, config, prefix, ids, roberta):
    """All hidden states (embeddings output, then each layer's output) of one unpadded sequence."""
    W = {k[len(prefix):]: v.to(torch.float64) for k, v in weights.items() if k.startswith(prefix)}
    ids_t = torch.tensor(ids)
    t = len(ids)
    if roberta:
        pad = config["pad_token_id"]
        mask = (ids_t != pad).long()
        positions = torch.cumsum(mask, 0) * mask + pad
    else:
        positions = torch.arange(t)
    x = W["embeddings.word_embeddings.weight"][ids_t] + W["embeddings.position_embeddings.weight"][positions] \
        + W["embeddings.token_type_embeddings.weight"][torch.zeros(t, dtype=torch.long)]
    eps = config["layer_norm_eps"]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    states = [x]
    heads = config["num_attention_heads"]
    d = config["hidden_size"] // heads
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def lin(name, h):
            return h @ W[p + name + ".weight"].T + W[p + name + ".bias"]

        q = lin("attention.self.query", x).view(t, heads, d).transpose(0, 1)
        k = lin("attention.self.key", x).view(t, heads, d).transpose(0, 1)
        v = lin("attention.self.value", x).view(t, heads, d).transpose(0, 1)
        attn = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), dim=-1)
        ctx = (attn @ v).transpose(0, 1).reshape(t, heads * d)
        a = layer_norm(lin("attention.output.dense", ctx) + x,
                       W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin("intermediate.dense", a))
        x = layer_norm(lin("output.dense", h) + a, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
        states.append(x)
    return states


def random_encoder(config, prefix, extra):
    torch.manual_seed(config["vocab_size"] * 7 + config["num_hidden_layers"])
    h, m, v = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    w = {}

    def normal(*shape, std=0.5):
        return (torch.randn(*shape) * std).to(torch.float32)

    w["embeddings.word_embeddings.weight"] = normal(v, h)
    w["embeddings.position_embeddings.weight"] = normal(config["max_position_embeddings"], h)
    w["embeddings.token_type_embeddings.weight"] = normal(config["type_vocab_size"], h)
    w["embeddings.LayerNorm.weight"] = 1 + normal(h, std=0.1)
    w["embeddings.LayerNorm.bias"] = normal(h, std=0.1)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for name, (o, n) in {"attention.self.query": (h, h), "attention.self.key": (h, h), "attention.self.value": (h, h),
                             "attention.output.dense": (h, h), "intermediate.dense": (m, h), "output.dense": (h, m)}.items():
            w[p + name + ".weight"] = normal(o, n, std=0.4)
            w[p + name + ".bias"] = normal(o, std=0.1)
        for name in ["attention.output.LayerNorm", "output.LayerNorm"]:
            w[p + name + ".weight"] = 1 + normal(h, std=0.1)
            w[p + name + ".bias"] = normal(h, std=0.1)
    w["pooler.dense.weight"] = normal(h, h)
    w["pooler.dense.bias"] = normal(h)
    stored = {prefix + k: t for k, t in w.items()}
    stored.update(extra)
    return stored


# --------------------------------------------------------------------------- BERTScore (bert-score semantics)


def idf_dict(refs, tok):
    """get_idf_dict: each token counted once per reference; unseen tokens get log(M + 1)."""
    counts = {}
    for r in refs:
        for i in set(tok.encode(r)):
            counts[i] = counts.get(i, 0) + 1
    m = len(refs)
    return lambda i: math.log((m + 1) / (counts.get(i, 0) + 1))


def plain_weights(tok):
    # score(idf=False): every token weighs 1, except [CLS]/[SEP] (<s>/</s>), which weigh 0.
    return lambda i: 0.0 if i in (tok.cls, tok.sep) else 1.0


def bertscore(hyp_ids, ref_ids, hyp_emb, ref_emb, weight):
    h = hyp_emb / hyp_emb.norm(dim=-1, keepdim=True)
    r = ref_emb / ref_emb.norm(dim=-1, keepdim=True)
    sim = h @ r.T
    wh = torch.tensor([weight(i) for i in hyp_ids], dtype=torch.float64)
    wr = torch.tensor([weight(i) for i in ref_ids], dtype=torch.float64)
    wh, wr = wh / wh.sum(), wr / wr.sum()
    p = float((sim.max(dim=1).values * wh).sum())
    r_ = float((sim.max(dim=0).values * wr).sum())
    f = 2 * p * r_ / (p + r_)
    # greedy_cos_idf: an empty side ([CLS][SEP] only) zeroes P and R after F was computed; F's NaN -> 0.
    if len(hyp_ids) == 2 or len(ref_ids) == 2:
        p, r_ = 0.0, 0.0
    if math.isnan(f):
        f = 0.0
    return p, r_, f


def rescale(x, b):
    return (x - b) / (1 - b)


# --------------------------------------------------------------------------- the fixture


BERT_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ",", ".", "!", "?", "the", "a", "cat", "sat", "on", "mat",
              "dog", "ran", "away", "hello", "world", "un", "##want", "##ed", "runn", "##ing", "want", "##s", "猫",
              "big", "small", "house", "green", "##er", "is", "it"]

BERT_PAIRS = [
    ("b-01", "The cat sat on the mat.", "A cat sat on the mat."),
    ("b-02", "UNwant\u00e9d,running", "unwanted running"),
    ("b-03", "", "the dog ran away"),
    ("b-04", "hello world!", "   "),
    ("b-05", "the dog\tran   away ?", "The DOG ran away!"),
    ("b-06", "the cat " * 12, "the big cat is green"),
    ("b-07", "zebra xylophone", "the cat"),
    ("b-08", "猫sat on the house", "a 猫 sat on a small house"),
    ("b-09", "it is greener", "it is green"),
]

ROBERTA_TEXTS_FOR_MERGES = [
    "the cat sat on the mat", "The cat sat on the mat.", "a dog ran away", "hello world", "the big green house",
    "it's the dog's house", "running wanted",
]

ROBERTA_PAIRS = [
    ("r-01", "The cat sat on the mat.", "A cat sat on the mat."),
    ("r-02", "  it's the dog's house", "it is the house of the dog"),
    ("r-03", "", "hello world"),
    ("r-04", "hello world", ""),
    ("r-05", "the big green house", "The big, green house!"),
    ("r-06", "the cat sat " * 8, "a dog ran away"),
    ("r-07", "caf\u00e9 \u00fcber 2024", "cafe uber 2024"),
    ("r-08", "running\nwanted", "wanted running"),
]

BASELINE = "LAYER,P,R,F\n0,0.31,0.32,0.30\n1,0.52,0.53,0.51\n2,0.61,0.6,0.62\n3,0.7,0.71,0.69\n"


def model_cases(name, tok, weights, config, prefix, roberta, pairs, states_for):
    n = config["num_hidden_layers"]
    sentences = sorted({s for _, h, r in pairs for s in (h, r)})
    encoded = {s: tok.encode(s) for s in sentences}
    states = {s: hidden_states(weights, config, prefix, encoded[s], roberta) for s in sentences}
    baseline = [list(map(float, line.split(",")[1:])) for line in BASELINE.strip().split("\n")[1:]]
    refs = [r for _, _, r in pairs]
    settings = []
    for layer, use_idf, rescaled in [(n, False, False), (1, True, False), (0, False, False), (n, True, True)]:
        weight = idf_dict(refs, tok) if use_idf else plain_weights(tok)
        scores = {}
        for pid, h, r in pairs:
            p, rr, f = bertscore(encoded[h], encoded[r], states[h][layer], states[r][layer], weight)
            if rescaled:
                bp, br, bf = baseline[layer]
                p, rr, f = rescale(p, bp), rescale(rr, br), rescale(f, bf)
            scores[pid] = {"bertscore_precision": p, "bertscore_recall": rr, "bertscore_f1": f}
        settings.append({"layer": layer, "idf": use_idf, "baseline": "baseline.csv" if rescaled else None, "pairs": scores})
    return {
        "model": name,
        "tokens": {s: encoded[s] for s in sentences},
        "hidden_states": {s: [st.tolist() for st in states[s]] for s in states_for},
        "settings": settings,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "baseline.csv"), "w") as f:
        f.write(BASELINE)

    # BERT: "bert." prefix (a BertForMaskedLM-style file) with an MLM head tensor that scoring ignores.
    bert_dir = os.path.join(OUT, "bert-tiny")
    os.makedirs(bert_dir, exist_ok=True)
    bert_config = {"architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
                   "hidden_dropout_prob": 0.1, "hidden_size": 16, "initializer_range": 0.02, "intermediate_size": 32,
                   "layer_norm_eps": 1e-12, "max_position_embeddings": 32, "model_type": "bert",
                   "num_attention_heads": 4, "num_hidden_layers": 2, "pad_token_id": 0,
                   "position_embedding_type": "absolute", "torch_dtype": "float32", "type_vocab_size": 2,
                   "vocab_size": len(BERT_VOCAB)}
    bert_weights = random_encoder(bert_config, "bert.", {"cls.predictions.bias": torch.zeros(len(BERT_VOCAB))})
    write_safetensors(os.path.join(bert_dir, "model.safetensors"), bert_weights)
    with open(os.path.join(bert_dir, "config.json"), "w") as f:
        json.dump(bert_config, f, indent=2, sort_keys=True)
    with open(os.path.join(bert_dir, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(BERT_VOCAB) + "\n")
    with open(os.path.join(bert_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "model_max_length": 16, "tokenizer_class": "BertTokenizer"}, f, indent=2)
    bert_tok = BertTok(BERT_VOCAB, 16)
    bert_weights = {k: v.to(torch.float32) for k, v in bert_weights.items()}

    # RoBERTa: no prefix (an AutoModel-style file), pooler included; 3 layers.
    rob_dir = os.path.join(OUT, "roberta-tiny")
    os.makedirs(rob_dir, exist_ok=True)
    merges = train_bpe(ROBERTA_TEXTS_FOR_MERGES, 60)
    tokens = ["<s>", "<pad>", "</s>", "<unk>"] + [BYTE_ENCODER[b] for b in range(256)]
    for a, b in merges:
        if a + b not in tokens:
            tokens.append(a + b)
    tokens.append("<mask>")
    vocab = {t: i for i, t in enumerate(tokens)}
    rob_config = {"architectures": ["RobertaForMaskedLM"], "attention_probs_dropout_prob": 0.1, "bos_token_id": 0,
                  "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 16,
                  "initializer_range": 0.02, "intermediate_size": 24, "layer_norm_eps": 1e-5,
                  "max_position_embeddings": 34, "model_type": "roberta", "num_attention_heads": 2,
                  "num_hidden_layers": 3, "pad_token_id": 1, "position_embedding_type": "absolute",
                  "torch_dtype": "float32", "type_vocab_size": 1, "vocab_size": len(tokens)}
    rob_weights = random_encoder(rob_config, "", {})
    write_safetensors(os.path.join(rob_dir, "model.safetensors"), rob_weights)
    with open(os.path.join(rob_dir, "config.json"), "w") as f:
        json.dump(rob_config, f, indent=2, sort_keys=True)
    with open(os.path.join(rob_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(rob_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    with open(os.path.join(rob_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"add_prefix_space": False, "model_max_length": 32, "tokenizer_class": "RobertaTokenizer"}, f, indent=2)
    rob_tok = RobertaTok(vocab, [f"{a} {b}" for a, b in merges], 32)

    expected = {
        "generator": "tools/bertscore/make_fixture.py",
        "torch": torch.__version__,
        "baseline_file": "baseline.csv",
        "models": [
            model_cases("bert-tiny", bert_tok, bert_weights, bert_config, "bert.", False, BERT_PAIRS,
                        ["The cat sat on the mat.", "the cat " * 12, ""]),
            model_cases("roberta-tiny", rob_tok, rob_weights, rob_config, "", True, ROBERTA_PAIRS,
                        ["The cat sat on the mat.", "the cat sat " * 8, ""]),
        ],
        "pairs": {"bert-tiny": [{"id": i, "prediction": h, "reference": r} for i, h, r in BERT_PAIRS],
                  "roberta-tiny": [{"id": i, "prediction": h, "reference": r} for i, h, r in ROBERTA_PAIRS]},
    }
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for name, pairs in expected["pairs"].items():
        with open(os.path.join(OUT, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            for p in pairs:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
