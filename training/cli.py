"""The ``train`` and ``evaluate`` subcommands, for ``shipviewer``'s parser (and ``python -m training.cli``).

Only the standard library is imported here: TensorFlow loads inside the handlers, so ``shipviewer --help``
and the other subcommands never pay for it. Settings are checked before that slow import.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import commands

EXIT_OK = 0

_TRAIN_HELP = """\
Train the SegNet on Airbus-style data and write everything into RUN_DIR: config.json (every setting), the
split (train.csv, val.csv), train.log with the model summary, best.keras and last.keras, log.csv,
tensorboard/, curves.png (loss and Dice per epoch) and state.json.

--data DIR alone finds the Kaggle layout: DIR/train_v2/*.jpg and DIR/train_ship_segmentations_v2.csv. The
split is stratified by ship count and fixed by --seed; --empty-fraction keeps only that share of the ship-free
training images (validation keeps them all). Training uses random --crop×--crop crops that favour ships, with
flips, 90° rotations and colour jitter. Missing or corrupt images are skipped and counted in the log.

--resume continues RUN_DIR from last.keras at the epoch after the last finished one (raise --epochs to train
longer). Ctrl+C saves last.keras first.

Several GPUs of one machine: --strategy mirrored (--batch is per GPU). Several machines: run the same command
on each with --strategy multiworker and TF_CONFIG set, e.g. on the first of two machines
  TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'
and "index": 1 on the second. Worker 0 writes RUN_DIR; every worker needs the data at the same path."""

_EVALUATE_HELP = """\
Run MODEL (.keras or .onnx) on full-resolution images, turn the probabilities into ship instances
(--threshold, connected components, --min-size), write the predictions as an Airbus CSV and print the
competition F2 (mean over IoU thresholds 0.50..0.95), F2 per threshold, and pixel Dice and IoU. The last
line is the F2 score as a bare number.

Which images: --split FILE (an Airbus CSV such as RUN_DIR/val.csv); by default the run's val.csv next to the
model when there is one, else every image of the labels CSV (--split all forces that). Pixels are fed to the
model as in training: RGB, NHWC, float32, x · (1/255) (for .onnx: as its metadata says)."""


def _defaults() -> Any:
    from .config import TrainConfig

    return TrainConfig(data="", out="")


# --- train --------------------------------------------------------------------------------------------
def add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` to a parser's subcommands."""
    from .config import BACKENDS, LOSS_NAMES, STRATEGY_NAMES

    d = _defaults()
    p = subparsers.add_parser(
        "train",
        help="train the SegNet (Keras) on a data set in the Kaggle layout",
        description=_TRAIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Every option defaults to None so that a resumed run can tell which ones were given again.
    p.add_argument(
        "--data", type=Path, metavar="DIR", help="data folder (Kaggle layout, or images directly in DIR)"
    )
    p.add_argument(
        "--csv", type=Path, metavar="FILE", help="labels CSV (default: DIR/train_ship_segmentations_v2.csv)"
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="RUN_DIR", help="run folder to create or resume"
    )
    p.add_argument("--epochs", type=int, metavar="N", help=f"total epochs (default {d.epochs})")
    p.add_argument(
        "--steps-per-epoch",
        type=int,
        metavar="N",
        help="batches per epoch (default: one pass over the training images)",
    )
    p.add_argument(
        "--val-steps",
        type=int,
        metavar="N",
        help="validation batches per epoch (default: the whole validation split)",
    )
    p.add_argument("--batch", type=int, metavar="N", help=f"crops per batch per device (default {d.batch})")
    p.add_argument(
        "--crop", type=int, metavar="PX", help=f"crop side, a multiple of 32 up to 768 (default {d.crop})"
    )
    p.add_argument("--lr", type=float, metavar="RATE", help=f"Adam learning rate (default {d.lr})")
    p.add_argument(
        "--seed", type=int, metavar="N", help=f"seed of the split, crops and weights (default {d.seed})"
    )
    p.add_argument(
        "--val-fraction",
        type=float,
        metavar="F",
        help=f"share of images for validation (default {d.val_fraction})",
    )
    p.add_argument(
        "--val-csv",
        type=Path,
        metavar="FILE",
        help="validation images (an Airbus CSV of images in --data) instead of a split of the labels CSV; "
        "its images are left out of training",
    )
    p.add_argument(
        "--empty-fraction",
        type=float,
        metavar="F",
        help=f"share of ship-free training images kept (default {d.empty_fraction})",
    )
    p.add_argument(
        "--width", type=float, metavar="W", help=f"width multiplier of every layer (default {d.width})"
    )
    p.add_argument(
        "--batch-norm", action="store_true", default=None, help="batch normalisation after each conv"
    )
    p.add_argument(
        "--gate",
        action="store_true",
        default=None,
        help="add the ship/no-ship output (trained on whether each crop holds a ship); images it rejects "
        "yield no ships and cost only the encoder at inference",
    )
    p.add_argument(
        "--gate-weight",
        type=float,
        metavar="W",
        help=f"weight of the ship/no-ship loss beside the mask loss (default {d.gate_weight})",
    )
    p.add_argument("--loss", choices=LOSS_NAMES, help=f"loss (default {d.loss}: binary cross-entropy + Dice)")
    p.add_argument(
        "--ship-bias",
        type=float,
        metavar="P",
        help=f"chance a crop of an image with ships is centred near one (default {d.ship_bias})",
    )
    p.add_argument(
        "--patience",
        type=int,
        metavar="N",
        help=f"early stopping after N epochs without progress (default {d.patience})",
    )
    p.add_argument(
        "--lr-patience",
        type=int,
        metavar="N",
        help=f"halve the learning rate after N epochs without progress (default {d.lr_patience})",
    )
    p.add_argument(
        "--seam",
        type=int,
        metavar="PX",
        help="teach the model to leave a gap between touching ships: in the training masks the pixels of a "
        "ship within PX of another ship are sea (default 0: off); the exported model's metadata tells "
        "post-processing to give the gap back to the ships on either side",
    )
    p.add_argument(
        "--decoder-only",
        action="store_true",
        default=None,
        help="with --init: train only the decoder and the mask head; the encoder and the ship/no-ship "
        "gate keep the weights of --init (the gate stays valid)",
    )
    p.add_argument(
        "--unpool",
        action="store_true",
        default=None,
        help="the decoder upsamples by max-unpooling, to where the encoder's pooling found its maxima "
        "(the SegNet paper's decoder), instead of copying each value into its 2×2 block; same weights, "
        "so --init may come from either kind",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from last.keras")
    p.add_argument(
        "--init",
        type=Path,
        metavar="MODEL",
        help="start from the weights of MODEL.keras (fine-tuning; same --width and --batch-norm) "
        "instead of random weights",
    )
    p.add_argument(
        "--strategy",
        choices=STRATEGY_NAMES,
        help="default: one device; mirrored: all GPUs of this machine; "
        "multiworker: several machines (TF_CONFIG)",
    )
    p.add_argument(
        "--cpu-devices",
        type=int,
        metavar="N",
        help="split the CPU into N logical devices for mirrored/multiworker (testing without GPUs)",
    )
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        help="the Keras backend to train on (default tensorflow: tf.data input, tf.distribute). jax or "
        "torch: NumPy batches from Keras worker threads, on that framework's GPU if it sees one (install "
        "jax[cuda12] or a CUDA torch yourself); the .keras files work with any backend",
    )
    p.set_defaults(handler=commands.run_train)


# --- evaluate -----------------------------------------------------------------------------------------
def add_evaluate_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``evaluate`` to a parser's subcommands."""
    p = subparsers.add_parser(
        "evaluate",
        help="score a .keras or .onnx model on full-resolution images (competition F2)",
        description=_EVALUATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--model",
        type=Path,
        metavar="MODEL",
        help="a .keras or .onnx model (default: the bundled model, its int8 copy on a CPU)",
    )
    p.add_argument(
        "--gate-threshold",
        type=float,
        metavar="P",
        help="a gated model: images whose ship probability is under P get no ships (default: the model's)",
    )
    p.add_argument(
        "--tta",
        action="store_true",
        help="flip test-time augmentation (ONNX models): each map the gate lets through is the mean of "
        "the image's and its three flips' (4× the decoder's time on those images)",
    )
    p.add_argument(
        "--split-touching",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="split blobs with several ship cores by watershed (default: as the model's metadata says)",
    )
    p.add_argument(
        "--refine",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "redraw each ship's outline from the image by GrabCut, and cut ships moored side by side at "
            "the seam between them (default: as the model's metadata says)"
        ),
    )
    p.add_argument(
        "--data",
        type=Path,
        required=True,
        metavar="DIR",
        help="data folder (Kaggle layout, or images in DIR)",
    )
    p.add_argument(
        "--csv", type=Path, metavar="FILE", help="labels CSV (default: DIR/train_ship_segmentations_v2.csv)"
    )
    p.add_argument(
        "--split", metavar="FILE|all", help="images to score: an Airbus CSV, or 'all' (default: see above)"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="PRED.csv",
        help="prediction CSV (default: MODEL's folder/<model>_predictions.csv)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="probability above which a pixel is ship (default: an ONNX model's recommendation, else 0.5)",
    )
    p.add_argument(
        "--min-size",
        type=int,
        default=None,
        metavar="PX",
        help="drop ships smaller than PX pixels (default: an ONNX model's recommended size, else 20)",
    )
    p.add_argument(
        "--connectivity", type=int, choices=(4, 8), default=8, help="pixel connectivity of a ship (default 8)"
    )
    p.add_argument("--batch", type=int, default=2, metavar="N", help="images per model call (default 2)")
    p.add_argument("--limit", type=int, metavar="N", help="score only the first N images (sorted by id)")
    p.set_defaults(handler=commands.run_evaluate)


# --- standalone ---------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """A parser with just ``train`` and ``evaluate`` (as ``shipviewer`` has them)."""
    parser = argparse.ArgumentParser(prog="shipviewer", description="Train and evaluate the ship SegNet.")
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    add_train_parser(sub)
    add_evaluate_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m training.cli train|evaluate ...``, with shipviewer's error handling."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    from shipviewer.cli.dispatch import dispatch

    return dispatch(args)


if __name__ == "__main__":
    sys.exit(main())
