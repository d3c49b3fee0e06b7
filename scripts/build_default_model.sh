#!/usr/bin/env bash
# Reproduces the bundled default model (resources/models/shipviewer-segnet.onnx) from nothing but this
# repository: a synthetic training set, a held-out synthetic set, two training stages, the choice of
# threshold and minimum ship size on validation, export, and the held-out score.
# About 80 minutes of training on a 2-core CPU. Usage: bash scripts/build_default_model.sh [WORK_DIR]
set -euo pipefail
work=${1:-/tmp/shipviewer-default-model}
sv=${SHIPVIEWER:-shipviewer}
py=${PYTHON:-python}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
$sv synth "$work/synth-train" --images 3000 --seed 1
$sv synth "$work/synth-holdout" --images 300 --seed 2
# Stage 1 (~19 min): learn ships; crops favour them and only a quarter of the ship-free images are kept.
$sv train --data "$work/synth-train" --out "$work/stage1" --epochs 16 --steps-per-epoch 40 --val-steps 8 \
  --crop 256 --width 0.5 --batch 8 --batch-norm --seed 0
# Stage 2 (~60 min): fine-tune on every ship-free image (coasts, piers, towns) to cut the false alarms.
$sv train --data "$work/synth-train" --out "$work/run" --init "$work/stage1/best.keras" --epochs 45 \
  --steps-per-epoch 40 --val-steps 8 --crop 256 --width 0.5 --batch 8 --batch-norm --seed 0 \
  --empty-fraction 1.0 --ship-bias 0.5 --lr 0.0005 --patience 12
$sv export "$work/run/best.keras" --out "$work/run/candidate.onnx"
# Threshold and minimum size: the best F2 on the validation split (never trained on).
$py "$here/sweep_postprocess.py" "$work/run/candidate.onnx" --data "$work/synth-train" --split "$work/run/val.csv" \
  | tee "$work/run/sweep.txt"
read -r threshold min_size < <(awk '/^best:/ {gsub(",", ""); print $3, $6}' "$work/run/sweep.txt")
$sv evaluate --model "$work/run/best.keras" --data "$work/synth-train" --threshold "$threshold" --min-size "$min_size"
$sv export "$work/run/best.keras" --out "$work/run/shipviewer-segnet.onnx" --name shipviewer-segnet-w05-synth \
  --threshold "$threshold" --min-size "$min_size"
$sv evaluate --model "$work/run/shipviewer-segnet.onnx" --data "$work/synth-holdout" --split all \
  --threshold "$threshold" --min-size "$min_size"
echo "model: $work/run/shipviewer-segnet.onnx (threshold $threshold, min size $min_size px)"
