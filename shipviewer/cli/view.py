"""``shipviewer view``: the desktop viewer's command line. Qt is imported only when the command runs."""

from __future__ import annotations

import argparse

__all__ = ["add_view_parser", "run_view"]


def add_view_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``view PATH... [--model M.onnx] [--device D]``; returns the sub-parser."""
    p = subparsers.add_parser(
        "view",
        help="open the desktop viewer (the default command)",
        description="Open the desktop viewer on folders, images and Airbus CSVs (annotations for the images "
        "they name). With no PATH it opens the bundled sample images with the bundled model.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="folders, images, a CSV of annotations, a .onnx")
    p.add_argument("--model", default=None, metavar="M.onnx", help="ONNX model (default: the bundled one)")
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda, tensorrt, directml, coreml")
    p.set_defaults(handler=run_view)
    return p


def run_view(args: argparse.Namespace) -> int:
    from shipviewer._qt.app import run_viewer

    return run_viewer(list(getattr(args, "paths", []) or []), getattr(args, "model", None), args.device)
