"""Several folders' sessions at once (issue #11, point 4), without Qt."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from shipviewer.airbus import rle
from shipviewer.session import Workspace
from shipviewer.session.group import Root, SessionGroup, session_roots


def make(root: Path, names: list[str]) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        assert cv2.imwrite(str(root / name), np.zeros((32, 32, 3), np.uint8))
    return root


def test_roots_for_folders_loose_images_and_missing_paths(tmp_path: Path) -> None:
    a = make(tmp_path / "A", ["a1.png", "sub/a2.png"])
    b = make(tmp_path / "B", ["b1.png", "b2.png"])
    roots = session_roots([a, a / "sub", b / "b1.png", tmp_path / "missing", b / "b2.png"])
    assert roots == [Root(str(a)), Root(str(b), ("b1.png", "b2.png"))]
    # A loose image keeps the session around it when its folder was opened before.
    Workspace.open(a).close()
    assert session_roots([a / "sub" / "a2.png"]) == [Root(str(a), ("sub/a2.png",))]
    assert session_roots([a / "sub"]) == [Root(str(a), ("sub",))]


def test_a_scoped_session_marks_nothing_else_missing(tmp_path: Path) -> None:
    a = make(tmp_path / "A", ["a1.png", "sub/a2.png"])
    with Workspace.open(a) as ws:
        doc = ws.document("sub/a2.png")
        doc.paint((5.0, 5.0), None, 3, 1)
        doc.end_stroke()
    with Workspace.open(a, scope=["a1.png"]) as ws:
        assert ws.image_ids() == ["a1.png", "sub/a2.png"]
        assert ws.record("sub/a2.png").annotated == "edited"


def test_the_group_locates_counts_and_walks_the_queue_across_folders(tmp_path: Path) -> None:
    a = make(tmp_path / "A", ["a1.png", "a2.png"])
    b = make(tmp_path / "B", ["b1.png", "b2.png", "b3.png"])
    group = SessionGroup()
    for root in session_roots([a, b / "b1.png", b / "b3.png"]):
        group.add(root, Workspace.open(root.folder, scope=root.scope))
    try:
        found = group.locate(b / "b3.png")
        assert found is not None and found.workspace.folder == b and found.image_id == "b3.png"
        assert group.locate(b / "b2.png") is None  # not opened
        assert str(group.progress()) == "0 of 4 reviewed"
        order = [(item.workspace.folder.name, item.image_id) for item in group.queue("path")]
        assert order == [("A", "a1.png"), ("A", "a2.png"), ("B", "b1.png"), ("B", "b3.png")]
        ws_a, ws_b = group.workspaces
        ws_a.set_prediction("a2.png", [], model="m", uncertainty=0.1)
        ws_b.set_prediction("b3.png", [], model="m", uncertainty=0.4)
        assert [item.image_id for item in group.queue("uncertainty")] == [
            "b3.png",
            "a2.png",
            "a1.png",
            "b1.png",
        ]
        ws_a.accept("a1.png", order=None)
        ws_a.confirm_empty("a2.png", order=None)
        following = group.next_unreviewed(group.locate(a / "a2.png"))
        assert following is not None and following.image_id == "b1.png"
        assert str(group.progress()) == "2 of 4 reviewed"
        source = tmp_path / "truth.csv"
        mask = np.zeros((32, 32), bool)
        mask[2:5, 2:9] = True
        source.write_text(f"ImageId,EncodedPixels\na1.png,{rle.encode(mask)}\nb1.png,99999 3\nzz.png,\n")
        report = group.import_csv(source, layer="truth")
        assert [p.line for p in report.problems] == [3] and report.not_in_folder == ["zz.png"]
        assert ws_a.truth("a1.png") == [rle.encode(mask)]
    finally:
        group.close()


def test_an_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown review order"):
        SessionGroup().queue("size")
