"""Shared fixtures: the real Airbus samples in ../shared, and Qt kept offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "airbus-real"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """../shared/airbus-real (images/, unlabelled/, labels.csv); skips where it is absent."""
    if not (SHARED_REAL / "labels.csv").exists():
        pytest.skip(f"real Airbus samples not found at {SHARED_REAL}")
    return SHARED_REAL


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Session stores of read-only folders go to a per-test data dir, never the user's."""
    monkeypatch.setenv("SHIPVIEWER_DATA_DIR", str(tmp_path_factory.mktemp("shipviewer-data")))
