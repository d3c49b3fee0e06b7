"""The `shipviewer` command as a user runs it: subprocesses, real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = ["predict", "train", "evaluate", "export", "score", "validate", "synth", "annotations"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shipviewer.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_version_and_help() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("shipviewer ")
    top = run("--help")
    assert top.returncode == 0
    for command in COMMANDS:
        assert command in top.stdout
        sub = run(command, "--help")
        assert sub.returncode == 0 and "usage: shipviewer " + command in sub.stdout


def test_score_prints_the_bare_score_last(tmp_path: Path, real_dir: Path) -> None:
    truth = real_dir / "labels.csv"
    pred = tmp_path / "pred.csv"
    # Keep every ship but one: score < 1.
    lines = truth.read_text().splitlines()
    dropped = next(i for i, line in enumerate(lines) if line.startswith("0a1b7d6ec.jpg"))
    pred.write_text("\n".join(lines[:dropped] + lines[dropped + 1 :]) + "\n")
    out = run("score", str(truth), str(pred))
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-1]
    # 0a1b7d6ec has its one ship missing: it scores 0, the other five score 1.
    assert float(last) == pytest.approx(5 / 6, abs=1e-6)
    assert "0.50" in out.stdout and "pixel Dice" in out.stdout


def test_score_does_not_import_qt_tensorflow_or_onnxruntime(real_dir: Path) -> None:
    labels = str(real_dir / "labels.csv")
    code = (
        "import sys; from shipviewer.cli import main; "
        f"rc = main(['score', {labels!r}, {labels!r}]); "
        "heavy = [m for m in ('tensorflow', 'keras', 'PySide6', 'onnxruntime', 'tf2onnx') "
        "if m in sys.modules]; "
        "print('HEAVY', heavy); sys.exit(rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout


def test_validate_exit_codes(tmp_path: Path, real_dir: Path) -> None:
    ok = run("validate", str(real_dir / "labels.csv"), "--images", str(real_dir / "images"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.strip().endswith("OK")
    # Its one ship row in two blobs (a stray pixel by the hull) is a note, with its line, not a problem.
    assert "labels.csv:3: 0a0df8299.jpg: note: this ship is 2 separate blobs" in ok.stdout
    assert "19 ships, 1 note(s): OK" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("ImageId,EncodedPixels\na.jpg,1 2 3\na.jpg,\n")
    out = run("validate", str(bad))
    assert out.returncode == 1
    assert f"{bad}:2: a.jpg: odd number of values" in out.stdout


def test_wrong_header_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,pixels\na.jpg,1 2\n")
    out = run("score", str(bad), str(bad))
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert f"{bad}:1: header 'id,pixels' lacks the column(s) ImageId, EncodedPixels" in out.stderr
    missing = run("validate", str(tmp_path / "nope.csv"))
    assert missing.returncode != 0 and "no such file" in missing.stderr


def test_synth_hard_writes_a_valid_set_with_hard_negatives(tmp_path: Path) -> None:
    for name, extra in (("plain", []), ("hard", ["--hard"])):
        out = run("synth", str(tmp_path / name), "--images", "4", "--seed", "5", *extra)
        assert out.returncode == 0, out.stderr
    assert run("validate", str(tmp_path / "hard" / "train_ship_segmentations_v2.csv")).returncode == 0
    plain = sorted((tmp_path / "plain" / "train_v2").iterdir())
    hard = sorted((tmp_path / "hard" / "train_v2").iterdir())
    assert [p.name for p in plain] == [p.name for p in hard]
    assert any(a.read_bytes() != b.read_bytes() for a, b in zip(plain, hard, strict=True))
