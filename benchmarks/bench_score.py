"""`shipviewer score`'s metric against a full-frame per-pair implementation, measured in one run.

Usage: python benchmarks/bench_score.py [--images 1500] [--seed 0]

The data imitate the real set: about 22 % of images hold 1-8 ships (rotated hulls 10-300 px); the
predictions find most ships with jittered outlines, miss some, and add false alarms, some on empty
images. Target: ours >= 10x faster, with the same score.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ships import SHAPE, draw, hull_polygon

from shipviewer.airbus import metrics, rle


def reference_score(truth: dict[str, list[str]], pred: dict[str, list[str]]) -> float:
    """Decode every ship of every pair into full frames and compare them pixel by pixel."""
    scores = []
    for image_id, true_rles in truth.items():
        pred_rles = pred.get(image_id, [])
        if not true_rles and not pred_rles:
            scores.append(1.0)
            continue
        ious = np.zeros((len(true_rles), len(pred_rles)))
        for i, t in enumerate(true_rles):
            for j, p in enumerate(pred_rles):
                a, b = rle.decode(t), rle.decode(p)
                ious[i, j] = np.logical_and(a, b).sum() / np.logical_or(a, b).sum()
        f2s = []
        for threshold in metrics.THRESHOLDS:
            tp = int((ious > threshold).any(axis=1).sum()) if ious.size else 0
            fn, fp = len(true_rles) - tp, len(pred_rles) - tp
            f2s.append(5 * tp / (5 * tp + 4 * fn + fp))
        scores.append(float(np.mean(f2s)))
    return float(np.mean(scores))


def make_dataset(n_images: int, seed: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    truth: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for k in range(n_images):
        image_id = f"{k:09x}.jpg"
        labels = np.zeros(SHAPE, np.int32)
        guesses = np.zeros(SHAPE, np.int32)
        n_ships = int(rng.integers(1, 9)) if rng.random() < 0.22 else 0
        for ship in range(1, n_ships + 1):
            points = hull_polygon(rng)
            mask = draw(points) & (labels == 0)
            labels[mask] = ship
            if rng.random() < 0.8:  # found, with a jittered outline
                jitter = points + rng.normal(0, 2.0, points.shape) + rng.normal(0, 1.5, 2)
                guess = draw(jitter) & (guesses == 0)
                guesses[guess] = ship
        if rng.random() < 0.08:  # a false alarm
            guess = draw(hull_polygon(rng, rng.uniform(10, 60))) & (guesses == 0)
            guesses[guess] = guesses.max() + 1
        truth[image_id] = [s for s in rle.ships_from_labels(labels) if s]
        found = [s for s in rle.ships_from_labels(guesses) if s]
        if found or rng.random() < 0.5:
            pred[image_id] = found
    return truth, pred


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    truth, pred = make_dataset(args.images, args.seed)
    n_true = sum(map(len, truth.values()))
    n_pred = sum(map(len, pred.values()))
    print(f"{args.images} images, {n_true} true ships, {n_pred} predicted ships")

    t0 = time.perf_counter()
    ours = metrics.score_dataset(truth, pred).score
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = reference_score(truth, pred)
    t_ref = time.perf_counter() - t0
    ratio = t_ref / t_ours
    print(f"ours (runs, no frames)        {t_ours * 1000:8.1f} ms   score {ours:.6f}")
    print(f"reference (full-frame pairs)  {t_ref * 1000:8.1f} ms   score {theirs:.6f}")
    print(f"ratio {ratio:.1f}x (target >= 10x: {'PASS' if ratio >= 10 else 'MISS'})")
    same = abs(ours - theirs) < 1e-9
    print("scores agree" if same else "SCORES DISAGREE")
    return 0 if same and ratio >= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
