#!/usr/bin/env python3
"""PyTorch eager counterpart of `./mmap bench encoders`: the reference CLIP (clip/model.py), random weights, float32.

Usage: python3 bench/pytorch_encoders.py CLIP_CHECKOUT --arch ViT-B-16 --batch 32 --iterations 3 --out bench/results/pytorch-encoders.json
"""
import argparse
import importlib.util
import json
import statistics
import time
from datetime import datetime, timezone

import torch

ARCHS = {  # embed_dim, resolution, vision layers, vision width, patch, context, vocab, text width, text heads, text layers
    "tiny": (64, 64, 2, 128, 16, 77, 49408, 128, 2, 2),
    "ViT-B-32": (512, 224, 12, 768, 32, 77, 49408, 512, 8, 12),
    "ViT-B-16": (512, 224, 12, 768, 16, 77, 49408, 512, 8, 12),
}


def timed(iterations, work):
    work()
    runs = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        work()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkout")
    p.add_argument("--arch", default="ViT-B-16")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--out", default="bench/results/pytorch-encoders.json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    spec = importlib.util.spec_from_file_location("clip_model", f"{a.checkout}/clip/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    model = module.CLIP(*ARCHS[a.arch]).float().eval()
    r = ARCHS[a.arch][1]

    def images():
        with torch.no_grad():
            model.encode_image(torch.randn(a.batch, 3, r, r)).numpy()

    def texts():
        tokens = torch.randint(1, 49000, (a.batch, 77))
        tokens[:, 20] = 49407
        with torch.no_grad():
            model.encode_text(tokens).numpy()

    image_ms = timed(a.iterations, images)
    text_ms = timed(a.iterations, texts)
    result = {"benchmark": "clip-encoders", "implementation": f"pytorch eager {torch.__version__}",
              "when": datetime.now(timezone.utc).isoformat(), "arch": a.arch, "device": "cpu", "threads": a.threads,
              "batch": a.batch, "iterations": a.iterations, "imageBatchMs": image_ms,
              "imagesPerSecond": a.batch * 1000 / image_ms, "textBatchMs": text_ms,
              "textsPerSecond": a.batch * 1000 / text_ms}
    print(json.dumps(result, indent=2))
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
