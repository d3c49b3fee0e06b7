#!/usr/bin/env bash
# Reproduces the bundled default model (resources/models/shipviewer-segnet.onnx) from nothing but this
# repository: a synthetic training set, a held-out synthetic set, training, evaluation, export.
# About 20 minutes of training on a 2-core CPU. Usage: bash scripts/build_default_model.sh [WORK_DIR]
set -euo pipefail
work=${1:-/tmp/shipviewer-default-model}
sv=${SHIPVIEWER:-shipviewer}
mkdir -p "$work"
$sv synth "$work/synth-train" --images 3000 --seed 1
$sv synth "$work/synth-holdout" --images 300 --seed 2
$sv train --data "$work/synth-train" --out "$work/run" --epochs 16 --steps-per-epoch 40 --val-steps 8 \
  --crop 256 --width 0.5 --batch 8 --batch-norm --seed 0
$sv evaluate --model "$work/run/best.keras" --data "$work/synth-train" --threshold 0.9 --min-size 100
$sv export "$work/run/best.keras" --out "$work/run/shipviewer-segnet.onnx" --name shipviewer-segnet-w05-synth \
  --threshold 0.9 --min-size 100
$sv evaluate --model "$work/run/shipviewer-segnet.onnx" --data "$work/synth-holdout" --split all \
  --threshold 0.9 --min-size 100
echo "model: $work/run/shipviewer-segnet.onnx"
