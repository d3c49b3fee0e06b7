"""`shipviewer finetune` as a user runs it: a subprocess on a folder of reviewed images, a tiny SegNet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shipviewer.session import Workspace
from shipviewer.session.models import FolderModels
from tests.finetune_helpers import blocked_env, reviewed_folder, tiny_base


def finetune(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shipviewer.cli", "finetune", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.slow
def test_finetune_writes_the_model_its_copies_and_report(tmp_path: Path) -> None:
    pytest.importorskip("tensorflow")
    pytest.importorskip("tf2onnx")
    folder, reviewed = reviewed_folder(tmp_path / "synth")
    base = tiny_base(tmp_path / "base" / "tiny.keras")
    with Workspace.open(folder) as workspace:  # an image only the model has seen: never trained on
        untouched = next(i for i in workspace.image_ids() if i not in reviewed)
        workspace.set_prediction(untouched, [], model="test [m.onnx]")
        assert workspace.record(untouched).annotated == "predicted"
    out = tmp_path / "round1"
    run = finetune(
        folder, "--out", out, "--base", base, "--epochs", "1", "--steps-per-epoch", "2", "--crop", "64"
    )
    assert run.returncode == 0, run.stderr[-3000:]
    score = float(run.stdout.strip().splitlines()[-1])  # the last line: a bare number
    assert 0.0 <= score <= 1.0
    assert (out / "model.keras").is_file() and (out / "model.onnx").is_file()
    report = json.loads((out / "report.json").read_text())
    # int8 is kept when it passes its check against fp32, and the report says which way it went.
    assert (out / "model-int8.onnx").is_file() == (report["model"]["int8"] is not None)
    assert report["model"]["int8"] is not None or report["export"]["int8_note"]
    assert report["after"]["f2"] == pytest.approx(score, abs=1e-6)
    split = report["split"]
    assert sorted(split["train"] + split["val"]) == sorted(reviewed)
    assert untouched not in split["train"] + split["val"]
    assert report["counts"]["reviewed"]["images"] == len(reviewed)
    assert set(report["before"]["per_image"]) == set(report["after"]["per_image"]) == set(split["val"])
    assert report["settings"]["epochs"] == 1 and report["base"]["keras"] == str(base)
    assert not out.with_name(out.name + ".partial").exists()
    with Workspace.open(folder) as workspace:  # listed in the folder's session, with its split recorded
        models = FolderModels(workspace.store)
        (entry,) = models.models()
        assert entry.onnx == out / "model.onnx" and entry.f2 == pytest.approx(score)
        assert {k for k, (part, _) in models.recorded_split().items() if part == "val"} == set(split["val"])


def test_without_the_train_extra_it_says_how_to_install_it(tmp_path: Path) -> None:
    env = blocked_env(tmp_path / "no-tensorflow")
    check = finetune("--check", env=env)
    assert check.returncode == 1
    assert "pip install" in check.stdout and "[train]" in check.stdout and "tensorflow" in check.stdout
    folder = tmp_path / "images"
    folder.mkdir()
    run = finetune(folder, "--out", tmp_path / "out", env=env)
    assert run.returncode == 2  # a user error: one line, no traceback
    assert "pip install" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_too_few_reviewed_images_is_a_plain_error(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(4):
        cv2.imwrite(str(folder / f"{i}.png"), np.zeros((64, 64, 3), np.uint8))
    run = finetune(folder, "--out", tmp_path / "out", "--base", tmp_path / "missing.keras")
    assert run.returncode == 1
    assert "review 10 more reviewed images" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow
@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="a file size limit stands in for a full disk"
)
def test_a_full_disk_is_a_clear_error_and_lists_nothing(tmp_path: Path) -> None:
    """Files may grow to 900 kB (the session, the CSVs, the logs), the tiny model's 1.3 MB do not fit: the
    write fails as on a full disk (EFBIG; Python ignores SIGXFSZ)."""
    pytest.importorskip("tensorflow")
    import resource

    folder, _ = reviewed_folder(tmp_path / "synth")
    base = tiny_base(tmp_path / "base" / "tiny.keras")
    out = tmp_path / "round"
    command = [sys.executable, "-m", "shipviewer.cli", "finetune", str(folder), "--out", str(out)]
    command += [
        "--base",
        str(base),
        "--epochs",
        "1",
        "--steps-per-epoch",
        "1",
        "--crop",
        "64",
        "--batch",
        "2",
    ]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (900_000, 900_000))

    run = subprocess.run(command, capture_output=True, text=True, timeout=600, preexec_fn=limit)
    assert run.returncode == 1
    assert "not enough disk space" in run.stderr and "no model was listed" in run.stderr
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()
    with Workspace.open(folder) as workspace:
        models = FolderModels(workspace.store)
        assert models.models() == [] and models.recorded_split() == {}
