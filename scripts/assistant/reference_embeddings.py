#!/usr/bin/env python3
"""Independent reference embeddings for all-MiniLM-L6-v2, computed once and committed.

A plain numpy BERT forward pass over the same safetensors weights, tokenised by the Python
`tokenizers` package (the one sentence-transformers uses), mean-pooled over the attention
mask and L2-normalised, exactly as sentence-transformers' Pooling + Normalize modules do.
It shares no code with the Rust (candle) embedder, so agreement means both are right.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy tokenizers safetensors
    /tmp/ref/bin/python scripts/assistant/reference_embeddings.py "$EMBEDDING_MODEL_DIR" \
        > assistant/tests/fixtures/minilm_reference.json
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

SENTENCES = [
    "Wireless noise-cancelling headphones with 30 hours of battery life",
    "A cast iron skillet for searing steaks and baking cornbread",
    "Organic cotton t-shirt, slim fit, navy blue",
    "How do I choose running shoes for flat feet?",
    "Stainless steel water bottle that keeps drinks cold for 24 hours",
]
MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length
erf = np.vectorize(math.erf)


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def linear(x, weights, name):
    return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]


def embed(model_dir: Path, sentence: str) -> list:
    config = json.loads((model_dir / "config.json").read_text())
    weights = {k.removeprefix("bert."): v.astype(np.float64) for k, v in load_file(model_dir / "model.safetensors").items()}
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    enc = tokenizer.encode(sentence)
    ids = np.array(enc.ids)
    types = np.array(enc.type_ids)
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    hidden = config["hidden_size"]
    head_dim = hidden // heads

    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][np.arange(len(ids))]
        + weights["embeddings.token_type_embeddings.weight"][types]
    )
    x = layer_norm(x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"], eps)
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}"
        split = lambda t: t.reshape(len(ids), heads, head_dim).transpose(1, 0, 2)
        q = split(linear(x, weights, f"{p}.attention.self.query"))
        k = split(linear(x, weights, f"{p}.attention.self.key"))
        v = split(linear(x, weights, f"{p}.attention.self.value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(len(ids), hidden)
        attn = linear(context, weights, f"{p}.attention.output.dense")
        x = layer_norm(attn + x, weights[f"{p}.attention.output.LayerNorm.weight"], weights[f"{p}.attention.output.LayerNorm.bias"], eps)
        inter = linear(x, weights, f"{p}.intermediate.dense")
        inter = 0.5 * inter * (1.0 + erf(inter / math.sqrt(2.0)))
        out = linear(inter, weights, f"{p}.output.dense")
        x = layer_norm(out + x, weights[f"{p}.output.LayerNorm.weight"], weights[f"{p}.output.LayerNorm.bias"], eps)
    # One unpadded sentence: every token is attended, so the masked mean is the plain mean.
    pooled = x.mean(0)
    return (pooled / np.linalg.norm(pooled)).round(6).tolist()


def main():
    model_dir = Path(sys.argv[1])
    rows = [{"sentence": s, "embedding": embed(model_dir, s)} for s in SENTENCES]
    json.dump({"model": "all-MiniLM-L6-v2", "method": "numpy BERT forward pass (scripts/assistant/reference_embeddings.py)", "sentences": rows}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
