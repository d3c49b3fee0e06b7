from __future__ import annotations

import threading

from shipviewer.viewer.view_options import ViewOptions
from shipviewer.viewer.work_queue import WorkQueue


def test_priority_then_fifo_and_dedup() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.put("a", "a", 2)
    q.put("b", "b", 1)
    q.put("c", "c", 2)
    q.put("a", "a-again", 3)  # a worse priority does not move it
    assert len(q) == 3
    q.put("c", "c-now", 0)  # a better one does
    assert [q.get(0), q.get(0), q.get(0)] == ["c-now", "b", "a"]
    assert q.get(timeout=0.01) is None


def test_discard_group_keeps_raised_jobs() -> None:
    q: WorkQueue[str] = WorkQueue()
    for name in "xyz":
        q.put(name, name, 2, "all")
    q.put("y", "y", 0)  # the user looks at y: no longer part of the batch
    assert q.count("all") == 2
    assert q.discard_group("all") == 2
    assert q.get(0) == "y" and q.get(timeout=0.01) is None


def test_close_wakes_waiters() -> None:
    q: WorkQueue[str] = WorkQueue()
    got: list[object] = []
    worker = threading.Thread(target=lambda: got.append(q.get()))
    worker.start()
    q.close()
    worker.join(2)
    assert got == [None] and not worker.is_alive()
    q.put("late", "late", 0)
    assert len(q) == 0


def test_view_options_coerce_and_announce_once() -> None:
    options = ViewOptions()
    seen: list[tuple] = []
    options.changed.connect(lambda name, value: seen.append((name, value)))
    options.threshold = 1.7
    options.threshold = 1.0
    options.min_size = -3
    options.outline_only = "true"
    assert seen == [("threshold", 1.0), ("min_size", 0), ("outline_only", True)]
    assert options.as_dict()["opacity"] == 0.4
    try:
        options.colour = "red"
    except AttributeError as exc:
        assert "colour" in str(exc)
    else:
        raise AssertionError("unknown option accepted")
