"""Flip test-time augmentation: what it buys (competition F2) and what it costs (time), on a labelled folder.

Usage: python benchmarks/bench_tta.py --data DIR [--model M.onnx] [--n 400] [--threads 2]

Both sides use the same model and its own post-processing, image by image as ``shipviewer predict`` does:
the reference is the plain map, ours the mean of the image's and its three flips' maps (``--tta``; the
gate decides on the image as it is, so only images it lets through pay for the flips). Prints the F2 of
each, ms per image of each, the time ratio and the F2 gained. DIR is in the Kaggle layout (the CSV gives
the truth; ``shipviewer synth`` writes one).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.airbus.images import read_image
from shipviewer.airbus.metrics import score_dataset
from shipviewer.model.inference import InferenceSession
from training.data import locate, read_ships


def main() -> int:
    from resources import default_model_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a labelled folder (Kaggle layout)")
    parser.add_argument("--model", type=Path, default=None, help="an .onnx (default: the bundled fp32)")
    parser.add_argument("--n", type=int, default=400, help="images to run (default 400)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    model = args.model or default_model_path()
    located = locate(args.data, None)
    truth = read_ships(located.csv_path)
    ids = sorted(truth)[: args.n]
    plain = InferenceSession(model, device="cpu", threads=args.threads)
    tta = InferenceSession(model, device="cpu", threads=args.threads, tta=True)
    first = read_image(located.images_dir / ids[0])
    plain.probabilities(first)  # warm-up: onnxruntime's first runs allocate
    tta.probabilities(first)
    times: dict[str, list[float]] = {"plain": [], "tta": []}
    found: dict[str, dict[str, list[str]]] = {"plain": {}, "tta": {}}
    passed = 0
    for image_id in ids:
        image = read_image(located.images_dir / image_id)
        for name, session in (("plain", plain), ("tta", tta)):
            t0 = time.perf_counter()
            analysis = session.analyse(image)
            found[name][image_id] = session.ships_from(analysis, image=image)
            times[name].append((time.perf_counter() - t0) * 1000)
        passed += analysis.passed
    subset = {i: truth[i] for i in ids}
    scores = {name: score_dataset(subset, found[name]).score for name in found}
    with_ships = sum(1 for i in ids if truth[i])
    print(
        f"{model.name} on {plain.device_name}, {args.threads} threads; {len(ids)} images from {args.data} "
        f"({with_ships} with ships; the gate let {passed} through)"
    )
    for name, label in (("plain", "plain map"), ("tta", "flip TTA (4 maps)")):
        values = times[name]
        print(
            f"{label:18} F2 {scores[name]:.4f}   {np.mean(values):7.1f} ms/image "
            f"(median {np.median(values):.1f}, p99 {np.percentile(values, 99):.1f})"
        )
    ratio = sum(times["tta"]) / sum(times["plain"])
    print(f"TTA costs {ratio:.2f}x the time and gains {scores['tta'] - scores['plain']:+.4f} F2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
