"""Hulls side by side in one blob: how often :func:`shipviewer.model.seams.hull_strips` tells them apart.

Usage: python benchmarks/bench_seams.py --data DIR [--limit N]

On a data set in the Kaggle layout, every group of touching true ships is merged into one blob (what a
one-channel map draws at best) and cut by ``hull_strips``; a ship counts as told apart when a strip
matches it at IoU >= 0.5. Every single hull over 150 px is cut too and should stay whole. The reference
in the same run is the blob kept whole (no cutting): the printed ratio is ours over it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import read_csv
from shipviewer.airbus.images import read_image
from shipviewer.model.seams import hull_strips


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a data set in the Kaggle layout")
    parser.add_argument("--limit", type=int, help="only the first N images with ships")
    args = parser.parse_args()
    rows = read_csv(args.data / "train_ship_segmentations_v2.csv").ships
    names = [n for n in sorted(rows) if rows[n]][: args.limit]
    told = whole_told = groups = singles = kept = 0
    seconds = 0.0
    cut = 0
    for name in names:
        rgb = read_image(args.data / "train_v2" / name)
        ships = [rle.decode(r, rgb.shape[:2]) for r in rows[name]]
        union = np.zeros(rgb.shape[:2], np.uint8)
        for ship in ships:
            union[ship] = 1
        n, blobs = cv2.connectedComponents(union, connectivity=8)
        for k in range(1, n):
            blob = blobs == k
            members = [s for s in ships if (s & blob).sum() > 0.5 * s.sum()]
            ys, xs = np.nonzero(blob)
            y0, y1 = max(ys.min() - 4, 0), ys.max() + 5
            x0, x1 = max(xs.min() - 4, 0), xs.max() + 5
            t0 = time.perf_counter()
            strips = hull_strips(rgb[y0:y1, x0:x1], blob[y0:y1, x0:x1])
            seconds += time.perf_counter() - t0
            cut += 1
            full = np.zeros(blob.shape, np.int32)
            full[y0:y1, x0:x1] = strips
            if len(members) == 1:
                if members[0].sum() > 150:
                    singles += 1
                    kept += int(full.max()) == 1
                continue
            for ship in members:
                groups += 1
                told += max(iou(ship, full == j) for j in range(1, int(full.max()) + 1)) >= 0.5
                whole_told += iou(ship, blob) >= 0.5
    print(f"{len(names)} images: {groups} ships touching another, {singles} single hulls over 150 px")
    print(f"  {'':<28} {'told apart':>12} {'singles whole':>14}")
    print(f"  {'blob kept whole (reference)':<28} {whole_told:>5}/{groups:<6} {singles:>6}/{singles:<7}")
    print(f"  {'hull_strips':<28} {told:>5}/{groups:<6} {kept:>6}/{singles:<7}")
    ratio = told / max(whole_told, 1)
    print(f"told apart: {ratio:.2f}x the reference; {1000 * seconds / max(cut, 1):.2f} ms per blob")
    return 0


if __name__ == "__main__":
    sys.exit(main())
