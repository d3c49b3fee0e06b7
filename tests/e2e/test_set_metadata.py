"""scripts/set_metadata.py, run as a user would: the advice in a model's metadata changes, the graph does
not, and a bad key or value leaves the file as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import onnx

from shipviewer.model.inference import InferenceSession
from shipviewer.model.metadata import ModelMetadata
from tests.onnx_models import channel_mean_model

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "set_metadata.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_set_metadata_changes_the_advice_and_nothing_else(tmp_path: Path) -> None:
    meta = ModelMetadata(threshold=0.3, min_size=60, name="m", validation_f2=0.8)
    path = channel_mean_model(tmp_path / "m.onnx", metadata=meta.to_props())
    graph_before = onnx.load(str(path)).graph.SerializeToString()
    path.chmod(0o644)
    done = run(str(path), "threshold=0.2", "min_size=30", "refine_outlines=True", "validation_f2=0.86")
    assert done.returncode == 0, done.stderr
    assert "threshold 0.3 -> 0.2" in done.stdout and "refine_outlines False -> True" in done.stdout
    after = InferenceSession(path, device="cpu").metadata
    changed = (after.threshold, after.min_size, after.refine_outlines, after.validation_f2)
    assert changed == (0.2, 30, True, 0.86)
    assert after.name == "m"
    assert onnx.load(str(path)).graph.SerializeToString() == graph_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]  # no scratch file left
    assert path.stat().st_mode & 0o777 == 0o644  # readable by others as before


def test_bad_settings_leave_the_file_alone(tmp_path: Path) -> None:
    path = channel_mean_model(tmp_path / "m.onnx", metadata=ModelMetadata(min_size=60).to_props())
    before = path.read_bytes()
    for bad in ("nonsense=1", "min_size=many", "refine_outlines=yes", "pixel_scale=1", "threshold"):
        done = run(str(path), bad)
        assert done.returncode != 0, bad
        assert path.read_bytes() == before, bad
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_the_gate_threshold_changes_in_the_graph_too(tmp_path: Path) -> None:
    """On a copy of the bundled gated model: the metadata and the graph's default threshold move together,
    and the gated decoder honours the new default when a caller feeds no threshold."""
    import shutil

    import numpy as np
    from onnx import numpy_helper

    from resources import default_model_path

    path = tmp_path / "gated.onnx"
    shutil.copy(default_model_path("cpu"), path)
    assert run(str(path), "gate_threshold=0.55").returncode == 0
    assert InferenceSession(path, device="cpu").gate_threshold == 0.55
    default = next(t for t in onnx.load(str(path)).graph.initializer if t.name == "gate_threshold")
    assert float(numpy_helper.to_array(default)) == np.float32(0.55)
    plain = channel_mean_model(tmp_path / "plain.onnx")
    assert run(str(plain), "gate_threshold=0.5").returncode != 0  # no gated decoder to change


def test_a_linked_model_is_changed_where_it_lies(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    real = channel_mean_model(tmp_path / "models" / "m.onnx", metadata=ModelMetadata(min_size=60).to_props())
    link = tmp_path / "current.onnx"
    link.symlink_to(real)
    assert run(str(link), "min_size=30").returncode == 0
    assert link.is_symlink() and InferenceSession(real, device="cpu").metadata.min_size == 30
    assert sorted(p.name for p in real.parent.iterdir()) == ["m.onnx"]  # no scratch file beside it
