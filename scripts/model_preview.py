"""Run an ONNX model on images and compose a mosaic: predictions outlined in red, ground truth in yellow.

Usage: python scripts/model_preview.py --model M.onnx --images DIR [--labels labels.csv] --out preview.jpg

Used for the model card's honest picture of what the bundled model does on real Airbus images.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import read_csv
from shipviewer.airbus.images import find_images, read_image
from shipviewer.airbus.metrics import image_score
from shipviewer.model.inference import InferenceSession


def outline(rgb: np.ndarray, rles: list[str], colour: tuple[int, int, int], thickness: int) -> None:
    for text in rles:
        mask = np.ascontiguousarray(rle.decode(text, rgb.shape[:2]), dtype=np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(rgb, contours, -1, colour, thickness)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--images", type=Path, nargs="+", required=True)
    parser.add_argument("--labels", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--columns", type=int, default=6)
    parser.add_argument("--limit", type=int, default=12)
    args = parser.parse_args()
    truth = read_csv(args.labels).ships if args.labels else {}
    session = InferenceSession(args.model)
    tiles = []
    for path in list(find_images(args.images))[: args.limit]:
        rgb = read_image(path)
        ships = session.ships(rgb)
        ship_p = session.analyse(rgb).ship_probability if session.has_gate else None
        true = truth.get(path.name)
        canvas = rgb.copy()
        if true is not None:
            outline(canvas, true, (255, 230, 0), 5)
        outline(canvas, ships, (255, 40, 40), 3)
        tile = cv2.resize(canvas, (args.tile, args.tile), interpolation=cv2.INTER_AREA)
        label = f"{path.stem}: {len(ships)} found" + ("" if ship_p is None else f" (p {ship_p:.2f})")
        if true is not None:
            label += f", {len(true)} true, F2 {image_score(true, ships, rgb.shape[:2]):.2f}"
        cv2.rectangle(tile, (0, 0), (args.tile, 16), (0, 0, 0), -1)
        cv2.putText(tile, label, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
        print(label)
    while len(tiles) % args.columns:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i : i + args.columns]) for i in range(0, len(tiles), args.columns)]
    mosaic = np.vstack(rows)
    cv2.imwrite(str(args.out), cv2.cvtColor(mosaic, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
