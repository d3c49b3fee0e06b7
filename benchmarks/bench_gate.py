"""Predict-all on a folder with the real share of ship-free images: the gated decoder vs the full path.

Usage: python benchmarks/bench_gate.py --data DIR [--model M.onnx] [--n 200] [--threads 2]

Both sides use the same gated model, image by image (as ``shipviewer predict`` and the viewer's Predict All
do), and must find the same ships: the reference runs the decoder on every image and then applies the gate
(what a model without the fast path costs), ours lets the graph skip the decoder when the gate rejects the
image. Prints the share of images the gate rejected, ms per image on each side, and the ratio (target
≥ 2.5× on a folder where ~78 % of images have no ship, the Kaggle share).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.airbus.images import find_images, read_image
from shipviewer.model.inference import Analysis, InferenceSession


def main() -> int:
    from resources import default_model_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a folder of images (searched recursively)")
    parser.add_argument("--model", type=Path, default=None, help="a gated .onnx (default: the bundled fp32)")
    parser.add_argument("--n", type=int, default=200, help="images to run (default 200)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    model = args.model or default_model_path()
    session = InferenceSession(model, device="cpu", threads=args.threads)
    if not session.has_gate or session.info.gate_input is None:
        print(f"{model}: no gated decoder (a model exported with the ship/no-ship output has one)")
        return 1
    paths = sorted(find_images([args.data]))[: args.n]
    images = [read_image(p) for p in paths]
    session.analyse(images[0])  # warm-up: onnxruntime's first run allocates
    session.analyse(images[0], gated=False)

    full_ms, gated_ms, rejected, same = [], [], 0, 0
    for image in images:
        t0 = time.perf_counter()
        full = session.analyse(image, gated=False)
        # The gate applied after the full decoder, compared in float32 as the graph compares.
        ship = np.float32(full.ship_probability if full.ship_probability is not None else 0.0)
        passed = bool(ship >= np.float32(session.gate_threshold or 0.0))
        reference = session.ships_from(Analysis(full.probability, full.ship_probability, passed), image=image)
        t1 = time.perf_counter()
        fast = session.analyse(image)
        ours = session.ships_from(fast, image=image)
        t2 = time.perf_counter()
        full_ms.append((t1 - t0) * 1000)
        gated_ms.append((t2 - t1) * 1000)
        rejected += not fast.passed
        same += ours == reference
    full_total, gated_total = sum(full_ms), sum(gated_ms)
    print(
        f"{model.name} on {session.device_name}, {args.threads} threads; "
        f"{len(images)} images from {args.data}"
    )
    print(
        f"gate threshold {session.gate_threshold}: rejected {rejected} of {len(images)} "
        f"({rejected / len(images):.0%})"
    )
    print(f"same ships on {same} of {len(images)} images")
    for label, values in (("full decoder on every image", full_ms), ("gated decoder", gated_ms)):
        print(f"{label:28} {sum(values) / len(values):7.1f} ms/image (median {np.median(values):.1f})")
    print(f"speed-up {full_total / gated_total:.2f}x (target >= 2.5x)")
    return 0 if same == len(images) else 1


if __name__ == "__main__":
    sys.exit(main())
