"""The house rules that import-linter cannot see: the core imports with Qt and TensorFlow absent."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import shipviewer

REPO = Path(__file__).resolve().parents[2]

# A meta-path finder that refuses PySide6, TensorFlow, Keras and tf2onnx, as on a machine without them
# (napari's headless check): importing any core module must still work.
BLOCK = """
import importlib.abc, sys
class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'tensorflow', 'keras', 'tf2onnx'}:
            raise ModuleNotFoundError(f'No module named {name!r} (blocked by the headless test)')
        return None
sys.meta_path.insert(0, _Absent())
"""


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(shipviewer.__path__, "shipviewer."):
        if info.name.startswith("shipviewer._qt") or info.name == "shipviewer.cli.__main__":
            continue
        names.append(info.name)
    return names


def test_the_core_is_every_room_but_qt() -> None:
    rooms = {name.split(".")[1] for name in core_modules()}
    assert rooms >= {"airbus", "model", "edits", "session", "viewer", "cli", "synth"}
    assert len(core_modules()) > 40


def test_every_core_module_imports_without_qt_or_tensorflow() -> None:
    code = BLOCK + "import importlib\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    code += "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'tensorflow', 'keras'})\n"
    code += "print('loaded:', bad)\n"
    out = subprocess.run(
        [sys.executable, "-c", code, *core_modules()], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "loaded: []"


def test_the_command_line_without_qt_or_tensorflow() -> None:
    """``shipviewer --help`` and ``score`` work on a machine with neither; ``view`` says what is missing."""
    code = BLOCK + "from shipviewer.cli.main import main\nsys.exit(main(sys.argv[1:]))\n"
    out = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and "score" in out.stdout, out.stderr


def test_public_imports_of_the_readme_still_work() -> None:
    import shipviewer.rle

    from shipviewer import annotations, metrics, rle
    from shipviewer.synth import generate

    assert shipviewer.rle is rle and rle.decode("1 2").sum() == 2
    assert annotations.read_csv and metrics.score_dataset and generate
