"""Undo and redo: atoms, items, capped histories, and the document's history under random edits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from shipviewer.airbus import rle
from shipviewer.edits import AnnotationDoc, Click, EditError
from shipviewer.edits.undo import Atom, Box, History, UndoItem, coalesce


def test_atom_from_regions_is_tight_and_small() -> None:
    old = np.zeros((50, 60), np.int32)
    new = old.copy()
    new[10:12, 20:25] = 3
    atom = Atom.from_regions(Box(100, 150, 200, 260), old, new)
    assert atom is not None
    assert atom.box == Box(110, 112, 220, 225)
    assert atom.n_pixels == 10 and atom.index.dtype == np.uint16
    assert atom.touched_labels() == {3}
    assert Atom.from_regions(Box(0, 50, 0, 60), old, old.copy()) is None


def test_coalesce_equals_the_sequence() -> None:
    labels = np.zeros((40, 40), np.int32)
    start = labels.copy()
    doc = AnnotationDoc(labels)
    doc.begin_stroke()
    for x in range(5, 30, 3):
        doc.paint((x, 10), (x + 3, 12), 5, 1)
    doc.erase((15, 10), None, 3)
    assert doc._stroke is not None
    atoms = list(doc._stroke)
    merged = coalesce(atoms, labels)
    assert merged is not None and merged.n_pixels < sum(a.n_pixels for a in atoms)
    work = labels.copy()
    merged.undo(work)
    assert np.array_equal(work, start)
    doc.end_stroke()


def _item(pixels: int) -> UndoItem:
    old = np.zeros((1, pixels), np.int32)
    atom = Atom.from_regions(Box(0, 1, 0, pixels), old, old + 1)
    assert atom is not None
    return UndoItem("test", (atom,))


def test_history_caps_by_steps_and_bytes() -> None:
    history = History(max_steps=200, max_bytes=1 << 40)
    labels = np.zeros((1, 10), np.int32)
    for _ in range(250):
        history.push(_item(10))
    assert history.n_undo == 200
    small = History(max_steps=1000, max_bytes=10_000)
    for _ in range(50):
        small.push(_item(100))  # ~1 KB each
    assert small.nbytes <= 10_000 and 1 <= small.n_undo < 50
    huge = History(max_steps=10, max_bytes=100)
    huge.push(_item(1000))
    assert huge.n_undo == 1  # the latest step is always kept
    assert huge.undo(labels[:, :10].repeat(100, axis=1)) is not None


def test_history_redo_cleared_by_a_new_step() -> None:
    history = History()
    labels = np.zeros((1, 4), np.int32)
    item = _item(4)
    item.redo(labels)
    history.push(item)
    assert history.undo(labels) is item and not labels.any()
    assert history.can_redo and history.redo(labels) is item and labels.all()
    history.undo(labels)
    history.push(_item(4))
    assert not history.can_redo and history.redo(labels) is None
    with pytest.raises(ValueError):
        History(max_steps=0)


def test_at_least_200_strokes_undo_on_a_big_image_with_little_memory() -> None:
    doc = AnnotationDoc.empty((4096, 4096))
    label = doc.new_label()
    for i in range(210):
        doc.begin_stroke()
        x, y = 100 + (i % 30) * 120, 100 + (i // 30) * 500
        for step in range(10):
            doc.paint((x + step * 5, y), (x + step * 5 + 5, y + 2), 9, label)
        doc.end_stroke()
    painted = int((doc.labels != 0).sum())
    assert doc.history.n_undo == 210
    # Memory follows what was painted (12 bytes per changed pixel plus a little per step), not 64 MB frames.
    assert doc.history.nbytes < 14 * painted + 200 * 210
    for _ in range(210):
        assert doc.undo() is not None
    assert not doc.labels.any() and doc.undo() is None


def test_undo_item_per_stroke_and_events() -> None:
    doc = AnnotationDoc.empty((64, 64))
    seen = []
    doc.connect(seen.append)
    doc.begin_stroke()
    box = doc.paint((10, 10), (20, 10), 5, doc.new_label())
    assert box is not None and not seen  # segments are not committed steps
    change = doc.end_stroke()
    assert change is not None and seen == [change] and change.kind == "edit" and change.labels == {1}
    assert change.redraw_box((64, 64)) == change.box.grow(1, (64, 64))
    assert doc.history.n_undo == 1 and doc.new_label() == 2
    doc.undo()
    assert seen[-1].kind == "undo" and not doc.labels.any() and doc.n_ships == 0
    doc.redo()
    assert seen[-1].kind == "redo" and doc.ship_labels() == [1]


def test_cancel_stroke_reverts_the_segments() -> None:
    doc = AnnotationDoc.empty((64, 64))
    doc.paint((10, 10), (30, 30), 7, 1)
    assert doc.in_stroke and doc.labels.any()
    box = doc.cancel_stroke()
    assert box is not None and not doc.labels.any() and not doc.can_undo and doc.n_ships == 0


# --- a random walk of edits, undos and redos against a model of snapshots --------------------------
SIZE = 40
coords = st.integers(-4, SIZE + 3)
points = st.tuples(coords, coords)


def _scene() -> tuple[np.ndarray, np.ndarray]:
    """A small sea with two bright hulls, and a model-like map of them (for the click tools)."""
    image = np.full((SIZE, SIZE, 3), 30, np.uint8)
    image[5:12, 4:30] = 220
    image[20:34, 18:26] = 180
    probability = (image.mean(axis=2) > 100).astype(np.uint8) * 230
    return image, probability


SCENE, SCENE_MAP = _scene()


class DocumentMachine(RuleBasedStateMachine):
    """After any sequence, the labels equal the snapshot the model says; ships never overlap (by
    construction) and the document's ship list and RLEs agree with a full-frame recount."""

    def __init__(self) -> None:
        super().__init__()
        self.doc = AnnotationDoc.empty((SIZE, SIZE))
        self.past: list[np.ndarray] = [self.doc.labels.copy()]
        self.future: list[np.ndarray] = []

    def _committed(self, change: object) -> None:
        if change is not None:
            self.past.append(self.doc.labels.copy())
            self.future.clear()

    @rule(a=points, b=points, size=st.integers(1, 9), new=st.booleans(), overwrite=st.booleans())
    def paint(self, a: tuple[int, int], b: tuple[int, int], size: int, new: bool, overwrite: bool) -> None:
        labels = self.doc.ship_labels()
        label = self.doc.new_label() if new or not labels else labels[0]
        self.doc.paint(a, b, size, label, overwrite=overwrite)
        self.doc.paint(b, a, size, label, overwrite=overwrite)
        self._committed(self.doc.end_stroke())

    @rule(a=points, b=points, size=st.integers(1, 9))
    def erase(self, a: tuple[int, int], b: tuple[int, int], size: int) -> None:
        self.doc.erase(a, b, size)
        self._committed(self.doc.end_stroke())

    @rule(poly=st.lists(points, min_size=3, max_size=5), cut=st.booleans())
    def polygon(self, poly: list[tuple[int, int]], cut: bool) -> None:
        before = self.doc.labels.copy()
        try:
            change = self.doc.polygon_cut(poly) if cut else self.doc.polygon_add(poly)
        except EditError:  # a degenerate outline (a line, a point) is refused and changes nothing
            np.testing.assert_array_equal(self.doc.labels, before)
            return
        self._committed(change)

    @precondition(lambda self: self.doc.n_ships > 0)
    @rule(data=st.data())
    def whole_ship_tool(self, data: st.DataObject) -> None:
        labels = self.doc.ship_labels()
        label = data.draw(st.sampled_from(labels))
        tool = data.draw(st.sampled_from(["delete", "grow", "shrink", "fill", "split", "merge", "small"]))
        try:
            if tool == "delete":
                change = self.doc.delete_ship(label)
            elif tool == "grow":
                change = self.doc.grow(
                    data.draw(st.integers(1, 3)), data.draw(st.sampled_from([label, None]))
                )
            elif tool == "shrink":
                change = self.doc.shrink(
                    data.draw(st.integers(1, 3)), data.draw(st.sampled_from([label, None]))
                )
            elif tool == "fill":
                change = self.doc.fill_holes(data.draw(st.sampled_from([label, None])))
            elif tool == "split":
                change = self.doc.split([data.draw(points), data.draw(points)], label)
            elif tool == "merge":
                change = self.doc.merge(labels[:2]) if len(labels) > 1 else None
            else:
                change = self.doc.remove_small(data.draw(st.integers(1, 30)))
        except EditError:
            change = None
        self._committed(change)

    @rule(
        clicks=st.lists(st.tuples(coords, coords, st.booleans()), min_size=1, max_size=3),
        model=st.booleans(),
        on_ship=st.booleans(),
    )
    def click_segment(self, clicks: list[tuple[int, int, bool]], model: bool, on_ship: bool) -> None:
        """Click-to-segment of a new ship (or of the first ship): never another ship's pixels."""
        labels = self.doc.ship_labels()
        label = labels[0] if on_ship and labels else self.doc.new_label()
        before = self.doc.labels.copy()
        try:
            change = self.doc.click_segment(
                SCENE,
                [Click(x, y, positive) for x, y, positive in clicks],
                label,
                probability=SCENE_MAP if model else None,
            )
        except EditError:
            change = None
        others = (before != 0) & (before != label)
        assert (self.doc.labels[others] == before[others]).all()
        self._committed(change)

    @precondition(lambda self: self.doc.n_ships > 0)
    @rule(data=st.data())
    def watershed(self, data: st.DataObject) -> None:
        label = data.draw(st.sampled_from(self.doc.ship_labels()))
        seeds = data.draw(st.one_of(st.none(), st.lists(points, min_size=2, max_size=3)))
        before = self.doc.labels.copy()
        try:
            change = self.doc.watershed_split(
                label, seeds=seeds, image=data.draw(st.sampled_from([None, SCENE]))
            )
        except EditError:
            change = None
        assert ((self.doc.labels != 0) == (before != 0)).all()  # no pixel lost or gained
        self._committed(change)

    @rule(point=points)
    def take_ship(self, point: tuple[int, int]) -> None:
        predicted = (SCENE_MAP > 0).astype(np.int32)
        predicted[20:34, 18:26] *= 2
        self._committed(self.doc.take_ship(np.ascontiguousarray(predicted), point))

    @rule(rles=st.lists(st.sampled_from(["1 5 45 5", "200 30", "81 3 121 3 161 3", ""]), max_size=3))
    def accept_prediction(self, rles: list[str]) -> None:
        self._committed(self.doc.set_ships(rles))

    @rule()
    def clear(self) -> None:
        self._committed(self.doc.clear())

    @rule()
    def undo(self) -> None:
        change = self.doc.undo()
        assert (change is None) == (len(self.past) == 1)
        if change is not None:
            self.future.append(self.past.pop())

    @rule()
    def redo(self) -> None:
        change = self.doc.redo()
        assert (change is None) == (not self.future)
        if change is not None:
            self.past.append(self.future.pop())

    @invariant()
    def matches_the_model(self) -> None:
        assert np.array_equal(self.doc.labels, self.past[-1])

    @invariant()
    def ships_agree_with_a_recount(self) -> None:
        labels = self.doc.labels
        present = sorted(int(v) for v in np.unique(labels) if v)
        assert self.doc.ship_labels() == present
        assert self.doc.ships() == rle.ships_from_labels(labels)
        assert self.doc.new_label() > max(present, default=0)


DocumentMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestDocumentMachine = DocumentMachine.TestCase
