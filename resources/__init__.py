"""Files that ship inside the wheel: the default ONNX model and its card, icons, sample images."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_MODEL_NAME = "shipviewer-segnet.onnx"


def models_dir() -> Path:
    return ROOT / "models"


def samples_dir() -> Path:
    return ROOT / "samples"


def icons_dir() -> Path:
    return ROOT / "icons"


def default_model_path() -> Path:
    """The bundled default model (may be absent in a source tree before the model is trained)."""
    return models_dir() / DEFAULT_MODEL_NAME
