"""Finding a data set on disk: the Kaggle layout, the ships of each image, and which images are usable.

``--data DIR`` alone means the Kaggle layout, ``DIR/train_v2/*.jpg`` and
``DIR/train_ship_segmentations_v2.csv``; ``--csv FILE`` names another CSV, and images may also lie directly in
DIR. Images that are missing or unreadable are skipped and counted, never a crash.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shipviewer.airbus.annotations import read_csv

from .errors import DataError
from .imagefiles import probe

KAGGLE_IMAGE_DIR = "train_v2"
KAGGLE_CSV = "train_ship_segmentations_v2.csv"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DataSource:
    """Where the images are and which CSV labels them."""

    images_dir: Path
    csv_path: Path


@dataclass(frozen=True)
class ImageRecord:
    """One usable image: its file, its ships (RLE strings) and its size as read from the header."""

    image_id: str
    path: Path
    ships: tuple[str, ...]
    height: int
    width: int
    kind: str


@dataclass
class ScanResult:
    """The usable images, in the given order, and the skipped ones by reason."""

    records: list[ImageRecord] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_skipped(self) -> int:
        return sum(len(ids) for ids in self.skipped.values())

    def describe_skipped(self, examples: int = 3) -> str:
        """'' when nothing was skipped, else one line per reason with a few example ids."""
        lines = []
        for reason, ids in sorted(self.skipped.items()):
            shown = ", ".join(ids[:examples]) + (", ..." if len(ids) > examples else "")
            lines.append(f"  {len(ids)} {reason}: {shown}")
        return "\n".join(lines)


def images_folder(data_dir: str | os.PathLike[str]) -> Path:
    """``DIR/train_v2`` when it exists (the Kaggle layout), else DIR itself."""
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(f"--data {root}: no such folder")
    return root / KAGGLE_IMAGE_DIR if (root / KAGGLE_IMAGE_DIR).is_dir() else root


def locate(data_dir: str | os.PathLike[str], csv: str | os.PathLike[str] | None = None) -> DataSource:
    """Resolve ``--data DIR [--csv FILE]`` to the image folder and the CSV, or raise :class:`DataError`."""
    root = Path(data_dir)
    images_dir = images_folder(root)
    csv_path = Path(csv) if csv is not None else root / KAGGLE_CSV
    if not csv_path.is_file():
        hint = "" if csv is not None else " (the Kaggle layout; pass --csv FILE for another labels file)"
        raise DataError(f"labels CSV not found: {csv_path}{hint}")
    return DataSource(images_dir, csv_path)


def read_ships(csv_path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """Image id → ships from an Airbus CSV; a clear error names the file and line of a bad row."""
    ships = read_csv(csv_path).ships
    if not ships:
        raise DataError(f"{csv_path}: lists no images")
    return ships


def scan(
    images_dir: Path, ships: Mapping[str, Sequence[str]], progress: Progress | None = None
) -> ScanResult:
    """Probe every listed image; raise :class:`DataError` if none can be used."""
    result = ScanResult()
    total = len(ships)
    for done, (image_id, rles) in enumerate(ships.items(), start=1):
        info = probe(images_dir / image_id)
        if info.ok:
            result.records.append(
                ImageRecord(image_id, info.path, tuple(rles), info.height, info.width, info.kind)
            )
        else:
            result.skipped.setdefault(info.problem, []).append(image_id)
        if progress is not None:
            progress(done, total)
    if not result.records:
        raise DataError(
            f"no images found: none of the {total} images listed in the CSV could be read from {images_dir}\n"
            + result.describe_skipped()
        )
    return result


def ship_count_histogram(records: Sequence[ImageRecord]) -> Counter[int]:
    """How many images have 0, 1, 2, ... ships."""
    return Counter(len(r.ships) for r in records)
