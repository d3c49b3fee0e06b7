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


def _tree_state() -> str | None:
    """``git status --porcelain`` of the checkout (None outside one): what the suite must leave as it was."""
    import subprocess

    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_TREE] = _tree_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test wrote into the working tree (outputs belong under a temporary folder)."""
    before = session.config.stash.get(_TREE, None)
    after = _tree_state()
    if before is None or after is None or before == after or hasattr(session.config, "workerinput"):
        return
    new = sorted(set(after.splitlines()) - set(before.splitlines()))
    if not new:
        return
    print("\nthe test suite changed the working tree (write under tmp_path instead):", *new, sep="\n  ")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


_TREE = pytest.StashKey[str | None]()
