"""``shipviewer finetune FOLDER --out DIR``: improve a model from the reviewed images of a folder.

The same round the viewer's Model ▸ Improve model from reviewed images… runs (it starts this command as a
child process with ``--events`` and reads its JSON lines). Only the standard library is imported here;
the training package loads inside the handler, after the ``train`` extra was found.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
from pathlib import Path

from shipviewer.cli.dispatch import EXIT_OK, EXIT_PROBLEMS, UserError

__all__ = ["TRAIN_MODULES", "add_finetune_parser", "install_command", "missing_modules", "run_finetune"]

# What a round needs beyond the viewer: the `train` extra of pyproject.toml.
TRAIN_MODULES = ("tensorflow", "keras", "tf2onnx", "onnx")

_HELP = """\
One round of improving the model from FOLDER's reviewed images (its session: what Export writes, without
images only the model has seen): fine-tune the base model (--base; default: the model the folder made
last and uses, else the bundled one) on the training part of the folder's held-out split, export it to
ONNX (and int8 on a CPU when it passes its check), and score the base and the new model on the held-out
images. The split is recorded in the session, stratified by ship count, and only ever grows: scores of
different rounds are comparable.

Writes DIR/model.keras, DIR/model.onnx, DIR/model-int8.onnx (when it passed) and DIR/report.json
(scores before and after, per image, the split, counts, settings), all at once at the end; lists the model
in the folder's session (the viewer's Model ▸ Models of This Folder). The last line printed is the new
model's held-out competition F2, a bare number. Needs the `train` extra."""


def add_finetune_parser(subparsers: argparse._SubParsersAction) -> None:
    from training.finetune import FinetuneSettings  # TensorFlow-free: the defaults only

    d = FinetuneSettings()
    p = subparsers.add_parser(
        "finetune",
        help="improve the model from a folder's reviewed images; score it against the old one",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", type=Path, nargs="?", metavar="FOLDER")
    p.add_argument("--out", type=Path, metavar="DIR", help="new folder for the model and its report")
    p.add_argument("--base", type=Path, metavar="MODEL.keras", help="the model to start from")
    p.add_argument(
        "--base-onnx",
        type=Path,
        metavar="MODEL.onnx",
        help="the ONNX copy of --base to score as 'before' (default: found beside it, or exported)",
    )
    p.add_argument("--epochs", type=int, metavar="N", help=f"epochs (default {d.epochs})")
    p.add_argument(
        "--steps-per-epoch", type=int, metavar="N", help=f"batches per epoch (default {d.steps_per_epoch})"
    )
    p.add_argument("--lr", type=float, metavar="RATE", help=f"Adam learning rate (default {d.lr:g})")
    p.add_argument(
        "--crop", type=int, metavar="PX", help=f"training crop side, a multiple of 32 (default {d.crop})"
    )
    p.add_argument("--batch", type=int, metavar="N", help=f"crops per batch (default {d.batch})")
    p.add_argument("--no-int8", action="store_true", help="do not make the int8 copy")
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        metavar="N",
        help="CPU threads for training and scoring (default: all; the viewer leaves one core to itself)",
    )
    p.add_argument(
        "--events", action="store_true", help="progress as one JSON object per line (for the viewer)"
    )
    p.add_argument("--nice", type=int, default=0, metavar="N", help="lower this process's priority by N")
    p.add_argument(
        "--check",
        action="store_true",
        help="only say whether the `train` extra is installed (and how to install it); FOLDER not needed",
    )
    p.set_defaults(handler=run_finetune)


def missing_modules() -> list[str]:
    """The modules of the `train` extra that cannot be found (none is imported)."""
    missing = []
    for name in TRAIN_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def install_command() -> str:
    """The exact command that installs the `train` extra into this interpreter."""
    root = Path(__file__).resolve().parents[2]
    python = sys.executable or "python"
    if (root / "pyproject.toml").is_file() and (root / "shipviewer").is_dir():
        return f"{python} -m pip install -e '{root}[train]'"  # a source checkout (editable install)
    return f"{python} -m pip install 'shipviewer[train]'"


def _missing_text(missing: list[str]) -> str:
    return (
        f"improving the model needs the `train` extra ({', '.join(missing)} not installed); "
        f"install it with: {install_command()}"
    )


def run_finetune(args: argparse.Namespace) -> int:
    missing = missing_modules()
    if args.check:
        from training.finetune import FinetuneSettings

        status = {
            "event": "check",
            "ok": not missing,
            "missing": missing,
            "install": install_command(),
            "defaults": dataclasses.asdict(FinetuneSettings()),
        }
        print(json.dumps(status) if args.events else (_missing_text(missing) if missing else "ok"))
        return EXIT_PROBLEMS if missing else EXIT_OK
    try:
        return _run(args, missing)
    except Exception as exc:
        if args.events:
            kind = "missing-extra" if isinstance(exc, ModuleNotFoundError) or missing else "error"
            print(json.dumps({"event": "error", "kind": kind, "message": str(exc)}), flush=True)
        raise


def _run(args: argparse.Namespace, missing: list[str]) -> int:
    if args.folder is None or args.out is None:
        raise UserError("FOLDER and --out DIR are needed (or --check)")
    if missing:
        raise UserError(_missing_text(missing))
    if not args.folder.is_dir():
        raise UserError(f"{args.folder}: no such folder")
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)  # the viewer's own threads keep the CPU first
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        from training.finetune import Events, FinetuneSettings, run_finetune
    except ModuleNotFoundError as exc:  # found, yet not importable (a broken install)
        raise UserError(_missing_text([exc.name or str(exc)])) from exc
    given = {
        k: getattr(args, k)
        for k in ("epochs", "steps_per_epoch", "lr", "crop", "batch")
        if getattr(args, k) is not None
    }
    settings = FinetuneSettings(**given, int8=not args.no_int8, threads=args.threads)
    result = run_finetune(
        args.folder,
        args.out,
        base=args.base,
        base_onnx=args.base_onnx,
        settings=settings,
        events=Events(json_lines=args.events),
    )
    report = result.report
    before, after = report["before"], report["after"]
    if not args.events:
        changes = report["changes"]
        print(
            f"held-out images: {after['images']}; competition F2 {before['f2']:.4f} → {after['f2']:.4f}, "
            f"F2 at IoU 0.5 {before['f2_iou50']:.4f} → {after['f2_iou50']:.4f}; "
            f"{len(changes['better'])} better, {len(changes['worse'])} worse, {changes['same']} unchanged"
        )
        int8 = "model-int8.onnx, " if report["model"]["int8"] else ""
        print(f"wrote {result.out / 'model.keras'}, model.onnx, {int8}report.json")
        if report["export"]["int8_note"]:
            print(f"int8: {report['export']['int8_note']}")
        if not result.registered:
            print("note: the model could not be listed in the folder's session", file=sys.stderr)
    print(f"{after['f2']:.6f}")
    return EXIT_OK
