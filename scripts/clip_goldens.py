#!/usr/bin/env python3
"""Golden outputs of the reference CLIP (openai/CLIP clip/model.py) on a tiny random model, for ClipModelGoldenTest.

Usage: python3 scripts/clip_goldens.py PATH_TO_OPENAI_CLIP_CHECKOUT ml-core/src/test/resources/clip

Writes tiny-clip.safetensors (the weights, OpenAI key names, F32) and goldens.safetensors (input images and tokens,
and encode_image / encode_text / logits_per_image of the reference in float32). LayerNorm parameters and biases are
perturbed away from their initial 1/0 so that every parameter shapes the outputs. Needs torch and numpy.
"""
import importlib.util
import json
import struct
import sys

import numpy as np
import torch


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata} if metadata else {}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[array.dtype]
        data = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    checkout, out = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("clip_model", f"{checkout}/clip/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    torch.manual_seed(2024)
    # vision heads = 64 // 64 = 1 (the reference fixes width / 64); text heads = 2 to exercise the head split
    model = module.CLIP(embed_dim=24, image_resolution=32, vision_layers=2, vision_width=64, vision_patch_size=8,
                        context_length=77, vocab_size=600, transformer_width=32, transformer_heads=2,
                        transformer_layers=2).float().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or ".ln_" in name or name.startswith("ln_"):
                p.add_(0.1 * torch.randn_like(p))

    images = torch.randn(2, 3, 32, 32)
    tokens = torch.zeros(3, 77, dtype=torch.long)
    rows = [[598, 5, 17, 599], [598] + list(range(10, 40)) + [599], [598, 599]]
    for i, row in enumerate(rows):
        tokens[i, :len(row)] = torch.tensor(row)
    with torch.no_grad():
        image_features = model.encode_image(images)
        text_features = model.encode_text(tokens)
        logits_per_image, _ = model(images, tokens)

    weights = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    write_safetensors(f"{out}/tiny-clip.safetensors", weights, {"clip.text_heads": "2", "clip.vision_heads": "1"})
    write_safetensors(f"{out}/goldens.safetensors", {
        "images": images.numpy(), "tokens": tokens.numpy(),
        "image_embeddings": image_features.numpy(), "text_embeddings": text_features.numpy(),
        "logits_per_image": logits_per_image.numpy(),
    }, {"reference": "openai/CLIP clip/model.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
