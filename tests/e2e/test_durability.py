"""Never lose work: a real process is killed with SIGKILL right after a commit; the store still has it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.edits import AnnotationDoc
from shipviewer.session import Workspace
from shipviewer.session.review import Status

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

SHAPE = (256, 320)
CHILD = textwrap.dedent(
    """
    import sys, time
    from shipviewer.session import Workspace

    folder, n_strokes, then = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ws = Workspace.open(folder)
    doc = ws.document("a.jpg")
    for i in range(n_strokes):
        x, y = 8 + (i * 23) % 290, 8 + (i * 23) // 290 * 12
        doc.paint((x, y), (x + 6, y + 3), 5, doc.new_label())
        doc.paint((x + 6, y + 3), (x + 12, y), 5, doc.new_label() - 1)
        doc.end_stroke()
        print(f"committed {i}", flush=True)
    if then == "status":
        ws.set_status("a.jpg", "accepted")
        print("committed status", flush=True)
    elif then == "half-stroke":
        doc.paint((150, 200), (250, 200), 15, doc.new_label())
        print("painting", flush=True)
    time.sleep(60)
    """
)


def expected_after(n_strokes: int) -> np.ndarray:
    doc = AnnotationDoc.empty(SHAPE)
    for i in range(n_strokes):
        x, y = 8 + (i * 23) % 290, 8 + (i * 23) // 290 * 12
        doc.paint((x, y), (x + 6, y + 3), 5, doc.new_label())
        doc.paint((x + 6, y + 3), (x + 12, y), 5, doc.new_label() - 1)
        doc.end_stroke()
    return doc.labels


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    cv2.imwrite(str(tmp_path / "a.jpg"), np.full((*SHAPE, 3), 90, np.uint8))
    return tmp_path


def run_and_kill(folder: Path, n_strokes: int, then: str, kill_after: str) -> None:
    """Start the child, SIGKILL it the moment it prints ``kill_after``."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(n_strokes), then],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == kill_after:
                os.kill(child.pid, signal.SIGKILL)
                break
        else:
            pytest.fail(f"the child ended without printing {kill_after!r}: {child.stderr.read()}")
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_sigkill_right_after_a_stroke_loses_nothing(folder: Path) -> None:
    run_and_kill(folder, 3, "sleep", "committed 2")
    with Workspace.open(folder) as ws:
        assert np.array_equal(ws.document("a.jpg").labels, expected_after(3))
        assert ws.status("a.jpg") == Status.EDITED


def test_sigkill_right_after_a_status_change_loses_nothing(folder: Path) -> None:
    run_and_kill(folder, 1, "status", "committed status")
    with Workspace.open(folder) as ws:
        assert ws.status("a.jpg") == Status.ACCEPTED
        assert ws.document("a.jpg").n_ships == 1


def test_sigkill_during_a_stroke_keeps_every_committed_one(folder: Path) -> None:
    run_and_kill(folder, 2, "half-stroke", "painting")
    with Workspace.open(folder) as ws:
        assert np.array_equal(ws.document("a.jpg").labels, expected_after(2))


def test_sigkill_while_committing_fast_leaves_a_whole_stroke_boundary(folder: Path) -> None:
    # The child commits as fast as it can; it is killed mid-flight, after at least 40 strokes.
    run_and_kill(folder, 400, "sleep", "committed 39")
    with Workspace.open(folder) as ws:
        labels = ws.document("a.jpg").labels
        n = len(ws.store.ships("a.jpg"))
        assert n >= 40
        assert np.array_equal(labels, expected_after(n))  # exactly n whole strokes, none torn
