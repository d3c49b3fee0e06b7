"""Touching ships and long hulls: instances from the probability map with and without the watershed split.

Usage: python benchmarks/bench_instances.py --data DIR [--model M.onnx] [--limit N]

On a data set in the Kaggle layout (the synthetic harbours moor ships side by side, touching), finds
- every pair of true ships that touch (8-neighbours), and counts the pairs that come out as two predicted
  instances each matching its ship at IoU >= 0.5 (target >= 80 %);
- every single true hull longer than 150 px that touches no other ship, and counts those the model finds
  (a predicted instance overlaps it) that stay one instance: exactly one predicted instance has >= 20 % of
  its pixels on the hull (target >= 95 %).
All are printed for plain connected components (the reference), for ``split_touching`` (watershed on
the map) and for ``split_hulls`` (seams in the image, :mod:`shipviewer.model.seams`), with the
competition F2 of each, over the same probability maps.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.airbus import rle
from shipviewer.airbus.images import read_image
from shipviewer.airbus.metrics import score_dataset
from shipviewer.model.inference import InferenceSession
from shipviewer.model.postprocess import probability_to_ships
from training.data import locate, read_ships


def touching_pairs(labels: np.ndarray) -> set[tuple[int, int]]:
    pairs = set()
    for a, b in (
        (labels[:, :-1], labels[:, 1:]),
        (labels[:-1, :], labels[1:, :]),
        (labels[:-1, :-1], labels[1:, 1:]),
        (labels[:-1, 1:], labels[1:, :-1]),
    ):
        hit = (a != b) & (a > 0) & (b > 0)
        pairs |= {(min(i, j), max(i, j)) for i, j in zip(a[hit].tolist(), b[hit].tolist())}
    return pairs


def length(mask: np.ndarray) -> float:
    import cv2

    points = cv2.findNonZero(mask.astype(np.uint8))
    (_, _), (w, h), _ = cv2.minAreaRect(points)
    return float(max(w, h))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def main() -> int:
    from resources import default_model_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    located = locate(args.data)
    truth = read_ships(located.csv_path)
    session = InferenceSession(args.model or default_model_path(), device="cpu")
    meta = session.metadata
    ways = ("components", "watershed", "seams")
    pairs_total = dict.fromkeys(ways, 0)
    pairs_ok = dict.fromkeys(ways, 0)
    hulls_found = dict.fromkeys(ways, 0)
    hulls_whole = dict.fromkeys(ways, 0)
    predictions: dict[str, dict[str, list[str]]] = {way: {} for way in ways}
    ids = sorted(truth)[: args.limit]
    interesting = 0
    for image_id in ids:
        ships = truth[image_id]
        labels = rle.label_image(ships) if ships else np.zeros((768, 768), np.int32)
        pairs = touching_pairs(labels)
        singles = [
            k
            for k in range(1, len(ships) + 1)
            if not any(k in p for p in pairs) and length(labels == k) > 150
        ]
        image = read_image(located.images_dir / image_id)
        analysis = session.analyse(image)
        probability = analysis.probability if analysis.passed else np.zeros((768, 768), np.float32)
        interesting += bool(pairs or singles)
        for split in ways:
            pred = probability_to_ships(
                probability,
                meta.threshold,
                meta.min_size,
                split_touching=split == "watershed",
                seam=meta.seam,
                refine=session.refine,
                image=image,
                split_hulls=split == "seams",
            )
            predictions[split][image_id] = pred
            masks = [rle.decode(p) for p in pred]
            for a, b in pairs:
                pairs_total[split] += 1
                ta, tb = labels == a, labels == b
                best_a = max(range(len(masks)), key=lambda i: iou(masks[i], ta), default=None)
                best_b = max(range(len(masks)), key=lambda i: iou(masks[i], tb), default=None)
                if (
                    best_a is not None
                    and best_b is not None
                    and best_a != best_b
                    and iou(masks[best_a], ta) >= 0.5
                    and iou(masks[best_b], tb) >= 0.5
                ):
                    pairs_ok[split] += 1
            for k in singles:
                hull = labels == k
                covering = [m for m in masks if (m & hull).sum() >= 0.2 * m.sum()]
                if any((m & hull).any() for m in masks):
                    hulls_found[split] += 1
                    hulls_whole[split] += len(covering) == 1
    print(
        f"{session.info.name} on {len(ids)} images of {args.data} "
        f"({interesting} with touching pairs or long hulls)"
        + (", outlines refined from the image (the model's advice)" if session.refine else "")
    )
    names = {
        "components": "connected components (reference)",
        "watershed": "watershed split",
        "seams": "seams between hulls (hull_strips)",
    }
    for split in ways:
        name = names[split]
        f2 = score_dataset({i: truth[i] for i in ids}, predictions[split]).score
        pair_share = pairs_ok[split] / max(pairs_total[split], 1)
        hull_share = hulls_whole[split] / max(hulls_found[split], 1)
        print(
            f"{name:34} touching pairs as two matched ships {pairs_ok[split]}/{pairs_total[split]} "
            f"({pair_share:.0%}); long hulls found {hulls_found[split]}, whole {hulls_whole[split]} "
            f"({hull_share:.0%}); F2 {f2:.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
