#!/usr/bin/env python3
"""A tiny random Hugging Face CLIPModel saved as transformers saves it, and what transformers computes with it.

Usage: python3 scripts/hf_clip_goldens.py ml-core/src/test/resources/clip/hf

Independent of our name table: the weights file is whatever CLIPModel.save_pretrained writes (its key names, shapes and
metadata), and the goldens are transformers' own get_image_features / get_text_features (projected, not normalised) on
fixed inputs. ClipWeightsTest reads the file through ClipWeights and must reproduce both. Writes model.safetensors,
config.json (as save_pretrained writes it, for the record) and goldens.safetensors; running it again writes the same
bytes. Needs torch >= 2.5, transformers >= 4.40 and numpy; run with transformers 5.18.0 and torch 2.13.0+cpu.
"""
import os
import sys
import tempfile

import torch
import transformers
from transformers import CLIPConfig, CLIPModel

from clip_goldens import write_safetensors

VOCAB = 600
EOT = VOCAB - 1
SOT = VOCAB - 2


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    # OpenAI's CLIP as Hugging Face configures it (quick_gelu, eps 1e-5, heads = width / 64), only smaller; the text
    # width of 128 gives two heads. eos_token_id is the end-of-text id, so pooling takes the first end-of-text token.
    config = CLIPConfig(
        text_config=dict(vocab_size=VOCAB, hidden_size=128, intermediate_size=512, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=77, hidden_act="quick_gelu",
                         layer_norm_eps=1e-5, bos_token_id=SOT, eos_token_id=EOT, pad_token_id=0),
        vision_config=dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=1,
                           image_size=32, patch_size=8, num_channels=3, hidden_act="quick_gelu",
                           layer_norm_eps=1e-5),
        projection_dim=24)
    model = CLIPModel(config).float().eval()
    with torch.no_grad():
        # initial LayerNorm 1/0 and zero biases would hide a swapped weight and bias: move every parameter
        for name, p in model.named_parameters():
            if name.endswith("bias") or "norm" in name or "layrnorm" in name:
                p.add_(0.1 * torch.randn_like(p))
        model.logit_scale.fill_(2.5)

    with tempfile.TemporaryDirectory() as saved:
        model.save_pretrained(saved, safe_serialization=True)
        os.replace(os.path.join(saved, "model.safetensors"), os.path.join(out, "model.safetensors"))
        os.replace(os.path.join(saved, "config.json"), os.path.join(out, "config.json"))

    images = torch.randn(2, 3, 32, 32)
    tokens = torch.zeros(3, 77, dtype=torch.long)
    rows = [[SOT, 5, 17, EOT], [SOT] + list(range(10, 40)) + [EOT], [SOT, EOT]]
    for i, row in enumerate(rows):
        tokens[i, :len(row)] = torch.tensor(row)
    with torch.no_grad():
        image_features = model.get_image_features(pixel_values=images)
        text_features = model.get_text_features(input_ids=tokens)
        # transformers 5 answers a model output whose pooler_output is the projected feature; 4.x a tensor
        image_features = getattr(image_features, "pooler_output", image_features)
        text_features = getattr(text_features, "pooler_output", text_features)
        logits_per_image = model(input_ids=tokens, pixel_values=images).logits_per_image
    write_safetensors(os.path.join(out, "goldens.safetensors"), {
        "images": images.numpy(), "tokens": tokens.numpy(),
        "image_embeddings": image_features.numpy(), "text_embeddings": text_features.numpy(),
        "logits_per_image": logits_per_image.numpy(),
    }, {"reference": "transformers CLIPModel", "transformers": transformers.__version__, "torch": torch.__version__})


if __name__ == "__main__":
    main()
