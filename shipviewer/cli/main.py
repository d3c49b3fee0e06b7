"""``shipviewer`` and its subcommands.

Each subcommand imports what it needs inside its handler, so ``shipviewer score`` never loads Qt,
onnxruntime or TensorFlow, and ``shipviewer --help`` starts at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from shipviewer import __version__
from shipviewer.cli.dispatch import EXIT_OK, EXIT_PROBLEMS, UserError, dispatch


def _shape(values: Sequence[int]) -> tuple[int, int]:
    height, width = values
    if height < 1 or width < 1:
        raise UserError(f"--shape must be two positive numbers, got {height} {width}")
    return height, width


# --- score --------------------------------------------------------------------------------------------
def _add_score(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="competition F2 of a prediction CSV against a truth CSV",
        description="Score PRED.csv against TRUTH.csv with the Airbus metric: per image, "
        "F2 = 5TP/(5TP+4FN+FP) "
        "at IoU thresholds 0.50..0.95, averaged; an image with no true and no predicted ships scores 1. "
        "The data set score is the mean over the images of TRUTH.csv (images missing from PRED.csv count "
        "as predicted empty). Prints per-threshold F2, counts, pixel Dice and IoU, and as its last line "
        "the score as a bare number.",
    )
    p.add_argument("truth", type=Path, metavar="TRUTH.csv")
    p.add_argument("pred", type=Path, metavar="PRED.csv")
    p.add_argument("--shape", type=int, nargs=2, default=(768, 768), metavar=("H", "W"))
    p.set_defaults(handler=_run_score)


def _run_score(args: argparse.Namespace) -> int:
    from shipviewer.airbus.annotations import read_csv
    from shipviewer.airbus.metrics import score_dataset

    shape = _shape(args.shape)
    truth, pred = read_csv(args.truth).ships, read_csv(args.pred).ships
    if not truth:
        raise UserError(f"{args.truth}: no images in the truth file")
    try:
        report = score_dataset(truth, pred, shape)
    except ValueError as exc:
        raise UserError(f"cannot score: {exc} (run `shipviewer validate` on both files)") from exc
    print("\n".join(report.lines()))
    return EXIT_OK


# --- validate -----------------------------------------------------------------------------------------
def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check an Airbus CSV: malformed rows, overlaps, duplicates, missing images",
        description="Report every malformed row (with its line number), ships overlapping within an image, "
        "duplicate rows, images with both an empty row and ships, and (with --images) image ids missing "
        "from that folder. Exit status 1 if anything is wrong, 0 if the file is clean.",
    )
    p.add_argument("csv", type=Path, metavar="FILE.csv")
    p.add_argument("--shape", type=int, nargs=2, default=(768, 768), metavar=("H", "W"))
    p.add_argument("--images", type=Path, metavar="DIR", help="folder that should hold every ImageId")
    p.add_argument("--max-report", type=int, default=1000, metavar="N", help="print at most N problems")
    p.set_defaults(handler=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from shipviewer.airbus.annotations import validate_csv

    report = validate_csv(args.csv, shape=_shape(args.shape), images=args.images)
    for found, more in ((report.problems, "more"), (report.notes, "more notes")):
        for item in found[: args.max_report]:
            print(item)
        if len(found) > args.max_report:
            print(f"... and {len(found) - args.max_report} {more}")
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    notes = f", {len(report.notes)} note(s)" if report.notes else ""
    counts = f"{report.n_rows} rows, {report.n_images} images, {report.n_ships} ships{notes}"
    print(f"{args.csv}: {counts}: {verdict}")
    return EXIT_OK if report.ok else EXIT_PROBLEMS


# --- synth --------------------------------------------------------------------------------------------
def _add_synth(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="generate a synthetic data set in the Kaggle layout",
        description="Write OUT_DIR/train_v2/*.jpg and OUT_DIR/train_ship_segmentations_v2.csv: realistic "
        "synthetic satellite scenes (sea, coasts, harbours, clouds) with ships 10-300 px long. The same "
        "seed gives byte-identical files.",
    )
    p.add_argument("out", type=Path, metavar="OUT_DIR")
    p.add_argument("--images", type=int, default=200, metavar="N")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--ship-fraction",
        type=float,
        default=None,
        metavar="F",
        help="fraction of images with ships (default: about a quarter, as in the real set)",
    )
    p.add_argument(
        "--hard",
        action="store_true",
        help="add hard negatives to the same scenes: rocks and reefs off the coasts and at sea, whitecaps "
        "on rough water (things a model takes for ships); ships keep clear of the rocks",
    )
    p.set_defaults(handler=_run_synth)


def _run_synth(args: argparse.Namespace) -> int:
    from shipviewer.cli.progress import ProgressBar
    from shipviewer.synth import generate

    if args.images < 1:
        raise UserError("--images must be at least 1")
    extra = {} if args.ship_fraction is None else {"ship_probability": args.ship_fraction}
    if not 0.0 <= extra.get("ship_probability", 0.0) <= 1.0:
        raise UserError("--ship-fraction must be between 0 and 1")
    with ProgressBar(args.images, "synth") as bar:
        summary = generate(args.out, args.images, args.seed, progress=bar.update, hard=args.hard, **extra)
    print(
        f"wrote {summary.n_images} images ({summary.n_with_ships} with ships, {summary.n_ships} ships) to "
        f"{summary.out_dir}; labels: {summary.csv_path}"
    )
    return EXIT_OK


# --- predict ------------------------------------------------------------------------------------------
def _add_predict(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="find ships in images and folders; write overlays and an Airbus CSV",
        description="Run the ONNX model (the bundled one unless --model) on each image, found recursively "
        "in folders, and write NAME_segmented.png (the image with ships tinted and outlined) beside it or "
        "into --out; with --csv, also the ships as an Airbus CSV. Unreadable files are skipped with a "
        "warning; the exit status is 1 when no image could be processed.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="IMAGE|FOLDER")
    p.add_argument("--model", type=Path, default=None, metavar="M.onnx")
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda, tensorrt, directml, coreml")
    p.add_argument("--threshold", type=float, default=None, help="probability threshold (model's default)")
    p.add_argument("--min-size", type=int, default=None, metavar="PX", help="drop smaller ships (model's)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="write overlays here")
    p.add_argument("--csv", type=Path, default=None, metavar="OUT.csv", help="write the ships as a CSV")
    p.add_argument("--no-images", action="store_true", help="do not write the *_segmented.png overlays")
    p.add_argument(
        "--tta",
        action="store_true",
        help="flip test-time augmentation: each map the gate lets through is the mean of the image's "
        "and its three flips' (4× the decoder's time on those images)",
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
    p.set_defaults(handler=_run_predict)


def default_model(device: str | None = None) -> Path:
    """The bundled model (its int8 copy where it runs on the CPU); says which on stderr."""
    from resources import default_model_path

    path = default_model_path(device)
    print(f"model: the bundled {path.name}", file=sys.stderr)
    if not path.is_file():
        raise UserError(f"the bundled model is missing ({path}); pass --model M.onnx")
    return path


def _run_predict(args: argparse.Namespace) -> int:
    from shipviewer.airbus.annotations import write_csv
    from shipviewer.airbus.images import ImageError
    from shipviewer.cli.progress import ProgressBar
    from shipviewer.model.inference import InferenceSession
    from shipviewer.model.predict import collect_inputs, predict_files

    try:
        images = collect_inputs(args.inputs)
    except ImageError as exc:
        raise UserError(str(exc)) from exc
    if not images:
        raise UserError("no images found in " + ", ".join(map(str, args.inputs)))
    session = InferenceSession(
        args.model or default_model(args.device), device=args.device, tta=args.tta, refine=args.refine
    )
    print(f"model: {session.describe()}", file=sys.stderr)
    warnings: list[str] = []
    with ProgressBar(len(images), "predict") as bar:
        run = predict_files(
            session,
            images,
            out_dir=args.out,
            threshold=args.threshold,
            min_size=args.min_size,
            write_overlays=not args.no_images,
            progress=bar.update,
            warn=warnings.append,
        )
    for message in warnings:
        print(f"warning: {message}", file=sys.stderr)
    if args.csv and run.ships:
        write_csv(args.csv, run.ships)
    n_ships = sum(map(len, run.ships.values()))
    done = len(run.ships)
    if done:
        print(
            f"{done} image(s), {n_ships} ship(s), {run.total_ms / done:.0f} ms per image on "
            f"{session.device_name}; skipped {len(run.skipped)}" + (f"; CSV: {args.csv}" if args.csv else "")
        )
    return EXIT_OK if done else EXIT_PROBLEMS


# --- entry point --------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shipviewer",
        description="Find, review and correct ship masks on Airbus Ship Detection images.",
    )
    parser.add_argument("--version", action="version", version=f"shipviewer {__version__}")
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    from export.cli import add_export_parser
    from shipviewer.cli.annotations import add_annotations_parser
    from shipviewer.cli.finetune import add_finetune_parser
    from shipviewer.cli.view import add_view_parser
    from training.cli import add_evaluate_parser, add_train_parser

    for add in (
        add_view_parser,
        _add_predict,
        add_train_parser,
        add_evaluate_parser,
        add_export_parser,
        _add_score,
        _add_validate,
        _add_synth,
        add_annotations_parser,
        add_finetune_parser,
    ):
        add(sub)
    return parser


def _view_by_default(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``shipviewer`` and ``shipviewer PATH...`` (also ``--model M PATH``) mean ``shipviewer view``.

    A path that is spelled like a command needs the explicit ``shipviewer view PATH``.
    """
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    first = argv[0] if argv else ""
    if not argv or first in ("--model", "--device") or (first not in commands and not first.startswith("-")):
        return ["view", *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_view_by_default(parser, list(sys.argv[1:] if argv is None else argv)))
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    return dispatch(args)


if __name__ == "__main__":
    sys.exit(main())
