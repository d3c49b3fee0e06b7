"""``shipviewer annotations import|export``: the session store of a folder, without the viewer.

Both work on the very store the viewer uses (``FOLDER/.shipviewer/session.sqlite``, or the user data
directory for a read-only folder). Only the standard library is imported here; the work is imported
inside the handlers, so ``shipviewer --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shipviewer.session import Workspace

__all__ = ["AnnotationsError", "add_annotations_parser", "main", "run_annotations"]

EXIT_OK, EXIT_PROBLEMS = 0, 1


class AnnotationsError(ValueError):
    """A user error in ``shipviewer annotations``: printed as one line, no traceback."""


def add_annotations_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``annotations`` (with ``import`` and ``export``) to the ``shipviewer`` subcommands."""
    parser = subparsers.add_parser(
        "annotations",
        help="import an Airbus CSV into a folder's session, or export its annotations as a CSV",
        description="Work on the session of an image folder (the viewer's store: every edit and review "
        "status) from the command line: import a CSV as annotations, truth or predictions; export the "
        "annotations as an Airbus CSV that `shipviewer validate` passes and `shipviewer train` reads.",
    )
    actions = parser.add_subparsers(title="actions", dest="annotations_action", metavar="ACTION")
    actions.required = True
    imp = actions.add_parser(
        "import",
        help="import an Airbus CSV (ground truth, an earlier export, a Kaggle submission)",
        description="Import FILE.csv into the session of FOLDER. As annotations (default), each image "
        "named in the file gets the file's ships, except images edited or reviewed by hand (kept unless "
        "--overwrite); as truth, for per-image F2/IoU and the disagreement order; as predictions, beside "
        "the model's. Malformed rows are reported with their line numbers and the rest is imported; "
        "overlapping ships keep the shared pixels with the earlier ship. Exit status 1 when any row had "
        "a problem.",
    )
    imp.add_argument("folder", type=Path, metavar="FOLDER")
    imp.add_argument("csv", type=Path, metavar="FILE.csv")
    imp.add_argument(
        "--as",
        dest="layer",
        choices=("annotations", "truth", "predictions"),
        default="annotations",
        help="the layer to import into (default: annotations)",
    )
    imp.add_argument(
        "--overwrite", action="store_true", help="also replace images edited or reviewed by hand"
    )
    imp.add_argument("--max-report", type=int, default=100, metavar="N", help="print at most N row problems")
    imp.set_defaults(annotations_handler=_run_import)
    exp = actions.add_parser(
        "export",
        help="write the folder's annotations as an Airbus CSV",
        description="Write what a person made or confirmed in FOLDER as an Airbus CSV: one row per ship "
        "(canonical RLE, ships in their stored order, never overlapping), an empty row for each image "
        "without ships, rows sorted by ImageId, written atomically. Accepted and confirmed-empty images, "
        "images edited by hand and imported annotations; with --reviewed-only only the accepted and "
        "confirmed-empty ones. The model's untouched predictions, and edited images that still hold "
        "ships the model proposed and nobody touched, are written only with --include-predictions "
        "(or once accepted); rejected images never. The counts of each kind are printed. Images that "
        "are not 768x768 are encoded at their own size: check the file with "
        "`shipviewer validate FILE.csv --images FOLDER`.",
    )
    exp.add_argument("folder", type=Path, metavar="FOLDER")
    exp.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    exp.add_argument("--reviewed-only", action="store_true", help="only accepted and confirmed-empty images")
    exp.add_argument(
        "--include-predictions",
        action="store_true",
        help="also write the model's untouched ships: images that are only its prediction (model-only) "
        "and edited images that still hold some of its ships (partly model)",
    )
    exp.set_defaults(annotations_handler=_run_export)
    parser.set_defaults(handler=run_annotations)
    return parser


def run_annotations(args: argparse.Namespace) -> int:
    return int(args.annotations_handler(args))


def _open(folder: Path) -> Workspace:
    from shipviewer.session import StoreError, Workspace

    if not folder.is_dir():
        raise AnnotationsError(f"{folder}: no such folder")
    try:
        return Workspace.open(folder)
    except StoreError as exc:
        raise AnnotationsError(str(exc)) from exc


def _run_import(args: argparse.Namespace) -> int:
    if not args.csv.is_file():
        raise AnnotationsError(f"{args.csv}: no such file")
    with _open(args.folder) as workspace:
        report = workspace.import_csv(args.csv, layer=args.layer, overwrite=args.overwrite)
        n_images = len(workspace.image_ids())
    for problem in report.problems[: max(args.max_report, 0)]:
        print(problem)
    hidden = len(report.problems) - max(args.max_report, 0)
    if hidden > 0:
        print(f"... and {hidden} more")
    if report.not_in_folder:
        names = ", ".join(report.not_in_folder[:5]) + (", ..." if len(report.not_in_folder) > 5 else "")
        print(f"not in {args.folder} ({len(report.not_in_folder)}): {names}")
    print(f"{report.summary()} ({n_images} image(s) in the folder)")
    return EXIT_PROBLEMS if report.problems else EXIT_OK


def _run_export(args: argparse.Namespace) -> int:
    with _open(args.folder) as workspace:
        options = {"reviewed_only": args.reviewed_only, "include_predictions": args.include_predictions}
        try:
            report = workspace.export_csv(args.out, **options)
        except ValueError:
            for line in workspace.export_plan(**options).lines():
                print(line)
            raise
        progress = workspace.progress()
    assert report.plan is not None
    for line in report.plan.lines():
        print(line)
    print(f"{report.summary()} ({progress})")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m shipviewer.cli.annotations ...``: the same as ``shipviewer annotations ...``."""
    parser = argparse.ArgumentParser(prog="shipviewer")
    add_annotations_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return run_annotations(args)
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"shipviewer annotations: error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":
    sys.exit(main())
