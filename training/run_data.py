"""The images of a run: split and written on a fresh run, read back from train.csv/val.csv on ``--resume``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipviewer.cli.progress import ProgressBar

from .config import TrainConfig
from .data import ImageRecord, ScanResult, locate, read_ships, scan, ship_count_histogram
from .errors import DataError
from .split import TRAIN_CSV, VAL_CSV, Split, keep_empty, read_split_file, stratified_split, write_split

# Probing more files than this shows a progress bar.
PROGRESS_FROM = 5000


@dataclass
class RunData:
    """Usable training and validation images, and the figures for config.json."""

    train: list[ImageRecord]
    val: list[ImageRecord]
    info: dict[str, Any] = field(default_factory=dict)


def _scan(images_dir: Path, ships: Mapping[str, Sequence[str]]) -> ScanResult:
    bar = ProgressBar(len(ships), "checking images") if len(ships) >= PROGRESS_FROM else nullcontext()
    with bar:
        return scan(images_dir, ships, progress=bar.update if isinstance(bar, ProgressBar) else None)


def _counts(records: Sequence[ImageRecord]) -> dict[str, Any]:
    histogram = ship_count_histogram(records)
    return {
        "images": len(records),
        "with_ships": len(records) - histogram.get(0, 0),
        "ships": sum(len(r.ships) for r in records),
        "images_by_ship_count": {str(k): histogram[k] for k in sorted(histogram)},
    }


def prepare(
    config: TrainConfig, run_dir: Path, *, resume: bool, write: bool, log: Callable[[str], None]
) -> RunData:
    """Find the data, split it (or read the run's split back), probe the images, describe what was found."""
    source = locate(config.data, config.csv)
    if resume and (run_dir / TRAIN_CSV).exists():
        train_ships, val_ships = read_split_file(run_dir / TRAIN_CSV), read_split_file(run_dir / VAL_CSV)
        log(
            f"data: the run's split, {run_dir / TRAIN_CSV} and {run_dir / VAL_CSV}; "
            f"images from {source.images_dir}"
        )
        ships = {**train_ships, **val_ships}
        scanned = _scan(source.images_dir, ships)
        split = Split(sorted(train_ships), sorted(val_ships))
    else:
        ships = read_ships(source.csv_path)
        log(f"data: {len(ships)} images listed in {source.csv_path}; images from {source.images_dir}")
        val_ships = read_split_file(config.val_csv) if config.val_csv else None
        if val_ships is not None:
            log(f"validation: the {len(val_ships)} images of {config.val_csv}, not a split of the labels CSV")
            ships = {**{k: v for k, v in ships.items() if k not in val_ships}, **val_ships}
        scanned = _scan(source.images_dir, ships)
        usable = {r.image_id for r in scanned.records}
        if val_ships is None:
            split = stratified_split({i: ships[i] for i in usable}, config.val_fraction, config.seed)
        else:
            split = Split(
                sorted(i for i in usable if i not in val_ships), sorted(i for i in usable if i in val_ships)
            )
        split = Split(keep_empty(split.train, ships, config.empty_fraction, config.seed), split.val)
        if write:
            write_split(run_dir, ships, split)
    if scanned.n_skipped:
        log(f"skipped {scanned.n_skipped} image(s) that cannot be used:\n{scanned.describe_skipped()}")
    by_id = {r.image_id: r for r in scanned.records}
    train = [by_id[i] for i in split.train if i in by_id]
    val = [by_id[i] for i in split.val if i in by_id]
    if not train:
        raise DataError(
            "no training images left after the split "
            "(too few images, or --empty-fraction 0 on a set without ships)"
        )
    info = {
        "images_dir": str(source.images_dir),
        "csv": str(source.csv_path),
        "listed": len(ships),
        "skipped": {reason: len(ids) for reason, ids in sorted(scanned.skipped.items())},
        "train": _counts(train),
        "val": _counts(val),
    }
    log(
        f"split: {len(train)} training images ({info['train']['with_ships']} with ships), "
        f"{len(val)} validation images ({info['val']['with_ships']} with ships)"
    )
    return RunData(train, val, info)
