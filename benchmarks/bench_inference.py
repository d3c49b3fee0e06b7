"""Keras `predict` vs onnxruntime fp32 vs onnxruntime int8 on the same weights and 768x768 images.

Usage: python benchmarks/bench_inference.py [--keras RUN/best.keras] [--images DIR] [--n 4] [--repeat 3]

Without --keras, the default full-width SegNet is built with random weights (timings are valid; the
int8 Dice against fp32 is then meaningless and only printed). Prints ms per image and ratios, GFLOP per
image (multiply-adds x 2 of every convolution), the achieved GFLOP/s, and this CPU's float32
matrix-multiply rate (numpy/OpenBLAS sgemm, 2048^3) as the ceiling. Targets: onnxruntime fp32 >= 1.7x
Keras; int8 >= 1.5x fp32 with Dice >= 0.98 against fp32.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REAL = Path(__file__).resolve().parents[2] / "shared" / "airbus-real"


def conv_gflop(model: Any, size: int) -> float:
    """2 x multiply-adds of every Conv2D at a size x size input, in GFLOP."""
    import keras

    fixed = keras.models.clone_model(model, input_tensors=keras.Input((size, size, 3)))
    total = 0.0
    for layer in fixed.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            total += 2.0 * h * w * kh * kw * layer.input.shape[-1] * c_out
    return total / 1e9


def sgemm_gflops(n: int = 2048, repeat: int = 3) -> float:
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = np.random.default_rng(1).random((n, n), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeat))
    return 2 * n**3 / best / 1e9


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def load_images(folder: Path | None, n: int) -> list[np.ndarray]:
    from shipviewer.airbus.images import find_images, read_image

    candidates = [folder] if folder else [REAL / "images", REAL / "unlabelled"]
    images = []
    for path in find_images([c for c in candidates if c and c.exists()]):
        image = read_image(path)
        if image.shape[:2] == (768, 768):
            images.append(image)
        if len(images) >= n:
            break
    while len(images) < n:
        images.append(np.random.default_rng(len(images)).integers(0, 256, (768, 768, 3), dtype=np.uint8))
    return images


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keras", type=Path, default=None, help="a trained .keras model (default: random SegNet)"
    )
    parser.add_argument(
        "--images", type=Path, default=None, help="768x768 images (default: ../shared real ones)"
    )
    parser.add_argument(
        "--calibration", type=Path, default=None, help="extra int8 calibration images (default: none)"
    )
    parser.add_argument("--n", type=int, default=4, help="images to time")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    import keras

    from export.onnx_export import ParityError, export_onnx, keras_probabilities, metadata_from_run
    from export.quantize import load_calibration_images, pooled_dice, quantize_int8
    from shipviewer.model.inference import InferenceSession
    from shipviewer.model.metadata import ModelMetadata
    from training.model import build_segnet

    images = load_images(args.images, args.n)
    batch = [im[None] for im in images]
    meta = metadata_from_run(args.keras) if args.keras else ModelMetadata()
    calibration = list(images)
    if args.calibration:
        calibration += load_calibration_images(args.calibration, limit=64)
    with tempfile.TemporaryDirectory() as tmp:
        if args.keras:
            keras_path = args.keras
        else:
            keras.utils.set_random_seed(0)
            keras_path = Path(tmp) / "segnet.keras"
            build_segnet().save(keras_path)
        model = keras.models.load_model(keras_path, compile=False)
        fp32_path = export_onnx(
            keras_path, Path(tmp) / "fp32.onnx", metadata=meta, parity_images=images[:1]
        ).onnx_path
        # As `shipviewer export --quantize int8` does: the Dice gate decides whether the input
        # convolution stays fp32. On random weights the gate means nothing: full int8 is timed.
        try:
            int8_report = quantize_int8(
                fp32_path,
                Path(tmp) / "int8.onnx",
                calibration,
                check_images=images,
                **({} if args.keras else {"min_dice": 0.0}),
            )
        except ParityError as exc:
            print(f"int8 misses the Dice gate: {exc}")
            int8_report = quantize_int8(
                fp32_path, Path(tmp) / "int8.onnx", calibration, check_images=images, min_dice=0.0
            )
        fp32 = InferenceSession(fp32_path, device="cpu")
        int8 = InferenceSession(int8_report.onnx_path, device="cpu")

        def per_image(fn: Any) -> float:
            fn(batch[0])
            best = float("inf")
            for _ in range(args.repeat):
                best = min(best, sum(_timed(lambda b=b: fn(b)) for b in batch) / len(batch))
            return best * 1000

        t_keras = per_image(lambda b: model.predict(b.astype(np.float32) / 255.0, verbose=0))
        t_fp32 = per_image(fp32.run_batch)
        t_int8 = per_image(int8.run_batch)
        dice = pooled_dice(
            [fp32.run_batch(b) for b in batch], [int8.run_batch(b) for b in batch], meta.threshold
        )
        parity = max(
            float(np.abs(keras_probabilities(model, b, meta) - fp32.run_batch(b)).max()) for b in batch
        )
        gflop = conv_gflop(model, 768)
        fp32_size = fp32_path.stat().st_size
    peak = sgemm_gflops()
    print(
        f"model: {'trained ' + str(args.keras) if args.keras else 'default SegNet, random weights'}; "
        f"{len(images)} images 768x768; threads: onnxruntime {fp32.threads}"
    )
    print(f"work: {gflop:.1f} GFLOP per image; this CPU's sgemm rate: {peak:.1f} GFLOP/s")
    for name, ms in (("Keras predict", t_keras), ("onnxruntime fp32", t_fp32), ("onnxruntime int8", t_int8)):
        rate = gflop / (ms / 1000)
        print(f"{name:<18} {ms:8.0f} ms/image  {rate:6.1f} GFLOP/s  ({rate / peak:4.0%} of sgemm)")
    r_fp32, r_int8 = t_keras / t_fp32, t_fp32 / t_int8
    print(
        f"fp32 vs Keras: {r_fp32:.2f}x (target >= 1.7x: {'PASS' if r_fp32 >= 1.7 else 'MISS'}); "
        f"max |keras - fp32| = {parity:.1e}"
    )
    caveat = "" if args.keras else ", meaningless on random weights"
    print(
        f"int8 vs fp32:  {r_int8:.2f}x (target >= 1.5x: {'PASS' if r_int8 >= 1.5 else 'MISS'}); "
        f"thresholded Dice vs fp32 = {dice:.4f} (target >= 0.98{caveat})"
    )
    kept = ", ".join(int8_report.kept_fp32) or "none"
    print(
        f"int8 model {int8_report.size_bytes / 1e6:.1f} MB, fp32 {fp32_size / 1e6:.1f} MB; "
        f"nodes kept in fp32: {kept}; threshold {meta.threshold}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
