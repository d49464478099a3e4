#!/usr/bin/env bash
# Side-by-side encoder throughput, DJL (./mmap bench encoders) against PyTorch eager (bench/pytorch_encoders.py), each
# with the system allocator and with tcmalloc, interleaved over rounds so that a noisy machine's slow minutes fall on
# every side alike. Writes one JSON per run under OUT_DIR and prints a table of image/text batch times.
#
# Usage: bench/compare_encoders.sh CLIP_CHECKOUT [ROUNDS=2] [ARCH=ViT-B-16] [BATCH=32] [OUT_DIR=bench/results/compare]  (results of one such run: bench/results/compare-vit-b-16/)
# Needs: python3 with torch, libtcmalloc-minimal4 (apt) for the tcmalloc rows.
set -euo pipefail
checkout="$1"
rounds="${2:-2}"
arch="${3:-ViT-B-16}"
batch="${4:-32}"
out="${5:-bench/results/compare}"
python="${PYTHON:-python3}"
tcmalloc="$(ls /usr/lib/*/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4 2>/dev/null | head -1 || true)"
threads="${THREADS:-2}"
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  MMAP_MALLOC=system ./mmap bench encoders --arch "$arch" --batch "$batch" --out "$out/djl-system-$round.json" > /dev/null
  "$python" bench/pytorch_encoders.py "$checkout" --arch "$arch" --batch "$batch" --threads "$threads" \
      --out "$out/pytorch-system-$round.json" > /dev/null
  if [ -n "$tcmalloc" ]; then
    MMAP_MALLOC="$tcmalloc" ./mmap bench encoders --arch "$arch" --batch "$batch" --out "$out/djl-tcmalloc-$round.json" > /dev/null
    LD_PRELOAD="$tcmalloc" "$python" bench/pytorch_encoders.py "$checkout" --arch "$arch" --batch "$batch" \
        --threads "$threads" --out "$out/pytorch-tcmalloc-$round.json" > /dev/null
  fi
done
"$python" - "$out" <<'PY'
import glob, json, os, statistics, sys
rows = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(f).rsplit("-", 1)[0]
    r = json.load(open(f))
    rows.setdefault(name, []).append((r["imageBatchMs"], r["textBatchMs"]))
print(f"{'run':20s} {'image batch ms (median)':>24s} {'text batch ms (median)':>24s}  rounds")
for name, runs in rows.items():
    print(f"{name:20s} {statistics.median(i for i, _ in runs):24.0f} {statistics.median(t for _, t in runs):24.0f}  "
          + ", ".join(f"{i:.0f}/{t:.0f}" for i, t in runs))
PY
