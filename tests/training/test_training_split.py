"""The train/validation split: stratified by ship count, deterministic for a seed, written and read back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from training.errors import ConfigError
from training.split import Split, keep_empty, read_split_file, stratified_split, stratum, write_split

SHIP = "1 3"


def ships_by_count(counts: dict[int, int]) -> dict[str, list[str]]:
    """``counts[k]`` images with k ships each, under ids that interleave the strata."""
    ships = {}
    for k, n in counts.items():
        for i in range(n):
            ships[f"{i:04d}_{k:02d}.jpg"] = [SHIP] * k
    return ships


COUNTS = {0: 400, 1: 60, 2: 25, 3: 11, 5: 7, 9: 2, 14: 1}


def test_split_is_stratified_by_ship_count() -> None:
    ships = ships_by_count(COUNTS)
    split = stratified_split(ships, 0.2, seed=3)
    assert set(split.train) | set(split.val) == set(ships)
    assert not set(split.train) & set(split.val)
    assert len(split.val) == round(len(ships) * 0.2)
    val_strata = Counter(stratum(len(ships[i])) for i in split.val)
    all_strata = Counter(stratum(len(v)) for v in ships.values())
    for s, n in all_strata.items():
        assert abs(val_strata[s] - n * 0.2) <= 1, (s, val_strata[s], n)


def test_split_is_deterministic_for_a_seed() -> None:
    ships = ships_by_count(COUNTS)
    reordered = dict(reversed(list(ships.items())))
    assert stratified_split(ships, 0.25, seed=7) == stratified_split(reordered, 0.25, seed=7)
    assert stratified_split(ships, 0.25, seed=7) != stratified_split(ships, 0.25, seed=8)


def test_small_sets_and_edges() -> None:
    ships = ships_by_count({0: 3, 1: 2})
    assert len(stratified_split(ships, 0.1, seed=0).val) == 1  # at least one validation image
    assert stratified_split(ships, 0.0, seed=0).val == []
    with pytest.raises(ConfigError, match="val-fraction"):
        stratified_split(ships, 1.0, seed=0)


def test_keep_empty_thins_only_ship_free_images() -> None:
    ships = ships_by_count({0: 100, 1: 30})
    kept = keep_empty(sorted(ships), ships, 0.25, seed=1)
    assert sum(1 for i in kept if not ships[i]) == 25
    assert sum(1 for i in kept if ships[i]) == 30
    assert kept == keep_empty(sorted(ships), ships, 0.25, seed=1)
    assert keep_empty(sorted(ships), ships, 0.0, seed=1) == sorted(i for i in ships if ships[i])
    with pytest.raises(ConfigError, match="empty-fraction"):
        keep_empty(sorted(ships), ships, 1.5, seed=1)


def test_split_files_round_trip(tmp_path: Path) -> None:
    ships = ships_by_count({0: 5, 2: 5})
    split = stratified_split(ships, 0.4, seed=0)
    train_csv, val_csv = write_split(tmp_path, ships, split)
    assert (train_csv.name, val_csv.name) == ("train.csv", "val.csv")
    train, val = read_split_file(train_csv), read_split_file(val_csv)
    assert Split(sorted(train), sorted(val)) == split
    assert all(train[i] == ships[i] for i in train)
    write_split(tmp_path, ships, Split(sorted(ships), []))
    assert read_split_file(tmp_path / "val.csv") == {}
