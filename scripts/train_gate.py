"""Give a trained SegNet the ship/no-ship gate without retraining the rest: train only the gate's layers on
the frozen encoder's features of full 768×768 frames.

The gate reads the global max and mean of the last encoder stage (``gate_pool``, no weights), so each image
is run through the encoder once (and once more mirrored, as augmentation) and the two small dense layers are
fitted on those vectors in seconds. Joint training of the whole network with the gate is ``shipviewer train
--gate``; this is the cheap path for a model that is already good at masks (the bundled one: 88 CPU minutes).

    python scripts/train_gate.py BASE.keras --train DIR --val DIR --out GATED.keras [--width 0.5]

Prints the gate's validation accuracy, the share of ship-free images it rejects at 0.5 and of images with
ships it keeps, and writes a model with both outputs ([probability, ship]).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def frame_features(model: object, folder: Path, ids: list[str], batch: int = 4) -> np.ndarray:
    """(len(ids), 2, D) pooled encoder features of each image and of its left-right mirror."""
    from shipviewer.airbus.images import read_image
    from training.preprocess import preprocess

    out = []
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        images = np.stack([read_image(folder / i) for i in ids[start : start + batch]])
        both = np.concatenate([images, images[:, :, ::-1]])
        pooled = np.asarray(model(preprocess(both), training=False))  # type: ignore[operator]
        n = len(images)
        out.append(np.stack([pooled[:n], pooled[n:]], axis=1))
        if (start // batch) % 50 == 0:
            print(f"  {start + n}/{len(ids)} images, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return np.concatenate(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", type=Path, help="the SegNet to add the gate to (.keras, no gate)")
    parser.add_argument("--train", type=Path, required=True, help="data folder (Kaggle layout) to fit on")
    parser.add_argument(
        "--val", type=Path, required=True, help="data folder for early stopping and the report"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--width", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="overwrite a config.json beside --out")
    parser.add_argument("--name", default=None, help="model name for the config.json written beside --out")
    parser.add_argument("--training-data", default="", help="what the SegNet was trained on (config.json)")
    parser.add_argument(
        "--seam",
        type=int,
        default=0,
        help="the base was trained with train --seam N: record it, so post-processing gives the gap back",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from shipviewer.airbus.annotations import atomic_write_text
    from training.data import locate, read_ships
    from training.model import GATE_NAME, build_segnet
    from training.train import copy_by_layer_name

    keras.utils.set_random_seed(args.seed)
    base = keras.models.load_model(args.base, compile=False)
    if any(type(layer).__name__ == "BatchNormalization" for layer in base.layers):
        raise SystemExit(
            f"{args.base}: has batch normalisation; export it to ONNX and read it back with "
            "scripts/keras_from_onnx.py first (the gate is fitted on the folded network)"
        )
    config_path = args.out.parent / "config.json"
    if config_path.exists() and not args.force:
        raise SystemExit(f"{config_path} exists (a training run's?): choose another --out folder or --force")
    model = build_segnet(width=args.width, batch_norm=False, gate=True)
    copy_by_layer_name(base, model, args.base)
    features = keras.Model(model.inputs, model.get_layer("gate_pool").output)
    sets = {}
    for name, folder in (("train", args.train), ("val", args.val)):
        located = locate(folder)
        ships = read_ships(located.csv_path)
        ids = sorted(ships)
        x = frame_features(features, located.images_dir, ids)
        y = np.array([1.0 if ships[i] else 0.0 for i in ids], np.float32)
        sets[name] = (x, y)
        print(f"{name}: {len(ids)} images, {int(y.sum())} with ships", file=sys.stderr)
    x_train = sets["train"][0].reshape(-1, sets["train"][0].shape[-1])
    y_train = np.repeat(sets["train"][1], 2)
    x_val, y_val = sets["val"][0][:, 0], sets["val"][1]
    scale = np.maximum(x_train.std(axis=0), 1e-3)
    head_in = keras.Input((x_train.shape[1],))
    head = keras.Model(head_in, model.get_layer(GATE_NAME)(model.get_layer("gate_dense")(head_in)))
    positive = float(y_train.mean())
    if not 0.0 < positive < 1.0:
        raise SystemExit(
            f"{args.train}: the gate needs images with and without ships (share with: {positive})"
        )
    weights = {0: 0.5 / (1 - positive), 1: 0.5 / positive}  # balanced classes: the threshold is tuned later
    head.compile(keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
    # The features are unnormalised ReLU activations: the head is fitted on features / scale, and the
    # scale is then folded into the first dense layer's kernel, so the exported graph needs no extra node.
    dense = model.get_layer("gate_dense")
    head.fit(
        x_train / scale,
        y_train,
        validation_data=(x_val / scale, y_val),
        epochs=args.epochs,
        batch_size=64,
        class_weight=weights,
        verbose=0,
        callbacks=[keras.callbacks.EarlyStopping(patience=25, restore_best_weights=True, monitor="val_loss")],
    )
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel / scale[:, None], bias])  # now reads raw features
    p_val = np.asarray(head(x_val)).reshape(-1)
    empty, shipful = y_val == 0, y_val == 1
    report = {
        "val_accuracy": float(((p_val >= 0.5) == shipful).mean()),
        "val_empty_rejected": float((p_val[empty] < 0.5).mean()),
        "val_ships_kept": float((p_val[shipful] >= 0.5).mean()),
        "train_images": len(sets["train"][1]),
        "val_images": len(y_val),
    }
    print(json.dumps(report, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    # config.json beside the model is what `shipviewer export` reads its metadata from; sweep_postprocess.py
    # --record adds the validation scores and the chosen thresholds to it.
    config = {
        "name": args.name or args.out.stem,
        "data": f"{args.training_data}; gate: {args.train}".lstrip("; "),
        "preprocessing": {"scale": 1 / 255, "offset": 0.0, "layout": "NHWC"},
        "gate": {**report, "base": str(args.base), "val_data": str(args.val)},
        "validation": {"gate_accuracy": report["val_accuracy"]},
        "postprocessing": {"seam": args.seam},
    }
    atomic_write_text(config_path, json.dumps(config, indent=2))
    print(f"{args.out}: gated SegNet written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
