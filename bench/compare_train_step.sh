#!/usr/bin/env bash
# Side-by-side train step, DJL (./mmap bench train-step) against PyTorch eager (bench/pytorch_train_step.py) written
# two ways: as prompt-learning code usually is (naive: the model called per task over all 77 text positions) and
# strong (--strong: the same savings as ours, text cut at the positions the DJL run keeps, one text forward, one image
# batch, one backward). For 1 and 4 tasks, interleaved over rounds so that a noisy machine's slow minutes fall on all
# sides alike; all with tcmalloc where installed. Writes one JSON per run under OUT_DIR and prints each round's
# ratios with the GEMM rates.
#
# Usage: bench/compare_train_step.sh [ROUNDS=2] [ARCH=ViT-B-16] [METHOD=mmap-mt] [BATCH=4] [OUT_DIR=bench/results/compare-train-step]
# Needs: python3 with torch (Debian: python3-torch libopenblas0-pthread); set OPENBLAS_CORETYPE to the fastest kernel
# pytorch_train_step.py reports for this CPU (e.g. Haswell, Zen or SkylakeX). The run that docs/methods.md quotes is in
# bench/results/compare-train-step.
set -euo pipefail
rounds="${1:-2}"
arch="${2:-ViT-B-16}"
method="${3:-mmap-mt}"
batch="${4:-4}"
out="${5:-bench/results/compare-train-step}"
python="${PYTHON:-python3}"
tcmalloc="$(ls /usr/lib/*/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4 2>/dev/null | head -1 || true)"
threads="${THREADS:-2}"
# ./mmap asks libtorch for huge pages on its large buffers; a PyTorch 2.x peer reads the same variable (Debian's 1.13
# does not know it: there tcmalloc alone keeps its buffers)
export THP_MEM_ALLOC_ENABLE="${THP_MEM_ALLOC_ENABLE:-1}"
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for tasks in 1 4; do
    ./mmap bench train-step --arch "$arch" --method "$method" --batch "$batch" --tasks "$tasks" --classes 65 \
        --iterations 3 --out "$out/djl-tasks$tasks-round$round.json" > /dev/null
    positions="$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['textPositions'])" "$out/djl-tasks$tasks-round$round.json")"
    LD_PRELOAD="$tcmalloc" "$python" bench/pytorch_train_step.py --arch "$arch" --method "$method" --batch "$batch" \
        --tasks "$tasks" --classes 65 --threads "$threads" --iterations 3 \
        --out "$out/pytorch-tasks$tasks-round$round.json" > /dev/null
    LD_PRELOAD="$tcmalloc" "$python" bench/pytorch_train_step.py --arch "$arch" --method "$method" --batch "$batch" \
        --tasks "$tasks" --classes 65 --threads "$threads" --iterations 3 --strong --text-positions "$positions" \
        --out "$out/strong-tasks$tasks-round$round.json" > /dev/null
  done
done
"$python" - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
print(f"{'tasks':>5} {'round':>5} {'DJL ms':>8} {'naive ms':>9} {'strong ms':>10} {'/naive':>7} {'/strong':>8} "
      f"{'DJL % GEMM':>10} {'DJL GEMM':>9} {'PyTorch GEMM':>13}")
for djl_file in sorted(glob.glob(os.path.join(out, "djl-tasks*-round*.json"))):
    name = os.path.basename(djl_file)[len("djl-"):]
    djl = json.load(open(djl_file))
    pt = json.load(open(os.path.join(out, "pytorch-" + name)))
    st = json.load(open(os.path.join(out, "strong-" + name)))
    print(f"{djl['tasks']:>5} {name.split('round')[1].split('.')[0]:>5} {djl['stepMs']:>8.0f} {pt['stepMs']:>9.0f} "
          f"{st['stepMs']:>10.0f} {djl['stepMs'] / pt['stepMs']:>7.2f} {djl['stepMs'] / st['stepMs']:>8.2f} "
          f"{100 * djl.get('fractionOfGemm', 0):>10.0f} {djl.get('gemmGflops', 0):>9.0f} {pt['gemmGflops']:>13.0f}")
PY
