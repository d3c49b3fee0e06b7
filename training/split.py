"""The train/validation split, stratified by ship count (the notebook's step 4), and its files.

Deterministic for a seed: the ids are sorted before shuffling, so the split does not depend on CSV order.
It is written into the run folder as ``train.csv`` and ``val.csv`` (Airbus CSVs), which ``evaluate`` and
``--resume`` read back. Ship-free images are thinned out of the training part only; validation keeps the
data set's real proportion so its score means what the competition's means.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shipviewer.airbus.annotations import read_csv, write_csv

from .errors import ConfigError

TRAIN_CSV = "train.csv"
VAL_CSV = "val.csv"
# Images with this many ships or more share one stratum (there are few of them).
STRATUM_CAP = 8


@dataclass(frozen=True)
class Split:
    """Image ids for training and for validation, each sorted."""

    train: list[str]
    val: list[str]


def stratum(n_ships: int) -> int:
    return min(n_ships, STRATUM_CAP)


def _val_quotas(sizes: dict[int, int], val_fraction: float) -> dict[int, int]:
    """Validation images per stratum: proportional, and summing to round(N·fraction) (largest remainder)."""
    total = sum(sizes.values())
    target = round(total * val_fraction)
    if val_fraction > 0 and total >= 2:
        target = min(max(target, 1), total - 1)
    exact = {s: n * val_fraction for s, n in sizes.items()}
    quotas = {s: math.floor(q) for s, q in exact.items()}
    by_remainder = sorted(sizes, key=lambda s: (-(exact[s] - quotas[s]), s))
    for s in by_remainder[: max(target - sum(quotas.values()), 0)]:
        quotas[s] += 1
    return quotas


def stratified_split(ships: Mapping[str, Sequence[str]], val_fraction: float, seed: int) -> Split:
    """Split image ids so that each ship-count stratum has ``val_fraction`` of its images in validation."""
    if not 0.0 <= val_fraction < 1.0:
        raise ConfigError(f"--val-fraction must be at least 0 and below 1, got {val_fraction}")
    strata: dict[int, list[str]] = {}
    for image_id in sorted(ships):
        strata.setdefault(stratum(len(ships[image_id])), []).append(image_id)
    quotas = _val_quotas({s: len(ids) for s, ids in strata.items()}, val_fraction)
    rng = np.random.default_rng(seed)
    train: list[str] = []
    val: list[str] = []
    for s in sorted(strata):
        ids = strata[s]
        order = rng.permutation(len(ids))
        val.extend(ids[i] for i in order[: quotas[s]])
        train.extend(ids[i] for i in order[quotas[s] :])
    return Split(sorted(train), sorted(val))


def keep_empty(
    ids: Sequence[str], ships: Mapping[str, Sequence[str]], fraction: float, seed: int
) -> list[str]:
    """``ids`` with only ``fraction`` of its ship-free images kept (chosen by ``seed``), sorted."""
    if not 0.0 <= fraction <= 1.0:
        raise ConfigError(f"--empty-fraction must be between 0 and 1, got {fraction}")
    empty = sorted(i for i in ids if not ships[i])
    n_keep = round(len(empty) * fraction)
    rng = np.random.default_rng([seed, 1])
    kept = {empty[i] for i in rng.permutation(len(empty))[:n_keep]}
    return sorted(i for i in ids if ships[i] or i in kept)


def write_split(run_dir: Path, ships: Mapping[str, Sequence[str]], split: Split) -> tuple[Path, Path]:
    """Write ``train.csv`` and ``val.csv`` into ``run_dir``; return their paths."""
    paths = run_dir / TRAIN_CSV, run_dir / VAL_CSV
    for path, ids in zip(paths, (split.train, split.val), strict=True):
        write_csv(path, {i: list(ships[i]) for i in ids})
    return paths


def read_split_file(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """An Airbus CSV of a split (image id → ships); an empty split file gives {}."""
    return read_csv(path).ships
