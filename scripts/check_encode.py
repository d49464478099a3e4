#!/usr/bin/env python3
"""Independent check of `./mmap encode` against the reference implementation.

Usage: python3 scripts/check_encode.py CLIP_CHECKOUT WEIGHTS.safetensors OUT.json --image P... --text T...

Builds the reference CLIP (clip/model.py) from the weights in float32 (as build_model infers it, without its fp16
conversion), tokenizes with the reference tokenizer and preprocesses with Pillow as the reference transform, and
prints the largest relative difference to the embeddings and logits in OUT.json (written by ./mmap encode with the
same inputs). Exits 1 above 1e-5.
"""
import argparse
import importlib.util
import json
import struct
import sys
import types
import unicodedata

import numpy as np
import torch

sys.path.insert(0, __import__("os").path.dirname(__file__))
from preprocess_goldens import reference_transform  # noqa: E402
from PIL import Image  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        dtype = {"F32": np.float32, "F16": np.float16, "I64": np.int64}[spec["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype=dtype).reshape(spec["shape"]).copy())
    return out


def load(checkout, name):
    spec = importlib.util.spec_from_file_location(name, f"{checkout}/clip/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkout")
    p.add_argument("weights")
    p.add_argument("ours")
    p.add_argument("--image", action="append", default=[])
    p.add_argument("--text", action="append", default=[])
    a = p.parse_args()
    if "ftfy" not in sys.modules:
        try:
            import ftfy  # noqa: F401
        except ImportError:
            stub = types.ModuleType("ftfy")
            stub.fix_text = lambda t: unicodedata.normalize("NFC", t)
            sys.modules["ftfy"] = stub
    model_module = load(a.checkout, "model")
    tokenizer = load(a.checkout, "simple_tokenizer").SimpleTokenizer(f"{a.checkout}/clip/bpe_simple_vocab_16e6.txt.gz")
    sd = read_safetensors(a.weights)
    vision_width = sd["visual.conv1.weight"].shape[0]
    vision_layers = len([k for k in sd if k.startswith("visual.") and k.endswith(".attn.in_proj_weight")])
    patch = sd["visual.conv1.weight"].shape[-1]
    grid = round((sd["visual.positional_embedding"].shape[0] - 1) ** 0.5)
    layers = len(set(k.split(".")[2] for k in sd if k.startswith("transformer.resblocks")))
    width = sd["ln_final.weight"].shape[0]
    model = model_module.CLIP(sd["text_projection"].shape[1], patch * grid, vision_layers, vision_width, patch,
                              sd["positional_embedding"].shape[0], sd["token_embedding.weight"].shape[0], width,
                              width // 64, layers).float().eval()
    model.load_state_dict(sd)
    ours = json.load(open(a.ours))
    worst = 0.0
    with torch.no_grad():
        if a.image:
            images = torch.stack([torch.from_numpy(reference_transform(Image.open(i), patch * grid)) for i in a.image])
            ref = model.encode_image(images)
            worst = max(worst, compare("image_embeddings", ref, ours))
        if a.text:
            sot, eot = tokenizer.encoder["<|startoftext|>"], tokenizer.encoder["<|endoftext|>"]
            tokens = torch.zeros(len(a.text), 77, dtype=torch.long)
            for i, t in enumerate(a.text):
                ids = [sot] + tokenizer.encode(t) + [eot]
                tokens[i, :len(ids)] = torch.tensor(ids)
            ref_text = model.encode_text(tokens)
            worst = max(worst, compare("text_embeddings", ref_text, ours))
        if a.image and a.text:
            logits, _ = model(images, tokens)
            worst = max(worst, compare("logits_per_image", logits, ours))
    print(f"largest relative difference: {worst:.3g}")
    sys.exit(0 if worst <= 1e-5 else 1)


def compare(key, reference, ours):
    mine = torch.tensor(ours[key])
    diff = (mine - reference).abs().max().item() / reference.abs().max().item()
    print(f"{key}: {tuple(reference.shape)} max relative difference {diff:.3g}")
    return diff


if __name__ == "__main__":
    main()
