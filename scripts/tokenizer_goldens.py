#!/usr/bin/env python3
"""Golden token ids from the reference CLIP tokenizer, for ClipTokenizerGoldenTest.

Usage: python3 scripts/tokenizer_goldens.py PATH_TO_OPENAI_CLIP_CHECKOUT > ml-core/src/test/resources/tokenizer/goldens.jsonl

Runs the reference's clip/simple_tokenizer.py (needs the `regex` package) and frames ids as clip.tokenize(truncate=True)
does. When the `ftfy` package is missing, fix_text is replaced by NFC normalization only; the texts below avoid what
else ftfy would change (curly quotes, ligatures, full-width forms, mojibake), and the first line records which was used.
"""
import importlib.util
import json
import random
import sys
import types
import unicodedata

CONTEXT = 77


def load_reference(checkout):
    try:
        import ftfy  # noqa: F401
        ftfy_used = "ftfy " + ftfy.__version__
    except ImportError:
        stub = types.ModuleType("ftfy")
        stub.fix_text = lambda text: unicodedata.normalize("NFC", text)
        sys.modules["ftfy"] = stub
        ftfy_used = "stub: NFC only"
    spec = importlib.util.spec_from_file_location("simple_tokenizer", f"{checkout}/clip/simple_tokenizer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SimpleTokenizer(f"{checkout}/clip/bpe_simple_vocab_16e6.txt.gz"), ftfy_used


def frame(tokenizer, text):
    sot = tokenizer.encoder["<|startoftext|>"]
    eot = tokenizer.encoder["<|endoftext|>"]
    ids = [sot] + tokenizer.encode(text) + [eot]
    if len(ids) > CONTEXT:
        ids = ids[:CONTEXT]
        ids[-1] = eot
    return ids + [0] * (CONTEXT - len(ids))


OFFICE_HOME = ("Alarm_Clock Backpack Batteries Bed Bike Bottle Bucket Calculator Calendar Candles Chair Clipboards Computer "
               "Couch Curtains Desk_Lamp Drill Eraser Exit_Sign Fan File_Cabinet Flipflops Flowers Folder Fork Glasses "
               "Hammer Helmet Kettle Keyboard Knives Lamp_Shade Laptop Marker Monitor Mop Mouse Mug Notebook Oven Pan "
               "Paper_Clip Pen Pencil Postit_Notes Printer Push_Pin Radio Refrigerator Ruler Scissors Screwdriver Shelf "
               "Sink Sneakers Soda Speaker Spoon TV Table Telephone ToothBrush Toys Trash_Can Webcam").split()

FIXED = [
    "", " ", "a", "A photo of a dog.", "a photo of a {}.".format("alarm clock"),
    "Hello, world!!!", "what's up? I'll go; you'd've THEY'RE it's don't", "e-mail: someone@example.com",
    "C++ & C# -- (parens) [brackets] {braces}", "#hashtag @mention $19.99 -50% 100%!", "...?!?!", "a.b.c",
    "1234567890", "3.14159", "1st 2nd 3rd 4th", "24/7 365 0.5", "x1y2z3",
    "café naïve façade résumé", "Über straße", "日本語のテキスト", "中文分词测试", "Привет мир", "مرحبا بالعالم",
    "😀 emoji 🚀✨", "ñandú", "Ελληνικά γράμματα", "한국어 텍스트", "e\u0301 combining accent", "fix",
    "Tom &amp; Jerry", "&lt;b&gt;bold&lt;/b&gt;", "&amp;amp; double escaped", "&quot;quoted&quot;", "&#39;apos&#39;",
    "&eacute;t&eacute;", "5 &gt; 3 &amp;&amp; 2 &lt; 4",
    "  leading and trailing  ", "tabs\tand\nnewlines\r\n", "multiple     spaces   here", "\u00a0nbsp\u00a0",
    "MiXeD CaSe TeXt", "ALL CAPS SHOUTING", "<|startoftext|> specials <|endoftext|>",
]

WORDS = ["art", "clipart", "product", "real", "world", "painting", "sketch", "photo", "of", "the", "a", "drawing",
         "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "backpack", "bicycle", "refrigerator", "toothbrush",
         "transformers", "multi-task", "prompt", "kronecker", "vision-language", "zero-shot", "fine-tuning",
         "naïve", "über", "東京", "москва", "42", "3.5", "x-ray", "rock'n'roll", "o'clock", "well-known"]
PUNCT = [".", ",", "!", "?", ";", ":", "-", "(", ")", "'", "\"", "/", "&", "%", "#"]


def generated(rng, count):
    texts = []
    for i in range(count):
        n = rng.randint(1, 12) if i % 10 else rng.randint(60, 120)  # every tenth text overflows the context
        parts = []
        for _ in range(n):
            w = rng.choice(WORDS)
            if rng.random() < 0.3:
                w = w.upper() if rng.random() < 0.5 else w.capitalize()
            parts.append(w)
            if rng.random() < 0.2:
                parts.append(rng.choice(PUNCT))
        texts.append((" " if rng.random() < 0.7 else "").join(parts))
    return texts


def main():
    tokenizer, ftfy_used = load_reference(sys.argv[1])
    texts = FIXED + ["a photo of a {}.".format(c.replace("_", " ")) for c in OFFICE_HOME] + generated(random.Random(7), 200)
    print(json.dumps({"reference": "openai/CLIP clip/simple_tokenizer.py", "ftfy": ftfy_used, "context": CONTEXT}))
    for text in texts:
        print(json.dumps({"text": text, "ids": frame(tokenizer, text)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
