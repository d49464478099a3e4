#!/usr/bin/env python3
"""A tiny TorchScript CLIP archive shaped like OpenAI's released .pt files, for ClipWeightsTest.

Usage: python3 scripts/torchscript_golden.py PATH_TO_OPENAI_CLIP_CHECKOUT ml-core/src/test/resources/clip

Traces the reference CLIP (clip/model.py) on a tiny random config, converts its parameters to float16 as OpenAI's
archives hold them, saves tiny-jit.pt, and writes tiny-jit.json with each parameter's shape, float64 sum and first
values after widening to float32, which the Java reader must reproduce.
"""
import importlib.util
import json
import sys

import torch


def main():
    checkout, out = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("clip_model", f"{checkout}/clip/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(3)
    model = module.CLIP(16, 32, 1, 64, 16, 77, 100, 64, 1, 1).float().eval()
    images = torch.randn(1, 3, 32, 32)
    tokens = torch.zeros(1, 77, dtype=torch.long)
    tokens[0, :3] = torch.tensor([98, 5, 99])
    traced = torch.jit.trace(model, (images, tokens)).half()
    traced.save(f"{out}/tiny-jit.pt")
    summary = {}
    for name, p in traced.named_parameters():
        values = p.detach().float()
        summary[name] = {"shape": list(values.shape), "sum": values.double().sum().item(),
                         "first": values.flatten()[:4].tolist()}
    with open(f"{out}/tiny-jit.json", "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
