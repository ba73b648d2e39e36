#!/usr/bin/env python3
"""PyTorch-eager reference of longtail's training step, for bench_train_step's ratio.

The same model and batch as bench/torch/train_step.cpp, written the way a PyTorch user would:
pre-LN Transformer encoder-decoder (harness/model/transformer.cpp: fused q/k/v self-attention,
q + fused k/v cross-attention, ReLU FFN, final layer norms, sinusoidal positions, one embedding
matrix shared by source, target and output projection scaled by sqrt(d)), label-smoothed loss
(epsilon 0.1) summed per language, objective sum_i w_i L_i / N, gradient clipping at 1.0 and
Adam (0.9, 0.98, 1e-8; torch.optim.Adam with its default implementation for the device), bf16
autocast around the forward pass on CUDA. Random tokens, no padding, languages round-robin.

  train_step.py --preset small --device cuda [--batch-tokens 8192] [--compile] [--json OUT]

Prints one JSON object: tokens/s (non-pad source + target tokens per second, as bench_train_step
counts them), ms per step, parameter count, model FLOPs per step (for MFU), versions, and whether
torch.compile was used or why not. Works with PyTorch 1.13 (no scaled_dot_product_attention:
the attention is written out) so the CPU path can be checked on Debian's python3-torch.
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# name: (encoder layers, decoder layers, d_model, ffn, heads, dropout, max positions)
# = harness/model/model_config.cpp's presets.
PRESETS = {
    "tiny": (1, 1, 32, 64, 2, 0.0, 256),
    "small": (2, 2, 64, 256, 4, 0.1, 512),
    "base": (6, 6, 512, 1024, 4, 0.3, 1024),
}
VOCAB = 8000  # bench/torch/synthetic_batch.h kBenchVocab
LANGS = 4
SEQ_LEN = 32
HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def attention(q, k, v, causal, dropout, training):
    if HAS_SDPA:
        return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout if training else 0.0, is_causal=causal)
    s = q @ k.transpose(-1, -2) / math.sqrt(q.size(-1))
    if causal:
        t = q.size(-2)
        s = s.masked_fill(torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    return F.dropout(s.softmax(-1), dropout, training) @ v


def split_heads(x, h):
    b, t, d = x.shape
    return x.view(b, t, h, d // h).transpose(1, 2)


def merge_heads(x):
    b, h, t, dh = x.shape
    return x.transpose(1, 2).reshape(b, t, h * dh)


class SelfAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.in_proj, self.out_proj = h, nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x, causal):
        q, k, v = (split_heads(t, self.h) for t in self.in_proj(x).chunk(3, -1))
        return self.out_proj(merge_heads(attention(q, k, v, causal, 0.0, self.training)))


class CrossAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.q_proj, self.kv_proj, self.out_proj = h, nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)

    def forward(self, x, memory):
        k, v = (split_heads(t, self.h) for t in self.kv_proj(memory).chunk(2, -1))
        q = split_heads(self.q_proj(x), self.h)
        return self.out_proj(merge_heads(attention(q, k, v, False, 0.0, self.training)))


class FeedForward(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, f), nn.Linear(f, d)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, d, f, h, p):
        super().__init__()
        self.p, self.ln_attn, self.ln_ffn = p, nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn, self.ffn = SelfAttention(d, h), FeedForward(d, f)

    def forward(self, x):
        x = x + F.dropout(self.attn(self.ln_attn(x), False), self.p, self.training)
        return x + F.dropout(self.ffn(self.ln_ffn(x)), self.p, self.training)


class DecoderLayer(nn.Module):
    def __init__(self, d, f, h, p):
        super().__init__()
        self.p = p
        self.ln_self, self.ln_cross, self.ln_ffn = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn, self.cross_attn, self.ffn = SelfAttention(d, h), CrossAttention(d, h), FeedForward(d, f)

    def forward(self, x, memory):
        x = x + F.dropout(self.self_attn(self.ln_self(x), True), self.p, self.training)
        x = x + F.dropout(self.cross_attn(self.ln_cross(x), memory), self.p, self.training)
        return x + F.dropout(self.ffn(self.ln_ffn(x)), self.p, self.training)


def sinusoidal(n, d):
    pos = torch.arange(n, dtype=torch.float).unsqueeze(1)
    inv = torch.exp(torch.arange(0, d, 2, dtype=torch.float) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * inv), torch.cos(pos * inv)
    return pe


class Transformer(nn.Module):
    def __init__(self, enc, dec, d, f, h, p, max_pos):
        super().__init__()
        self.d, self.p = d, p
        self.embedding = nn.Embedding(VOCAB, d)
        self.register_buffer("positions", sinusoidal(max_pos, d))
        self.encoder = nn.ModuleList(EncoderLayer(d, f, h, p) for _ in range(enc))
        self.decoder = nn.ModuleList(DecoderLayer(d, f, h, p) for _ in range(dec))
        self.encoder_ln, self.decoder_ln = nn.LayerNorm(d), nn.LayerNorm(d)

    def embed(self, tokens):
        x = self.embedding(tokens) * math.sqrt(self.d) + self.positions[: tokens.size(1)].unsqueeze(0)
        return F.dropout(x, self.p, self.training)

    def forward(self, src, tgt_in):
        x = self.embed(src)
        for layer in self.encoder:
            x = layer(x)
        memory = self.encoder_ln(x)
        y = self.embed(tgt_in)
        for layer in self.decoder:
            y = layer(y, memory)
        return F.linear(self.decoder_ln(y), self.embedding.weight)


def step_fn(model, opt, src, tgt_in, tgt_out, lang, weights, autocast):
    opt.zero_grad(set_to_none=True)
    with torch.autocast(src.device.type, dtype=torch.bfloat16, enabled=autocast):
        logits = model(src, tgt_in)
    lprobs = torch.log_softmax(logits.float(), -1)
    eps = 0.1
    nll = -lprobs.gather(-1, tgt_out.unsqueeze(-1)).squeeze(-1)
    smooth = -lprobs.sum(-1)
    other = eps / (VOCAB - 1)
    per_example = ((1.0 - eps - other) * nll + other * smooth).sum(1)
    tokens = torch.full_like(per_example, tgt_out.size(1))
    onehot = F.one_hot(lang, LANGS).to(per_example.dtype)
    lang_loss, lang_tokens = onehot.t() @ per_example, onehot.t() @ tokens
    objective = (weights * lang_loss).sum() / lang_tokens.sum()
    objective.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return torch.stack([objective.detach(), norm.float()])


def model_flops_per_step(enc, dec, d, f, rows, t):
    """Matmul FLOPs of forward + backward (3 x forward, 2 per multiply-add), as MFU counts them."""
    tok = rows * t
    enc_layer = 2 * tok * (3 * d * d + d * d + 2 * d * f) + 2 * 2 * rows * t * t * d
    dec_layer = 2 * tok * (3 * d * d + d * d + d * d + 2 * d * d + d * d + 2 * d * f) + 2 * 2 * 2 * rows * t * t * d
    output = 2 * tok * d * VOCAB
    return 3 * (enc * enc_layer + dec * dec_layer + output)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default="small")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch-tokens", type=int, default=8192, help="source + target tokens per batch")
    ap.add_argument("--steps", type=int, default=50, help="timed steps (after --warmup)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--bf16", choices=["auto", "on", "off"], default="auto", help="auto: on CUDA with bf16 support")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model (PyTorch 2.x)")
    ap.add_argument("--json", help="also write the result here")
    a = ap.parse_args()

    enc, dec, d, f, h, p, max_pos = PRESETS[a.preset]
    device = torch.device(a.device)
    bf16 = a.bf16 == "on" or (a.bf16 == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported())
    torch.manual_seed(1)
    model = Transformer(enc, dec, d, f, h, p, max_pos).to(device).train()
    params = sum(x.numel() for x in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-8)
    rows = a.batch_tokens // (2 * SEQ_LEN)
    src = torch.randint(4, VOCAB, (rows, SEQ_LEN), device=device)
    tgt_out = torch.randint(4, VOCAB, (rows, SEQ_LEN), device=device)
    tgt_in = torch.cat([torch.full((rows, 1), 2, device=device, dtype=torch.long), tgt_out[:, :-1]], 1)
    lang = torch.arange(rows, device=device) % LANGS
    weights = torch.ones(LANGS, device=device)

    compiled, compile_note = False, "not asked"
    forward_model = model
    if a.compile:
        if not hasattr(torch, "compile"):
            compile_note = f"torch.compile not in PyTorch {torch.__version__}"
        else:
            try:
                forward_model = torch.compile(model)
                compiled, compile_note = True, "torch.compile(model)"
            except Exception as e:  # noqa: BLE001 - reported, the eager figure still stands
                compile_note = f"torch.compile failed: {e}"

    def run(n):
        out = None
        for _ in range(n):
            out = step_fn(forward_model, opt, src, tgt_in, tgt_out, lang, weights, bf16)
        host = out.cpu()  # syncs, as bench_train_step's loss to host does every step
        if not torch.isfinite(host).all():
            raise SystemExit(f"non-finite loss or gradient norm: {host.tolist()}")
        return host

    try:
        run(a.warmup)
    except Exception as e:  # noqa: BLE001
        if not compiled:
            raise
        compile_note = f"torch.compile failed at its first step: {type(e).__name__}: {e}"
        compiled, forward_model = False, model
        run(a.warmup)
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        out = step_fn(forward_model, opt, src, tgt_in, tgt_out, lang, weights, bf16)
        out.cpu()  # one host sync per step, like longtail's step
    seconds = time.perf_counter() - t0
    tokens = rows * 2 * SEQ_LEN
    result = {
        "preset": a.preset,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "precision": "bf16" if bf16 else "fp32",
        "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda,
        "attention": "scaled_dot_product_attention" if HAS_SDPA else "explicit softmax(QK^T)V",
        "compiled": compiled,
        "compile": compile_note,
        "params": params,
        "batch_tokens": tokens,
        "steps": a.steps,
        "ms_per_step": 1000.0 * seconds / a.steps,
        "tokens_per_s": tokens * a.steps / seconds,
        "model_flops_per_step": model_flops_per_step(enc, dec, d, f, rows, SEQ_LEN),
    }
    text = json.dumps(result, indent=1)
    print(text)
    if a.json:
        with open(a.json + ".tmp", "w") as fh:
            fh.write(text + "\n")
        import os
        os.replace(a.json + ".tmp", a.json)


if __name__ == "__main__":
    sys.exit(main())
