#!/usr/bin/env python3
"""PyTorch eager counterpart of `./mmap bench train-step`: the same training step, written here in plain PyTorch.

CLIP's forward as the reference defines it (same layer order, QuickGELU, causal text mask, pooling at end-of-text),
with the method's prompts placed as mmap-mtl places them (text prompts overwrite the tokens after start-of-text,
visual prompts go after the class token and are replaced before each deeper prompted block), random weights,
random pixels and labels; then cross-entropy over `--classes` class texts, backward, and torch.optim.SGD
(lr 0.0035, momentum 0.9, weight decay 5e-4). Frozen text features are computed once when no parameter reaches them.

With --tasks N the step is the paper's multi-task step as prompt-learning code writes it: for each task the model is
called on that task's batch (text and image forward, as MaPLe's and CoOp's CustomCLIP.forward do), the tasks' losses
are summed and one backward follows; with --snapshot each task goes forward and backward on its own (its gradient
kept), as the steps that take gradient snapshots do.

With --strong the step makes the savings mmap-mtl's step makes, as a careful PyTorch user would write them: the text
tower runs only over the positions up to the last end-of-text (--text-positions, the number the DJL run reports as
textPositions, so both sides do the same text work), once per step for the prompts every task shares, all tasks'
images go through the image tower as one batch, and one backward follows (the loss is still the sum of each task's
mean cross-entropy). With --snapshot and --strong the text is cut the same way but each task keeps its own backward.

Debian's OpenBLAS may not recognise the CPU and fall back to slow kernels: the script measures its GEMM rate (2048³
float32 matmul) and prints it with the result; try OPENBLAS_CORETYPE=SkylakeX/Haswell/Zen and keep the fastest.

Usage: python3 bench/pytorch_train_step.py --arch ViT-B-16 --method mmap-mt --batch 4 --tasks 4 --classes 65 \
           --threads 2 --iterations 3 --out bench/results/train-step-pytorch.json
"""
import os
import argparse
import json
import math
import resource
import statistics
import time
from datetime import datetime, timezone

import torch
import torch.nn.functional as F

# embed_dim, resolution, vision layers, vision width, patch, context, vocab, text width, text heads, text layers
ARCHS = {
    "tiny": (64, 64, 2, 128, 16, 77, 49408, 128, 2, 2),
    "ViT-B-32": (512, 224, 12, 768, 32, 77, 49408, 512, 8, 12),
    "ViT-B-16": (512, 224, 12, 768, 16, 77, 49408, 512, 8, 12),
}
EOT = 49407


def block_weights(width, layers):
    def w(*shape):
        return torch.randn(*shape) * 0.02
    return [dict(ln1_w=torch.ones(width), ln1_b=torch.zeros(width),
                 in_w=w(3 * width, width), in_b=torch.zeros(3 * width),
                 out_w=w(width, width), out_b=torch.zeros(width),
                 ln2_w=torch.ones(width), ln2_b=torch.zeros(width),
                 fc_w=w(4 * width, width), fc_b=torch.zeros(4 * width),
                 proj_w=w(width, 4 * width), proj_b=torch.zeros(width)) for _ in range(layers)]


def clip_weights(arch):
    embed, res, v_layers, v_width, patch, context, vocab, t_width, t_heads, t_layers = ARCHS[arch]
    grid = res // patch
    return dict(
        conv1=torch.randn(v_width, 3, patch, patch) * 0.02, cls=torch.randn(v_width) * 0.02,
        v_pos=torch.randn(grid * grid + 1, v_width) * 0.01, ln_pre_w=torch.ones(v_width), ln_pre_b=torch.zeros(v_width),
        v_blocks=block_weights(v_width, v_layers), ln_post_w=torch.ones(v_width), ln_post_b=torch.zeros(v_width),
        v_proj=torch.randn(v_width, embed) * v_width ** -0.5,
        tok=torch.randn(vocab, t_width) * 0.02, t_pos=torch.randn(context, t_width) * 0.01,
        t_blocks=block_weights(t_width, t_layers), ln_final_w=torch.ones(t_width), ln_final_b=torch.zeros(t_width),
        t_proj=torch.randn(t_width, embed) * t_width ** -0.5,
        mask=torch.full((context, context), float("-inf")).triu_(1))


def tensors(weights):
    for v in weights.values():
        if isinstance(v, torch.Tensor):
            yield v
        elif isinstance(v, list):
            for b in v:
                yield from b.values()


def attention(x, b, heads, mask):
    batch, tokens, width = x.shape
    qkv = F.linear(x, b["in_w"], b["in_b"]).reshape(batch, tokens, 3, heads, width // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0] * (1 / math.sqrt(width // heads)), qkv[1], qkv[2]
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores + mask
    mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, tokens, width)
    return F.linear(mixed, b["out_w"], b["out_b"])


def transformer(x, blocks, heads, mask, prompts):
    for i, b in enumerate(blocks):
        if 0 < i < len(prompts):
            x = overwrite_after_first(x, prompts[i])
        x = x + attention(F.layer_norm(x, x.shape[-1:], b["ln1_w"], b["ln1_b"]), b, heads, mask)
        h = F.linear(F.layer_norm(x, x.shape[-1:], b["ln2_w"], b["ln2_b"]), b["fc_w"], b["fc_b"])
        h = h * torch.sigmoid(1.702 * h)
        x = x + F.linear(h, b["proj_w"], b["proj_b"])
    return x


def overwrite_after_first(x, p):
    p = p.unsqueeze(0).expand(x.shape[0], -1, -1)
    return torch.cat([x[:, :1], p, x[:, 1 + p.shape[1]:]], 1)


def encode_image(w, images, arch, prompts):
    embed, res, v_layers, v_width, patch, *_ = ARCHS[arch]
    x = F.conv2d(images, w["conv1"], stride=patch)
    x = x.reshape(x.shape[0], v_width, -1).permute(0, 2, 1)
    x = torch.cat([w["cls"].expand(x.shape[0], 1, -1), x], 1) + w["v_pos"]
    if prompts:
        p = prompts[0].unsqueeze(0).expand(x.shape[0], -1, -1)
        x = torch.cat([x[:, :1], p, x[:, 1:]], 1)
    x = F.layer_norm(x, x.shape[-1:], w["ln_pre_w"], w["ln_pre_b"])
    x = transformer(x, w["v_blocks"], v_width // 64, None, prompts)
    return F.layer_norm(x[:, 0], x.shape[-1:], w["ln_post_w"], w["ln_post_b"]) @ w["v_proj"]


def encode_text(w, tokens, arch, prompts):
    t_heads = ARCHS[arch][8]
    length = tokens.shape[1]  # all 77 positions, or (--strong) those up to the last end-of-text
    x = w["tok"][tokens]
    if prompts:
        x = overwrite_after_first(x, prompts[0])
    x = x + w["t_pos"][:length]
    x = transformer(x, w["t_blocks"], t_heads, w["mask"][:length, :length], prompts)
    x = F.layer_norm(x, x.shape[-1:], w["ln_final_w"], w["ln_final_b"])
    return x[torch.arange(x.shape[0]), tokens.argmax(-1)] @ w["t_proj"]


def method_parameters(method, arch, weights):
    """(trainable tensors, text prompts per layer fn, visual prompts per layer fn) as mmap-mtl's defaults."""
    embed, res, v_layers, v_width, patch, context, vocab, t_width, t_heads, t_layers = ARCHS[arch]
    if method == "full-ft":
        params = [t for t in tensors(weights) if t is not weights["mask"]]
        return params, lambda: [], lambda: []
    if method == "coop":
        ctx = torch.randn(16, t_width) * 0.02
        return [ctx], lambda: [ctx], lambda: []
    if method == "vpt":
        vis = [torch.randn(18, v_width) * 0.02 for _ in range(v_layers)]
        return vis, lambda: [], lambda: vis
    if method in ("mmap-mt", "mmap-st", "mmap"):
        b, m = 6, 6
        n = min(256, math.gcd(t_width, v_width))
        depth = min(12, v_layers, t_layers)
        sets = 2 if method == "mmap" else 1  # grouped: a group-shared MmAP, then the task-specific one
        layers = [[(torch.randn(m, n) * 0.02, torch.randn(b // m, t_width // n), torch.randn(b // m, v_width // n))
                   for _ in range(depth)] for _ in range(sets)]
        params = [t for s in layers for layer in s for t in layer]
        text = lambda: [torch.cat([torch.kron(s[i][1], s[i][0]) for s in layers]) for i in range(depth)]
        vision = lambda: [torch.cat([torch.kron(s[i][2], s[i][0]) for s in layers]) for i in range(depth)]
        return params, text, vision
    raise SystemExit(f"unknown method {method}: coop, vpt, mmap, mmap-mt, mmap-st, full-ft")


def gemm_gflops(threads):
    """The float32 GEMM rate this torch reaches here (fastest of 8 after a warm-up), to show the peer its best kernel."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    runs = []
    for _ in range(8):
        t0 = time.perf_counter()
        a @ b
        runs.append(time.perf_counter() - t0)
    return 2 * 2048 ** 3 / min(runs) / 1e9


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="ViT-B-16", choices=sorted(ARCHS))
    p.add_argument("--method", default="mmap-mt")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--classes", type=int, default=65)
    p.add_argument("--tasks", type=int, default=1)
    p.add_argument("--snapshot", action="store_true")
    p.add_argument("--strong", action="store_true", help="make the same savings as mmap-mtl's step")
    p.add_argument("--text-positions", type=int, default=21,
                   help="with --strong: positions the text tower keeps (DJL's textPositions); end-of-text at the last")
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--out", default="bench/results/train-step-pytorch.json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    gflops = gemm_gflops(a.threads)
    print(f"GEMM 2048³ float32: {gflops:.0f} GFLOP/s (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})")
    torch.manual_seed(0)
    weights = clip_weights(a.arch)
    params, text_prompts, vision_prompts = method_parameters(a.method, a.arch, weights)
    for t in params:
        t.requires_grad_(True)
    optimizer = torch.optim.SGD(params, lr=0.0035, momentum=0.9, weight_decay=5e-4)
    res = ARCHS[a.arch][1]
    tokens = torch.randint(1, 49000, (a.classes, 77))
    eot = a.text_positions - 1 if a.strong else 20
    tokens[:, eot] = EOT
    if a.strong:
        tokens = tokens[:, :eot + 1]
    text_trainable = a.method != "vpt"
    frozen_text = None
    if not text_trainable:
        with torch.no_grad():
            frozen_text = encode_text(weights, tokens, a.arch, [])

    def forward_loss(images, labels):
        image = encode_image(weights, images, a.arch, vision_prompts())
        text = encode_text(weights, tokens, a.arch, text_prompts()) if text_trainable else frozen_text
        image = image / image.norm(dim=1, keepdim=True)
        text = text / text.norm(dim=1, keepdim=True)
        return F.cross_entropy(100 * image @ text.t(), labels)

    def strong_loss(batches):
        """Every task's images in one batch, the shared prompts' text once, each task's mean cross-entropy summed."""
        images = torch.cat([b[0] for b in batches])
        image = encode_image(weights, images, a.arch, vision_prompts())
        text = encode_text(weights, tokens, a.arch, text_prompts()) if text_trainable else frozen_text
        image = image / image.norm(dim=1, keepdim=True)
        text = text / text.norm(dim=1, keepdim=True)
        logits = 100 * image @ text.t()
        return sum(F.cross_entropy(logits[i * a.batch:(i + 1) * a.batch], labels)
                   for i, (_, labels) in enumerate(batches))

    # drawn once, outside the timing, as TrainStepBench does
    batches = [(torch.randn(a.batch, 3, res, res), torch.randint(0, a.classes, (a.batch,))) for _ in range(a.tasks)]

    def step():
        optimizer.zero_grad()
        if a.strong and not a.snapshot:
            total = strong_loss(batches)
            total.backward()
        elif a.snapshot:
            kept = []
            for images, labels in batches:
                loss = forward_loss(images, labels)
                loss.backward()
                kept.append([t.grad.clone() for t in params])
            total = loss
        else:
            total = sum(forward_loss(images, labels) for images, labels in batches)
            total.backward()
        optimizer.step()
        return total.item()

    step()
    runs = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        step()
        runs.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(runs)
    result = {"benchmark": "train-step",
              "implementation": f"pytorch eager {torch.__version__}" + (" (strong)" if a.strong else ""),
              "strong": a.strong,
              "when": datetime.now(timezone.utc).isoformat(), "arch": a.arch, "method": a.method,
              "trainableParameters": sum(t.numel() for t in params), "device": "cpu", "threads": a.threads,
              "batch": a.batch, "tasks": a.tasks, "snapshot": a.snapshot, "classes": a.classes,
              "textPositions": tokens.shape[1], "iterations": a.iterations, "stepMs": ms, "stepsMs": runs,
              "imagesPerSecond": a.batch * a.tasks * 1000 / ms, "gemmGflops": gflops,
              "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"), "blas": torch.__config__.show(),
              "maxResidentMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    print(json.dumps(result, indent=2))
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
