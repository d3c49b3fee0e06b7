"""Files that ship inside the wheel: the default model (ONNX fp32 and int8, .keras) and its card, icons,
sample images."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_MODEL_NAME = "shipviewer-segnet.onnx"
INT8_MODEL_NAME = "shipviewer-segnet-int8.onnx"
KERAS_MODEL_NAME = "shipviewer-segnet.keras"


def models_dir() -> Path:
    return ROOT / "models"


def samples_dir() -> Path:
    return ROOT / "samples"


def icons_dir() -> Path:
    return ROOT / "icons"


def default_model_path(device: str | None = None) -> Path:
    """The bundled default model (may be absent in a source tree before the model is trained).

    With ``device`` ("auto", "cpu", "cuda", ...): the int8 copy where the model will run on the CPU — it is
    about 1.6× faster there with the same scores, and the exporter writes it only after its masks passed
    the Dice check against fp32 — else the fp32 file (GPUs run fp32 well; the int8 graph is tuned for x86).
    """
    fp32, int8 = models_dir() / DEFAULT_MODEL_NAME, models_dir() / INT8_MODEL_NAME
    if device is None or not int8.is_file():
        return fp32
    if device.lower() == "cpu":
        return int8
    if device.lower() != "auto":
        return fp32
    import onnxruntime

    gpu = {"CUDAExecutionProvider", "TensorrtExecutionProvider"} & set(onnxruntime.get_available_providers())
    return fp32 if gpu else int8


def default_keras_path() -> Path:
    """The bundled model's Keras file, which fine-tuning starts from."""
    return models_dir() / KERAS_MODEL_NAME
