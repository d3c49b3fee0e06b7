"""`shipviewer annotations export` as a user runs it (issue #11): no model-only image without
--include-predictions, the counts of each kind printed, and a folder with a 3000×2000 image never
yields a CSV that `shipviewer validate --images` rejects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus.annotations import read_csv
from shipviewer.session import Workspace


def shipviewer(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shipviewer.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def sea(path: Path, shape: tuple[int, int], boxes: list[tuple[int, int, int, int]]) -> None:
    image = np.full((*shape, 3), 20, np.uint8)
    for y0, y1, x0, x1 in boxes:
        image[y0:y1, x0:x1] = 240
    assert cv2.imwrite(str(path), image)


@pytest.fixture
def predicted(tmp_path: Path) -> Path:
    """Three images predicted by a real ONNX model (model-only), one 3000 × 2000; one accepted."""
    pytest.importorskip("onnx")
    from shipviewer.model.inference import InferenceSession
    from tests.onnx_models import channel_mean_model

    folder = tmp_path / "frames"
    folder.mkdir()
    sea(folder / "a.png", (768, 768), [(100, 130, 100, 200)])
    sea(folder / "b.png", (768, 768), [(300, 320, 300, 340)])
    sea(folder / "wide.png", (2000, 3000), [(1800, 1830, 2800, 2950)])
    session = InferenceSession(channel_mean_model(tmp_path / "mean.onnx"), device="cpu")
    with Workspace.open(folder) as ws:
        for image_id in ws.image_ids():
            ws.predict(image_id, session, threshold=0.5, min_size=20)
        ws.accept("a.png")
    return folder


def test_export_leaves_model_only_images_out_unless_asked(predicted: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = shipviewer("annotations", "export", predicted, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Writes 1 image(s): 1 reviewed." in result.stdout
    assert (
        "Not written: 2 model-only (the model's untouched predictions; --include-predictions writes them)"
        in (result.stdout)
    )
    assert sorted(read_csv(out).ships) == ["a.png"]
    result = shipviewer("annotations", "export", predicted, "--out", out, "--include-predictions")
    assert result.returncode == 0, result.stderr
    assert "Writes 3 image(s): 1 reviewed, 2 model-only." in result.stdout
    assert sorted(read_csv(out).ships) == ["a.png", "b.png", "wide.png"]
    assert "1 image(s) are not 768×768 (wide.png 3000×2000)" in result.stdout
    check = shipviewer("validate", out, "--images", predicted)
    assert check.returncode == 0, check.stdout
    assert shipviewer("validate", out).returncode == 1  # 768 × 768 assumed: the wide image's runs do not fit


def test_only_model_guesses_is_nothing_to_export(predicted: Path, tmp_path: Path) -> None:
    with Workspace.open(predicted) as ws:
        ws.set_status("a.png", "unreviewed")
        ws.store.replace_ships("a.png", ws.prediction("a.png").rles, source="predicted")
    out = tmp_path / "none.csv"
    result = shipviewer("annotations", "export", predicted, "--out", out)
    assert result.returncode == 1 and not out.exists()
    assert "nothing to export" in result.stderr and "3 model-only image(s) are left out" in result.stderr
    assert "Traceback" not in result.stderr
