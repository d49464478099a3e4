#!/usr/bin/env bash
# MmAP's source-prompt sensitivity on the demo's shape world: a few (b, m, n) and both readings of the source prompt
# (one Ps per layer, or one Ps for all K layers), mmap-mt, seeds 1-3, the demo's recipe. Needs `./mmap up` running
# (or MMAP_TRAINER_URL / MMAP_EVAL_URL); writes its specs and logs under .mmap/bench/sensitivity and prints a Markdown
# table (mean accuracy over the four tasks, mean ± std over seeds, and the parameters trained).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.mmap/bench/sensitivity
data=data/shapes-demo
eval_url=${MMAP_EVAL_URL:-http://localhost:8083}
mkdir -p "$out"
[ -d "$data/clipart" ] || ./mmap gen-data --out "$data" --per-class 48 --size 48 --seed 1
# b m n: the tiny CLIP's towers are 128 wide, so n divides 128
configs=("6 6 128" "6 3 64" "4 2 32")
ids=()
for config in "${configs[@]}"; do
  read -r b m n <<< "$config"
  for perLayer in true false; do
    id="sens-b$b-m$m-n$n-$([ "$perLayer" = true ] && echo per-layer || echo shared)-$(date +%H%M%S)"
    cat > "$out/$id.yaml" <<SPEC
id: $id
dataset: {kind: folder, root: $data, percent: 25, tasks: [clipart, sketch, painting, pixel]}
weights: generated:tiny-v3
methods: [mmap-mt]
seeds: [1, 2, 3]
recipe: {epochs: 3, batchSize: 8, learningRate: 0.01, warmupEpochs: 0, augment: false}
prompt: {length: $b, m: $m, n: $n, sourcePerLayer: $perLayer}
SPEC
    ./mmap submit "$out/$id.yaml" --follow > "$out/$id.log" 2>&1
    ids+=("$id")
    echo "$id done" >&2
  done
done
sleep 5 # the last evaluations
printf '%s\n' "${ids[@]}" | EVAL_URL="$eval_url" python3 -c '
import json, os, sys, time, urllib.request
print("| b | m | n | source prompt | params | clipart | sketch | painting | pixel | mean |")
print("|---|---|---|---|---|---|---|---|---|---|")
for line in sys.stdin:
    eid = line.strip()
    for _ in range(60):
        r = json.load(urllib.request.urlopen(os.environ["EVAL_URL"] + "/results/" + eid))
        rows = [x for x in r["rows"] if x["method"] == "mmap-mt"]
        if rows and rows[0]["complete"]:
            break
        time.sleep(2)
    row = rows[0]
    parts = eid.split("-")  # sens-b6-m6-n128-per-layer-HHMMSS or sens-b6-m6-n128-shared-HHMMSS
    b, m, n, reading = parts[1][1:], parts[2][1:], parts[3][1:], parts[4]
    cell = lambda c: "%.2f ± %.2f" % (100 * c["mean"], 100 * (c["std"] or 0))
    print("| %s | %s | %s | %s | %d | %s | **%s** |" % (b, m, n, "one per layer" if reading == "per" else "one for all layers",
          row["trainableParams"], " | ".join(cell(row["tasks"][t]) for t in ["clipart", "sketch", "painting", "pixel"]),
          cell(row["mean"])))
'
