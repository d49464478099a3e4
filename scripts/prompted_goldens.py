#!/usr/bin/env python3
"""Golden logits of prompted CLIP for PromptedGoldenTest, from a PyTorch implementation of the paper's equations.

Usage (from the checkout; any Python 3 with torch and numpy, e.g. Debian's python3-torch):
    ./mmap init-weights --arch tiny --seed 7 --out /tmp/prompted-base.safetensors
    /usr/bin/python3 scripts/prompted_goldens.py /tmp/prompted-base.safetensors ml-core/src/test/resources/prompted
MmAP at its defaults (DefaultPromptGoldenTest: 12 layers, b = m = 6, n = the widths' gcd, both source readings; the
checkpoints leave every size to the defaults):
    ./mmap init-weights --arch tiny-deep --seed 7 --out /tmp/deep-base.safetensors
    /usr/bin/python3 scripts/prompted_goldens.py /tmp/deep-base.safetensors ml-core/src/test/resources/prompted-defaults --defaults
Prompt learners as CoOp's and MaPLe's own code saves them (PromptImportTest: their tensor names, nn.Linear's [out, in]
projections, the frozen token_prefix/token_suffix buffers beside), to be brought in with ./mmap import:
    /usr/bin/python3 scripts/prompted_goldens.py /tmp/prompted-base.safetensors ml-core/src/test/resources/imported --foreign

The CLIP forward is written here from the reference (openai/CLIP clip/model.py: pre-LN residual blocks, QuickGELU,
causal text mask, text pooled at end-of-text, image at the class token, logit_scale.exp() times cosine similarity);
before anything else it must reproduce the reference's own outputs in ml-core/src/test/resources/clip.
The prompts follow the paper (and MaPLe's code, on which it builds):
- text: the prompt of layer 0 replaces the token embeddings right after start-of-text (positions 1..b, the
  placeholders "X"), before the positional embedding is added; the prompt of layer k (1 <= k < K) replaces
  positions 1..b of the sequence entering block k;
- image: the prompt of layer 0 is inserted right after the class token once the positional embedding is added,
  before ln_pre; the prompt of layer k replaces those tokens before block k;
- MmAP: text prompt Ml (x) Ps, visual prompt Mv (x) Ps (Kronecker products) per layer; the framework concatenates the
  group-shared tokens and the task-specific ones, in that order;
- MaPLe: visual prompt = text prompt . W + bias per layer (W stored [text width, vision width]);
- VPT-deep: visual prompts only; CoOp: a text context at the input only.

For each method it writes a checkpoint in the documented format (README, "Checkpoint format") with values chosen
here (far from the trainer's initialisation), and the logits of every task on random pixels: prompted.safetensors
(pixels, class token ids, logits/<method>/<task>), <method>.safetensors (checkpoints).
"""
import gzip
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np
import torch

from clip_goldens import write_safetensors  # the same writer as the CLIP goldens (this folder is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = os.path.join(HERE, "..", "..", "shared", "data", "bpe_simple_vocab_16e6.txt.gz")


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    kinds = {"F32": np.float32, "I64": np.int64, "F16": np.float16}
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=kinds[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.astype(np.float32 if info["dtype"] != "I64" else np.int64))
    return tensors, metadata


def token_ids():
    """CLIP's vocabulary as simple_tokenizer.py builds it: bytes, bytes + </w>, merges, then SOT and EOT."""
    merges = gzip.open(VOCAB).read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
    merges = [tuple(m.split()) for m in merges]
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = [chr(c) for c in cs]
    vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    return {v: i for i, v in enumerate(vocab)}


def tokenize(words, ids, context=77):
    """Texts made only of words that are single BPE tokens, so no BPE is needed: [SOT, word</w> ..., EOT, 0 ...]."""
    row = [ids["<|startoftext|>"]] + [ids[w + "</w>"] for w in words] + [ids["<|endoftext|>"]]
    return row + [0] * (context - len(row))


# ---------------------------------------------------------------- CLIP, written from the reference


def layer_norm(x, w, prefix):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w[prefix + ".weight"], w[prefix + ".bias"], 1e-5)


def block(x, w, prefix, heads, mask):
    batch, length, width = x.shape
    h = layer_norm(x, w, prefix + ".ln_1")
    qkv = h @ w[prefix + ".attn.in_proj_weight"].T + w[prefix + ".attn.in_proj_bias"]
    q, k, v = qkv.split(width, dim=-1)

    def split(t):
        return t.reshape(batch, length, heads, width // heads).transpose(1, 2)

    scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(width // heads)
    if mask is not None:
        scores = scores + mask[:length, :length]
    attended = (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(batch, length, width)
    x = x + attended @ w[prefix + ".attn.out_proj.weight"].T + w[prefix + ".attn.out_proj.bias"]
    h = layer_norm(x, w, prefix + ".ln_2")
    h = h @ w[prefix + ".mlp.c_fc.weight"].T + w[prefix + ".mlp.c_fc.bias"]
    h = h * torch.sigmoid(1.702 * h)
    return x + h @ w[prefix + ".mlp.c_proj.weight"].T + w[prefix + ".mlp.c_proj.bias"]


def layers(w, prefix):
    start = prefix + ".resblocks."
    return len({k[len(start):].split(".")[0] for k in w if k.startswith(start)})


def encode_image(w, heads, pixels, prompts=()):
    conv = w["visual.conv1.weight"]
    x = torch.nn.functional.conv2d(pixels, conv, stride=conv.shape[-1])
    x = x.flatten(2).transpose(1, 2)
    cls = w["visual.class_embedding"].expand(x.shape[0], 1, -1)
    x = torch.cat([cls, x], dim=1) + w["visual.positional_embedding"]
    if prompts:
        x = torch.cat([x[:, :1], prompts[0].expand(x.shape[0], -1, -1), x[:, 1:]], dim=1)
    x = layer_norm(x, w, "visual.ln_pre")
    for i in range(layers(w, "visual.transformer")):
        if 0 < i < len(prompts):
            t = prompts[i].shape[0]
            x = torch.cat([x[:, :1], prompts[i].expand(x.shape[0], -1, -1), x[:, 1 + t:]], dim=1)
        x = block(x, w, f"visual.transformer.resblocks.{i}", heads, None)
    return layer_norm(x[:, 0], w, "visual.ln_post") @ w["visual.proj"]


def encode_text(w, heads, tokens, prompts=()):
    x = w["token_embedding.weight"][tokens]
    if prompts:
        b = prompts[0].shape[0]
        x = torch.cat([x[:, :1], prompts[0].expand(x.shape[0], -1, -1), x[:, 1 + b:]], dim=1)
    x = x + w["positional_embedding"]
    context = tokens.shape[1]
    mask = torch.full((context, context), float("-inf")).triu_(1)
    for i in range(layers(w, "transformer")):
        if 0 < i < len(prompts):
            b = prompts[i].shape[0]
            x = torch.cat([x[:, :1], prompts[i].expand(x.shape[0], -1, -1), x[:, 1 + b:]], dim=1)
        x = block(x, w, f"transformer.resblocks.{i}", heads, mask)
    x = layer_norm(x, w, "ln_final")
    return x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)] @ w["text_projection"]


def logits(w, image_features, text_features):
    image_features = image_features / image_features.norm(dim=-1, keepdim=True)
    text_features = text_features / text_features.norm(dim=-1, keepdim=True)
    return w["logit_scale"].exp() * image_features @ text_features.T


def check_against_reference():
    """The functions above must give the reference model.py's outputs (goldens written by scripts/clip_goldens.py)."""
    base = os.path.join(HERE, "..", "ml-core", "src", "test", "resources", "clip")
    w, meta = read_safetensors(os.path.join(base, "tiny-clip.safetensors"))
    g, _ = read_safetensors(os.path.join(base, "goldens.safetensors"))
    image = encode_image(w, int(meta["clip.vision_heads"]), g["images"])
    text = encode_text(w, int(meta["clip.text_heads"]), g["tokens"])
    for name, ours, ref in [("image", image, g["image_embeddings"]), ("text", text, g["text_embeddings"]),
                            ("logits", logits(w, image, text), g["logits_per_image"])]:
        error = ((ours - ref).abs().max() / ref.abs().max()).item()
        assert error < 1e-5, f"{name}: relative error {error} against the reference"


# ---------------------------------------------------------------- the methods' prompts, as the paper defines them


def kron(a, b):
    return torch.kron(a, b)


class Method:
    """A method's chosen parameter values, the checkpoint tensors that hold them, and each task's prompts per layer."""

    def __init__(self, name, tasks, groups, dl, dv, depth, generator):
        self.name, self.tasks, self.groups = name, tasks, groups
        self.method = name  # the method the checkpoint names (a golden's name may say more)
        self.dl, self.dv, self.depth, self.g = dl, dv, depth, generator
        self.tensors = {}

    def value(self, name, *shape, scale=1.0):
        t = torch.randn(*shape, generator=self.g) * scale
        self.tensors[name] = t
        return t


def coop(tasks, dl, dv, depth, g, tokens=16):
    m = Method("coop", tasks, [], dl, dv, depth, g)
    per_task = {t: m.value(f"task/{t}/ctx", tokens, dl, scale=0.5) for t in tasks}
    m.meta = {"prompt_length": tokens}
    m.prompts = lambda t: ([per_task[t]], [])
    return m


def vpt(tasks, dl, dv, depth, g, tokens=18):
    m = Method("vpt", tasks, [], dl, dv, depth, g)
    per_task = {t: [m.value(f"task/{t}/vision.{i}", tokens, dv, scale=0.5) for i in range(depth)] for t in tasks}
    m.meta = {"prompt_length": tokens, "depth": depth}
    m.prompts = lambda t: ([], per_task[t])
    return m


def maple_mt(tasks, dl, dv, depth, g, tokens=2):
    m = Method("maple-mt", tasks, [], dl, dv, depth, g)
    text, vision = [], []
    for i in range(depth):
        p = m.value(f"shared/text.{i}", tokens, dl, scale=0.5)
        weight = m.value(f"shared/proj.{i}.weight", dl, dv, scale=dl ** -0.5)
        bias = m.value(f"shared/proj.{i}.bias", dv, scale=0.1)
        text.append(p)
        vision.append(p @ weight + bias)
    m.meta = {"prompt_length": tokens, "depth": depth}
    m.prompts = lambda t: (text, vision)
    return m


def mmap_slot(m, slot, b, mm, n, per_layer=True):
    text, vision = [], []
    shared_source = None if per_layer else m.value(f"{slot}source", mm, n, scale=0.5)
    for i in range(m.depth):
        source = m.value(f"{slot}layer{i}.source", mm, n, scale=0.5) if per_layer else shared_source
        ml = m.value(f"{slot}layer{i}.text", b // mm, m.dl // n)
        mv = m.value(f"{slot}layer{i}.vision", b // mm, m.dv // n)
        text.append(kron(ml, source))
        vision.append(kron(mv, source))
    return text, vision


def mmap(name, tasks, groups, dl, dv, depth, g, b=6, mm=3, n=32, per_layer=True, defaults=False):
    m = Method(name, tasks, groups, dl, dv, depth, g)
    m.method = "mmap-mt" if name.startswith("mmap-mt") else "mmap"
    # at the defaults the checkpoint leaves every size to the reader: 0 means "the method's default"
    m.meta = {"prompt_length": 0, "depth": 0, "m": 0, "n": 0} if defaults else {"prompt_length": b, "depth": depth, "m": mm, "n": n}
    if not per_layer:
        m.meta["source_per_layer"] = "false"
    if m.method == "mmap-mt":
        shared = mmap_slot(m, "shared/", b, mm, n, per_layer)
        m.prompts = lambda t: shared
        return m
    group_prompts = [mmap_slot(m, f"group/{i}/", b, mm, n, per_layer) for i in range(len(groups))]
    task_prompts = {t: mmap_slot(m, f"task/{t}/", b, mm, n, per_layer) for t in tasks}

    def prompts(t):
        group = next(i for i, members in enumerate(groups) if t in members)
        (gt, gv), (tt, tv) = group_prompts[group], task_prompts[t]
        return [torch.cat([a, c]) for a, c in zip(gt, tt)], [torch.cat([a, c]) for a, c in zip(gv, tv)]

    m.prompts = prompts
    return m


def foreign_coop(dl, g, tokens=4):
    """CoOp's PromptLearner (unified context, class token at the end): prompt_learner.ctx [n_ctx, width]."""
    m = Method("coop-mt", ["imported"], [], dl, 0, 1, g)
    ctx = torch.randn(tokens, dl, generator=g) * 0.5
    m.tensors = {"prompt_learner.ctx": ctx, "prompt_learner.token_prefix": torch.randn(3, 1, dl, generator=g),
                 "prompt_learner.token_suffix": torch.randn(3, 72, dl, generator=g)}
    m.prompts = lambda t: ([ctx], [])
    return m


def foreign_maple(dl, dv, depth, g, tokens=2):
    """MaPLe's MultiModalPromptLearner: ctx and proj (the first layer), compound_prompts_text.i and
    compound_prompt_projections.i (layers 1..K-1), every projection nn.Linear(width, vision width): weight [out, in]."""
    m = Method("maple-mt", ["imported"], [], dl, dv, depth, g)
    text, vision, tensors = [], [], {}
    for i in range(depth):
        p = torch.randn(tokens, dl, generator=g) * 0.5
        weight = torch.randn(dv, dl, generator=g) * dl ** -0.5
        bias = torch.randn(dv, generator=g) * 0.1
        text.append(p)
        vision.append(p @ weight.T + bias)
        if i == 0:
            tensors.update({"prompt_learner.ctx": p, "prompt_learner.proj.weight": weight, "prompt_learner.proj.bias": bias})
        else:
            tensors.update({f"prompt_learner.compound_prompts_text.{i - 1}": p,
                            f"prompt_learner.compound_prompt_projections.{i - 1}.weight": weight,
                            f"prompt_learner.compound_prompt_projections.{i - 1}.bias": bias})
    tensors["prompt_learner.token_prefix"] = torch.randn(3, 1, dl, generator=g)
    m.tensors = tensors
    m.prompts = lambda t: (text, vision)
    return m


def main():
    base_path, out = sys.argv[1], sys.argv[2]
    check_against_reference()
    w, meta = read_safetensors(base_path)
    vision_heads, text_heads = int(meta["clip.vision_heads"]), int(meta["clip.text_heads"])
    dl, dv = w["token_embedding.weight"].shape[1], w["visual.conv1.weight"].shape[0]
    depth = min(layers(w, "transformer"), layers(w, "visual.transformer"))
    resolution = int(round(math.sqrt(w["visual.positional_embedding"].shape[0] - 1))) * w["visual.conv1.weight"].shape[-1]
    ids = token_ids()
    classes = ["cat", "dog", "car"]
    tasks = ["clipart", "painting", "sketch"]
    groups = [["clipart", "sketch"], ["painting"]]
    g = torch.Generator().manual_seed(2024)
    pixels = torch.randn(4, 3, resolution, resolution, generator=g)
    foreign = "--foreign" in sys.argv[3:]
    if foreign:
        tasks = ["imported"]
        methods = [foreign_coop(dl, g), foreign_maple(dl, dv, depth, g)]
    elif "--defaults" in sys.argv[3:]:
        # the paper's K = 12 (every layer), b = m = 6 and n = min(256, gcd(dl, dv)): our defaults (PromptMethod)
        assert depth == 12, "--defaults wants a 12-layer CLIP (--arch tiny-deep)"
        n = min(256, math.gcd(dl, dv))
        methods = [mmap("mmap-mt", tasks, [], dl, dv, depth, g, 6, 6, n, defaults=True),
                   mmap("mmap", tasks, groups, dl, dv, depth, g, 6, 6, n, defaults=True),
                   mmap("mmap-mt-shared-source", tasks, [], dl, dv, depth, g, 6, 6, n, per_layer=False, defaults=True)]
    else:
        methods = [coop(tasks, dl, dv, depth, g), vpt(tasks, dl, dv, depth, g), maple_mt(tasks, dl, dv, depth, g),
                   mmap("mmap-mt", tasks, [], dl, dv, depth, g), mmap("mmap", tasks, groups, dl, dv, depth, g)]
    outputs = {"pixels": pixels}
    sha = hashlib.sha256(open(base_path, "rb").read()).hexdigest()
    with torch.no_grad():
        image_plain = encode_image(w, vision_heads, pixels)
        plain_tokens = torch.tensor([tokenize(["a", "photo", "of", "a", c, "."], ids) for c in classes])
        outputs["logits/zero-shot"] = logits(w, image_plain, encode_text(w, text_heads, plain_tokens))
        for m in methods:
            for t in tasks:
                text_prompts, vision_prompts = m.prompts(t)
                b = text_prompts[0].shape[0] if text_prompts else 0
                prefix = ["x"] * b if b else ["a", "photo", "of", "a"]
                tokens = torch.tensor([tokenize(prefix + [c, "."], ids) for c in classes])
                if m.name == "maple-mt":  # MaPLe overwrites the template's first words instead of placeholders
                    tokens = torch.tensor([tokenize(["a", "photo", "of", "a", c, "."], ids) for c in classes])
                image = encode_image(w, vision_heads, pixels, vision_prompts) if vision_prompts else image_plain
                text = encode_text(w, text_heads, tokens, text_prompts)
                outputs[f"tokens/{m.name}"] = tokens
                outputs[f"logits/{m.name}/{t}"] = logits(w, image, text)
            if foreign:  # their files carry no metadata of ours
                write_safetensors(os.path.join(out, f"{m.name.split('-')[0]}-learner.safetensors"), m.tensors, {})
                continue
            metadata = {"schema": "mmap.weights/1", "method": m.method, "tasks": json.dumps(m.tasks),
                        "groups": json.dumps(m.groups), "base_sha256": sha}
            metadata.update({k: str(v) for k, v in m.meta.items()})
            write_safetensors(os.path.join(out, f"{m.name}.safetensors"), m.tensors, metadata)
    write_safetensors(os.path.join(out, "prompted.safetensors"), outputs,
                      {"classes": json.dumps(classes), "base_sha256": sha, "torch": torch.__version__,
                       "made_by": "scripts/prompted_goldens.py"})


if __name__ == "__main__":
    main()
