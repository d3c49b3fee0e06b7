"""Reading an Airbus CSV the size of the Kaggle training file, against a plain csv.DictReader loop.

Usage: python benchmarks/bench_csv.py [--rows 231723] [--keep FILE]

The file is generated like the real one: 231,723 rows, 81,723 of them ships (rotated hulls 10-300 px,
realistic RLE strings), the other rows empty; ~190,000 distinct images. Target: under 2 s.
Also times validate_csv (every RLE parsed, overlaps checked) and write_csv of the result.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ships import ship_mask

from shipviewer.airbus import rle
from shipviewer.airbus.annotations import read_csv, validate_csv, write_csv

KAGGLE_ROWS, KAGGLE_SHIPS = 231_723, 81_723


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    pool = [rle.encode(ship_mask(rng)) for _ in range(400)]
    ships = round(rows * KAGGLE_SHIPS / KAGGLE_ROWS)
    ids = [f"{x:09x}.jpg" for x in rng.choice(16**9, rows, replace=False)]
    lines = ["ImageId,EncodedPixels"]
    k = 0
    # Ship images hold 1-4 ships (disjoint pool members are not guaranteed; read speed does not care).
    while len(lines) - 1 < ships:
        for _ in range(1 + k % 4):
            lines.append(f"{ids[k]},{pool[(k * 7 + len(lines)) % len(pool)]}")
        k += 1
    while len(lines) - 1 < rows:
        lines.append(f"{ids[k]},")
        k += 1
    order = rng.permutation(len(lines) - 1) + 1
    path.write_text("\n".join([lines[0], *(lines[i] for i in order)]) + "\n")


def reference_read(path: Path) -> dict[str, list[str]]:
    ships: dict[str, list[str]] = defaultdict(list)
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            ships[row["ImageId"]]
            if row["EncodedPixels"]:
                ships[row["ImageId"]].append(row["EncodedPixels"])
    return dict(ships)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=KAGGLE_ROWS)
    parser.add_argument("--keep", type=Path, default=None, help="write the generated CSV here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "train_ship_segmentations_v2.csv"
        make_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        ours = read_csv(path)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        theirs = reference_read(path)
        t_ref = time.perf_counter() - t0
        assert ours.ships == theirs
        t0 = time.perf_counter()
        report = validate_csv(path)
        t_validate = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_csv(Path(tmp) / "out.csv", ours.ships)
        t_write = time.perf_counter() - t0
    print(f"{args.rows} rows, {ours.n_ships} ships, {len(ours.ships)} images, {size_mb:.0f} MB")
    print(f"read_csv            {t_ours:6.2f} s   (target < 2 s: {'PASS' if t_ours < 2 else 'MISS'})")
    print(f"csv.DictReader loop {t_ref:6.2f} s   ratio {t_ref / t_ours:.2f}x")
    n_problems = len(report.problems)
    print(f"validate_csv        {t_validate:6.2f} s   ({n_problems} problems: the pool's ships overlap)")
    print(f"write_csv           {t_write:6.2f} s")
    return 0 if t_ours < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
