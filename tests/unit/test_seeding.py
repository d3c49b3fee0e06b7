"""An untouched image's annotation follows the model until the first edit; seeding is no undo step
(issue #11, point 6); where the viewer was is remembered in the folder's session (point 15)."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from shipviewer.airbus import rle
from shipviewer.session import ViewState, Workspace
from shipviewer.session.review import Status

SHAPE = (64, 64)


def ship(y0: int, y1: int, x0: int, x1: int) -> str:
    mask = np.zeros(SHAPE, bool)
    mask[y0:y1, x0:x1] = True
    return rle.encode(mask)


def make(root: Path) -> Workspace:
    root.mkdir()
    for name in ("a.png", "b.png"):
        assert cv2.imwrite(str(root / name), np.zeros((*SHAPE, 3), np.uint8))
    return Workspace.open(root)


def test_the_annotation_follows_the_model_until_the_first_edit(tmp_path: Path) -> None:
    with make(tmp_path / "f") as ws:
        doc = ws.document("a.png")  # open before the model's first answer, as in the viewer
        ws.set_prediction("a.png", [ship(5, 15, 5, 25), ship(30, 40, 30, 60)], model="m")
        assert doc.n_ships == 2 and not doc.can_undo  # seeding is not an undoable step
        assert doc.undo() is None and doc.n_ships == 2
        assert ws.status("a.png") == Status.UNREVIEWED and ws.record("a.png").annotated == "predicted"
        # A new threshold gives other ships: the untouched annotation follows.
        ws.set_prediction("a.png", [ship(5, 15, 5, 25)], model="m")
        assert doc.ships() == [ship(5, 15, 5, 25)] and not doc.can_undo
        # The first edit stops it; later predictions leave the user's work alone.
        doc.paint((50.0, 10.0), None, 3, doc.new_label())
        doc.end_stroke()
        ws.set_prediction("a.png", [], model="m")
        assert doc.n_ships == 2 and ws.record("a.png").annotated == "edited"
        assert doc.undo() is not None and doc.n_ships == 1  # the user's own step undoes
        # A closed document follows too, through the store.
        ws.set_prediction("b.png", [ship(1, 4, 1, 4)], model="m")
        ws.set_prediction("b.png", [ship(1, 9, 1, 9)], model="m")
        assert ws.annotation("b.png") == [ship(1, 9, 1, 9)]
        ws.accept("b.png")
        ws.set_prediction("b.png", [], model="m")
        assert ws.annotation("b.png") == [ship(1, 9, 1, 9)]  # signed off: kept


def test_a_prediction_arriving_mid_stroke_does_not_take_the_stroke(tmp_path: Path) -> None:
    with make(tmp_path / "f") as ws:
        doc = ws.document("a.png")
        doc.paint((10.0, 10.0), None, 5, doc.new_label())
        ws.set_prediction("a.png", [ship(40, 50, 40, 50)], model="m")
        doc.end_stroke()
        assert ws.record("a.png").annotated == "edited" and doc.n_ships == 1 and doc.can_undo


def test_the_view_state_is_kept_in_the_session(tmp_path: Path) -> None:
    with make(tmp_path / "f") as ws:
        assert ws.view_state() is None
        ws.save_view_state(ViewState("b.png", 21, "uncertainty", time.time()))
    with Workspace.open(tmp_path / "f") as ws:
        state = ws.view_state()
        assert state is not None and (state.image_id, state.brush_size, state.order) == (
            "b.png",
            21,
            "uncertainty",
        )
        ws.store.set_meta("viewer.state", "{not json")
        assert ws.view_state() is None  # a damaged entry is ignored
