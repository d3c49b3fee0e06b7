"""The train and evaluate subcommands: help, argument checks before TensorFlow, clear errors for bad input."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from shipviewer.airbus.annotations import write_csv
from training.cli import add_evaluate_parser, add_train_parser, main

REPO = Path(__file__).resolve().parents[2]


def harness() -> argparse.ArgumentParser:
    """What shipviewer's own parser does with our two functions."""
    parser = argparse.ArgumentParser(prog="shipviewer")
    sub = parser.add_subparsers(dest="command")
    add_train_parser(sub)
    add_evaluate_parser(sub)
    return parser


def test_parsers_plug_into_a_parent_parser() -> None:
    args = harness().parse_args(
        ["train", "--data", "d", "--out", "r", "--crop", "128", "--strategy", "mirrored"]
    )
    assert (args.crop, args.strategy, args.epochs, args.resume) == (128, "mirrored", None, False)
    assert callable(args.handler)
    args = harness().parse_args(["evaluate", "--model", "m.keras", "--data", "d"])
    assert (args.threshold, args.min_size, args.split) == (None, None, None)  # filled in from the model


def test_help_texts(capsys: pytest.CaptureFixture) -> None:
    for command in ("train", "evaluate"):
        with pytest.raises(SystemExit):
            harness().parse_args([command, "--help"])
        text = capsys.readouterr().out
        assert "--data DIR" in text
    with pytest.raises(SystemExit):
        harness().parse_args(["train", "--help"])
    text = capsys.readouterr().out
    for option in (
        "--epochs",
        "--steps-per-epoch",
        "--batch",
        "--crop",
        "--lr",
        "--seed",
        "--val-fraction",
        "--empty-fraction",
        "--width",
        "--resume",
        "--strategy",
        "TF_CONFIG",
    ):
        assert option in text


def test_building_the_parser_does_not_import_tensorflow() -> None:
    code = (
        "import sys, training.cli as c; c.build_parser(); "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False"], result.stderr


def fails(argv: list[str], capsys: pytest.CaptureFixture) -> str:
    assert main(argv) != 0
    return capsys.readouterr().err


def test_bad_settings_are_refused_before_training(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = ["train", "--data", str(tmp_path), "--out", str(tmp_path / "run")]
    assert "--crop 100 is not a multiple of 32" in fails([*base, "--crop", "100"], capsys)
    assert "--val-fraction" in fails([*base, "--val-fraction", "1.5"], capsys)
    assert "--data DIR is required" in fails(["train", "--out", str(tmp_path / "run")], capsys)
    assert "nothing to resume" in fails(["train", "--out", str(tmp_path / "none"), "--resume"], capsys)
    assert "needs the TF_CONFIG" in fails([*base, "--strategy", "multiworker"], capsys)


@pytest.mark.slow
def test_bad_data_gives_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "train_v2").mkdir()
    csv = tmp_path / "train_ship_segmentations_v2.csv"
    base = ["train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--crop", "64"]
    csv.write_text("ImageId,Pixels\na.jpg,\n")
    assert "lacks the column(s) EncodedPixels" in fails([*base], capsys)
    write_csv(csv, {"a.jpg": [], "b.jpg": ["1 3"]})
    message = fails([*base, "--out", str(tmp_path / "run2")], capsys)
    assert "no images found" in message and "2 missing" in message
    assert "labels CSV not found" in fails(
        ["evaluate", "--model", "x.keras", "--data", str(tmp_path / "train_v2")], capsys
    )
    assert "no such file" in fails(
        ["evaluate", "--model", str(tmp_path / "x.keras"), "--data", str(tmp_path), "--split", str(csv)],
        capsys,
    )
