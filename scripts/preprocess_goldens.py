#!/usr/bin/env python3
"""Golden outputs of the reference image transform, for ClipPreprocessorTest.

Usage: python3 scripts/preprocess_goldens.py ml-core/src/test/resources/preprocess

The reference (openai/CLIP clip.py _transform) is torchvision Resize(n, BICUBIC) on a PIL image, CenterCrop(n),
RGB, ToTensor, Normalize(CLIP mean, std). torchvision is not needed for it: the same steps are written here with
Pillow, whose bicubic resize is what torchvision calls for PIL images. Writes PNG inputs and expected.safetensors.
"""
import json
import struct
import sys

import numpy as np
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
RESOLUTION = 64


def reference_transform(image, n):
    w, h = image.size
    if w <= h:
        size = (n, int(n * h / w))
    else:
        size = (int(n * w / h), n)
    if size != (w, h):
        image = image.resize(size, Image.BICUBIC)
    w, h = image.size
    top = int(round((h - n) / 2.0))
    left = int(round((w - n) / 2.0))
    image = image.crop((left, top, left + n, top + n)).convert("RGB")
    array = np.asarray(image, dtype=np.float32) / np.float32(255.0)
    return ((array - MEAN) / STD).transpose(2, 0, 1).astype(np.float32)


def picture(w, h, rng):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255.0 / max(w - 1, 1), y * 255.0 / max(h - 1, 1), (x + y) % 37 * 7.0], axis=-1)
    noise = rng.integers(-40, 40, size=(h, w, 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(11)
    sizes = [(300, 220), (97, 61), (20, 45), (64, 64), (64, 256), (65, 64), (123, 77)]
    tensors = {}
    for w, h in sizes:
        name = f"{w}x{h}"
        picture(w, h, rng).save(f"{out}/{name}.png")
        tensors[name] = reference_transform(Image.open(f"{out}/{name}.png"), RESOLUTION)
    header = {"__metadata__": {"resolution": str(RESOLUTION), "reference": "Pillow bicubic resize + center crop"}}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(f"{out}/expected.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


if __name__ == "__main__":
    main()
