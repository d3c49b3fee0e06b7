#!/usr/bin/env bash
# Reproduces the bundled default models (resources/models/shipviewer-segnet.onnx and its int8 copy) from
# nothing but this repository: a synthetic training set, a held-out synthetic set, three training stages,
# the choice of threshold and minimum ship size on validation, export, and the held-out scores.
# About 90 minutes of training on a 2-core CPU. Usage: bash scripts/build_default_model.sh [WORK_DIR]
set -euo pipefail
work=${1:-/tmp/shipviewer-default-model}
sv=${SHIPVIEWER:-shipviewer}
py=${PYTHON:-python}
here=$(cd "$(dirname "$0")" && pwd)
common=(--data "$work/synth-train" --steps-per-epoch 40 --val-steps 8 --crop 256 --width 0.5 --batch 8 --batch-norm
  --seed 0)
data="shipviewer synth --images 3000 --seed 1 (3,000 synthetic 768x768 scenes)"
mkdir -p "$work"
$sv synth "$work/synth-train" --images 3000 --seed 1
$sv synth "$work/synth-holdout" --images 300 --seed 2
# Stage 1 (~19 min): learn ships; crops favour them, a quarter of the ship-free images are kept.
$sv train "${common[@]}" --out "$work/stage1" --epochs 16
# Stage 2 (~44 min): every ship-free image (coasts, piers, towns), crops less biased to ships: fewer false alarms.
$sv train "${common[@]}" --out "$work/stage2" --init "$work/stage1/best.keras" --epochs 45 --patience 12 \
  --empty-fraction 1.0 --ship-bias 0.5 --lr 0.0005
# Stage 3 (~25 min): half the ship-free images, crops favour ships again: outlines and recall come back.
$sv train "${common[@]}" --out "$work/run" --init "$work/stage2/best.keras" --epochs 20 --patience 6 \
  --empty-fraction 0.5 --ship-bias 0.8 --lr 0.00025
$sv export "$work/run/best.keras" --out "$work/run/candidate.onnx"
# Threshold and minimum size: the best balanced F2 on the validation split (see the script's docstring).
$py "$here/sweep_postprocess.py" "$work/run/candidate.onnx" --data "$work/synth-train" --split "$work/run/val.csv" \
  | tee "$work/run/sweep.txt"
read -r threshold min_size < <(awk '/^best:/ {gsub(",", ""); print $3, $6}' "$work/run/sweep.txt")
post=(--threshold "$threshold" --min-size "$min_size")
# Records the validation scores (and these settings) in the run's config.json, where export reads them.
$sv evaluate --model "$work/run/best.keras" --data "$work/synth-train" "${post[@]}"
$sv export "$work/run/best.keras" --out "$work/run/shipviewer-segnet.onnx" --name shipviewer-segnet-w05-synth \
  --training-data "$data"
$sv export "$work/run/best.keras" --out "$work/run/int8/shipviewer-segnet-int8.onnx" \
  --name shipviewer-segnet-w05-synth-int8 --training-data "$data" --quantize int8 --calibration "$work/synth-train/train_v2"
for model in "$work/run/shipviewer-segnet.onnx" "$work/run/int8/shipviewer-segnet-int8.onnx"; do
  $sv evaluate --model "$model" --data "$work/synth-holdout" --split all "${post[@]}"
done
echo "models: $work/run/shipviewer-segnet.onnx, $work/run/int8/shipviewer-segnet-int8.onnx (threshold $threshold, min size $min_size px)"
