"""`shipviewer predict` on real and synthetic images with a real (tiny) ONNX model."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("onnx")

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import read_csv, validate_csv
from tests.onnx_models import channel_mean_model


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shipviewer.cli", "predict", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return channel_mean_model(tmp_path / "mean.onnx")


def test_predict_real_images_writes_overlays_and_a_valid_csv(
    tmp_path: Path, real_dir: Path, model: Path
) -> None:
    out_dir, csv = tmp_path / "out", tmp_path / "pred.csv"
    result = run(
        str(real_dir / "images"),
        "--model",
        str(model),
        "--out",
        str(out_dir),
        "--csv",
        str(csv),
        "--threshold",
        "0.7",
    )
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (real_dir / "images").glob("*.jpg"))
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(n[:-4] + "_segmented.png" for n in names)
    overlay = cv2.imread(str(out_dir / "0a1b7d6ec_segmented.png"))
    assert overlay.shape == (768, 768, 3)
    ships = read_csv(csv).ships
    assert sorted(ships) == names
    assert validate_csv(csv, images=real_dir / "images").ok


def test_predict_synthetic_image_next_to_input_finds_the_bright_ship(tmp_path: Path, model: Path) -> None:
    scene = np.full((300, 400, 3), 40, np.uint8)
    scene[100:120, 50:150] = 250
    image = tmp_path / "boat.png"
    cv2.imwrite(str(image), scene)
    csv = tmp_path / "boat.csv"
    result = run(str(image), "--model", str(model), "--csv", str(csv), "--threshold", "0.6")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "boat_segmented.png").exists()
    (ship,) = read_csv(csv).ships["boat.png"]
    assert rle.decode(ship, (300, 400)).sum() == 20 * 100


def test_bad_files_are_skipped_with_a_warning(tmp_path: Path, real_dir: Path, model: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(real_dir / "images" / "0a1b7d6ec.jpg", folder / "good.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "notes.txt").write_text("not an image")
    result = run(str(folder), "--model", str(model), "--no-images")
    assert result.returncode == 0
    assert "empty.jpg: empty file (0 bytes)" in result.stderr
    assert "corrupt.jpg: not a readable image" in result.stderr
    assert "1 image(s)" in result.stdout and "skipped 2" in result.stdout


def test_nothing_processable_exits_non_zero(tmp_path: Path, model: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"junk")
    assert run(str(tmp_path / "broken.jpg"), "--model", str(model)).returncode == 1
    missing = run(str(tmp_path / "nope"), "--model", str(model))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr


def test_reruns_skip_earlier_overlays(tmp_path: Path, model: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((64, 64, 3), np.uint8))
    assert run(str(tmp_path), "--model", str(model)).returncode == 0
    second = run(str(tmp_path), "--model", str(model))
    assert "1 image(s)" in second.stdout
    assert not (tmp_path / "a_segmented_segmented.png").exists()


def test_wrong_model_gives_a_clear_error(tmp_path: Path) -> None:
    bad = channel_mean_model(tmp_path / "two.onnx", out_channels=2)
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((64, 64, 3), np.uint8))
    result = run(str(tmp_path / "a.png"), "--model", str(bad))
    assert result.returncode != 0
    assert "output must have 1 channel" in result.stderr and "Traceback" not in result.stderr


def test_the_bundled_model_refines_outlines_unless_told_not_to(tmp_path: Path) -> None:
    """The bundled model's metadata advises the GrabCut outlines: `predict` follows it (and says so), and
    `--no-refine` gives the model's own blobs; both CSVs pass the validator."""
    from resources import default_model_path, samples_dir

    if not default_model_path("cpu").is_file():
        pytest.skip("no bundled model")
    image = samples_dir() / "2dcaa7944.jpg"
    refined_csv, plain_csv = tmp_path / "refined.csv", tmp_path / "plain.csv"
    refined = run(str(image), "--no-images", "--csv", str(refined_csv))
    plain = run(str(image), "--no-images", "--csv", str(plain_csv), "--no-refine")
    assert refined.returncode == 0 and plain.returncode == 0, refined.stderr + plain.stderr
    assert "outlines refined" in refined.stderr and "outlines refined" not in plain.stderr
    for csv in (refined_csv, plain_csv):
        assert validate_csv(csv, images=samples_dir()).ok
    ours, blobs = read_csv(refined_csv).ships["2dcaa7944.jpg"], read_csv(plain_csv).ships["2dcaa7944.jpg"]
    assert ours and blobs and ours != blobs
