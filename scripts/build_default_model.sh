#!/usr/bin/env bash
# Reproduces the bundled default models (resources/models/shipviewer-segnet.onnx, its int8 copy and the
# .keras file behind them) from nothing but this repository: a synthetic training set, three training stages
# of the SegNet, the ship/no-ship gate trained on the frozen encoder, the choice of gate threshold,
# threshold and minimum ship size on validation, export, and the scores on a held-out seed.
# About 110 minutes on a 2-core CPU. Usage: bash scripts/build_default_model.sh [WORK_DIR]
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
# Stage 4 (~8 min): the ship/no-ship gate. The batch norm of stages 1-3 is folded into the convolutions by
# the ONNX export; that graph is read back into a plain Keras SegNet, and only the gate's two dense layers
# are fitted, on the pooled encoder features of full 768x768 frames of two fresh synthetic sets.
$sv export "$work/run/best.keras" --out "$work/run/segnet.onnx"
$py "$here/keras_from_onnx.py" "$work/run/segnet.onnx" --width 0.5 --out "$work/run/segnet-folded.keras"
$sv synth "$work/gate-train" --images 3000 --seed 11
$sv synth "$work/gate-val" --images 600 --seed 12
$py "$here/train_gate.py" "$work/run/segnet-folded.keras" --train "$work/gate-train" --val "$work/gate-val" \
  --out "$work/gate/shipviewer-segnet.keras" --name shipviewer-segnet-w05-gate-synth --training-data "$data" \
  | tee "$work/gate/gate.txt"
$sv export "$work/gate/shipviewer-segnet.keras" --out "$work/gate/candidate.onnx"
# Gate threshold, threshold and minimum size: the best competition F2 on the gate's validation set, with
# every outline redrawn from the image by GrabCut (--refine: shipviewer/model/outlines.py, ~8 min more).
# --record writes them, the refinement and their validation scores into the gate's config.json, which
# export reads (the refinement becomes the metadata's refine_outlines advice).
$py "$here/sweep_postprocess.py" "$work/gate/candidate.onnx" --data "$work/gate-val" --refine \
  --thresholds 0.2 0.3 0.4 0.5 --min-sizes 30 60 100 \
  --gate-thresholds 0.5 0.6 0.7 0.8 0.9 --record "$work/gate/config.json" | tee "$work/gate/sweep.txt"
gate_data="$data; gate: shipviewer synth --images 3000 --seed 11"
$sv export "$work/gate/shipviewer-segnet.keras" --out "$work/gate/shipviewer-segnet.onnx" --training-data "$gate_data"
$sv export "$work/gate/shipviewer-segnet.keras" --out "$work/gate/int8/shipviewer-segnet-int8.onnx" \
  --name shipviewer-segnet-w05-gate-synth-int8 --training-data "$gate_data" \
  --quantize int8 --calibration "$work/gate-train/train_v2"
$sv synth "$work/synth-test" --images 400 --seed 20261201
for model in "$work/gate/shipviewer-segnet.onnx" "$work/gate/int8/shipviewer-segnet-int8.onnx"; do
  $sv evaluate --model "$model" --data "$work/synth-test" --split all
done
echo "models: $work/gate/shipviewer-segnet.{onnx,keras}, $work/gate/int8/shipviewer-segnet-int8.onnx"
