from __future__ import annotations

import argparse
import subprocess
import sys

from shipviewer.cli.view import add_view_parser, run_view

CORE = (
    "shipviewer.cli.view",
    "shipviewer.viewer.scan",
    "shipviewer.viewer.catalog",
    "shipviewer.model.prob_cache",
    "shipviewer.viewer.ship_labels",
    "shipviewer.viewer.label_render",
    "shipviewer.viewer.current_image",
    "shipviewer.viewer.view_options",
    "shipviewer.viewer.work_queue",
    "shipviewer.viewer.thumbnails",
    "shipviewer.model.lru",
)


def test_view_parser() -> None:
    parser = argparse.ArgumentParser(prog="shipviewer")
    add_view_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["view", "a", "b.csv", "--model", "m.onnx", "--device", "cpu"])
    assert args.paths == ["a", "b.csv"] and args.model == "m.onnx" and args.device == "cpu"
    assert args.handler is run_view
    args = parser.parse_args(["view"])
    assert args.paths == [] and args.model is None and args.device == "auto"


def test_core_modules_never_import_qt() -> None:
    code = f"import sys; import {', '.join(CORE)}; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
