"""What the tests of the improve-the-model loop share: a folder of reviewed synthetic images, a tiny real
SegNet to start from, and a Python start-up file that makes TensorFlow unimportable in a child process."""

from __future__ import annotations

import os
from pathlib import Path

from shipviewer.airbus.annotations import read_csv, write_csv
from shipviewer.session import Workspace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

N_IMAGES, N_REVIEWED = 14, 12
# A child started with this folder first on PYTHONPATH cannot import TensorFlow (nor find it).
BLOCKER = '''
import sys


class _NoTraining:
    """Makes the `train` extra look uninstalled (a test of the viewer's explanation)."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"tensorflow", "keras", "tf2onnx"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NoTraining())
'''


def reviewed_folder(root: Path, seed: int = 41) -> tuple[Path, list[str]]:
    """``N_IMAGES`` synthetic 768×768 scenes (half with ships); the first ``N_REVIEWED`` imported as
    annotations (reviewed work), the others untouched. Returns the image folder and the reviewed ids."""
    from shipviewer.synth import generate

    summary = generate(root, N_IMAGES, seed, ship_probability=0.5)
    labels = read_csv(summary.csv_path).ships
    reviewed = sorted(labels)[:N_REVIEWED]
    csv_path = root / "reviewed.csv"
    write_csv(csv_path, {k: labels[k] for k in reviewed})
    folder = root / "train_v2"
    with Workspace.open(folder) as workspace:
        report = workspace.import_csv(csv_path)
        assert not report.problems and report.images == N_REVIEWED
    return folder, reviewed


def tiny_base(path: Path, *, gate: bool = True) -> Path:
    """A real SegNet at 1/8 width (random weights), saved as ``path`` (.keras)."""
    import keras

    from training.model import build_segnet

    keras.utils.set_random_seed(3)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_segnet(width=0.125, gate=gate).save(path)
    return path


def blocker_dir(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    return root


def blocked_env(root: Path) -> dict[str, str]:
    """The environment of a child that cannot import TensorFlow."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(blocker_dir(root)), env.get("PYTHONPATH", "")) if p)
    return env
