"""The annotation of one image being edited: a label image, its undo history, and change events.

The Qt layer maps mouse and keys to these methods and repaints the boxes they return; the session
workspace listens to the change events and saves each committed step at once. Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shipviewer.edits import (
    accept,
    brush,
    fill,
    morphology,
    polygon,
    render,
    ships,
    split,
    watershed,
)
from shipviewer.edits._core import EditError, Point, check_labels, label_box, label_boxes
from shipviewer.edits.click_segment import (
    DEFAULT_OPTIONS,
    Click,
    PriorCache,
    Region,
    SegmentOptions,
    click_segment,
)
from shipviewer.edits.encoding import encode_in_box
from shipviewer.edits.undo import Atom, Box, History, UndoItem, coalesce

__all__ = ["AnnotationDoc", "DocChange"]


@dataclass(frozen=True)
class DocChange:
    """One committed step (``kind``: "edit", "undo" or "redo"): the rectangle that changed and the
    ships that gained or lost pixels."""

    kind: str
    item: UndoItem
    box: Box | None
    labels: frozenset[int]

    @property
    def name(self) -> str:
        return self.item.name

    def redraw_box(self, shape: Sequence[int]) -> Box | None:
        """The box to repaint with outlines on (one pixel wider than what changed)."""
        return None if self.box is None else self.box.grow(1, shape)


Listener = Callable[[DocChange], None]


class AnnotationDoc:
    """Ships of one image as an int32 label image (0 = background, ship k → k), edited in place.

    Labels are ship identities: the export writes ships in increasing label order; a deleted ship leaves
    a gap, a new ship or a split-off part takes one above the largest seen, a merge keeps the lowest.
    Every tool returns the changed box (segments) or a :class:`DocChange` (steps), and raises
    :class:`EditError` for a request it cannot carry out.
    """

    def __init__(self, labels: np.ndarray, *, history: History | None = None) -> None:
        self._labels = check_labels(labels)
        self.history = history if history is not None else History()
        self._boxes: dict[int, Box] = label_boxes(labels)
        self._suspect: set[int] = set()
        self._next = max(self._boxes, default=0) + 1
        self._stroke: list[Atom] | None = None
        self._stroke_name = ""
        self._listeners: list[Listener] = []

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def empty(cls, shape: Sequence[int], **kwargs: Any) -> AnnotationDoc:
        return cls(np.zeros((int(shape[0]), int(shape[1])), dtype=np.int32), **kwargs)

    @classmethod
    def from_ships(
        cls, ship_rles: Mapping[int, str] | Sequence[str], shape: Sequence[int], **kwargs: Any
    ) -> AnnotationDoc:
        """From label → RLE (labels kept) or a list of RLE strings (numbered 1, 2, ...)."""
        if isinstance(ship_rles, Mapping):
            labels = ships.labels_from_ships(dict(ship_rles), shape)
        else:
            labels = ships.labels_from_rles(list(ship_rles), shape)
        return cls(labels, **kwargs)

    # --- state ----------------------------------------------------------------------------------
    @property
    def labels(self) -> np.ndarray:
        """The label image; read it, but change it only through this document."""
        return self._labels

    @property
    def shape(self) -> tuple[int, int]:
        return self._labels.shape[0], self._labels.shape[1]

    def connect(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def disconnect(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def new_label(self) -> int:
        """The label a new ship gets (one above the largest seen in this document)."""
        return self._next

    def ship_labels(self) -> list[int]:
        """The labels of the ships present, in export order."""
        self._settle()
        return sorted(self._boxes)

    @property
    def n_ships(self) -> int:
        self._settle()
        return len(self._boxes)

    def ship_box(self, label: int) -> Box | None:
        """The tight box of ship ``label`` (None when absent)."""
        self._settle()
        return self._boxes.get(int(label))

    def label_at(self, point: Point) -> int:
        return ships.label_at(self._labels, point)

    def ship_rles(self, which: Iterable[int]) -> dict[int, str]:
        """RLE strings of the given ships, each encoded inside its own box; '' for a ship not present."""
        self._settle()
        out: dict[int, str] = {}
        for label in which:
            box = self._boxes.get(int(label))
            out[int(label)] = (
                "" if box is None else encode_in_box(self._labels[box.slices] == label, box, self.shape[0])
            )
        return out

    def ships(self) -> list[str]:
        """Every ship's RLE, in label order: what the export writes."""
        return list(self.ship_rles(self.ship_labels()).values())

    def render(self, box: Box | None = None, *, selected: int | None = None, **kwargs: Any) -> np.ndarray:
        """RGBA overlay of ``box`` (see :func:`shipviewer.edits.render.render_overlay`)."""
        return render.render_overlay(self._labels, box, selected=selected, **kwargs)

    # --- bookkeeping ----------------------------------------------------------------------------
    def _note(self, box: Box, touched: Iterable[int], highest: int) -> None:
        """Keep a superset box per ship after pixels of ``touched`` changed inside ``box``."""
        for label in touched:
            known = self._boxes.get(label)
            self._boxes[label] = box if known is None else known.union(box)
            self._suspect.add(label)
        self._next = max(self._next, highest + 1)

    def _note_atom(self, atom: Atom) -> None:
        self._note(atom.box, atom.touched_labels(), int(atom.new.max(initial=0)))

    def _settle(self) -> None:
        """Tighten the boxes of ships that changed, and forget the ones gone."""
        for label in self._suspect:
            tight = label_box(self._labels, label, self._boxes.get(label))
            if tight is None:
                self._boxes.pop(label, None)
            else:
                self._boxes[label] = tight
        self._suspect.clear()

    def _emit(self, kind: str, item: UndoItem) -> DocChange:
        change = DocChange(kind, item, item.box, frozenset(item.touched_labels()))
        for listener in list(self._listeners):
            listener(change)
        return change

    def _commit(self, name: str, atoms: Sequence[Atom]) -> DocChange | None:
        if not atoms:
            return None
        item = UndoItem(name, tuple(atoms))
        self.history.push(item)
        return self._emit("edit", item)

    # --- strokes: many segments, one undo step --------------------------------------------------
    @property
    def in_stroke(self) -> bool:
        return self._stroke is not None

    def begin_stroke(self, name: str = "brush") -> None:
        if self._stroke is not None:
            self.end_stroke()
        self._stroke, self._stroke_name = [], name

    def _segment(self, atom: Atom | None, name: str) -> Box | None:
        if self._stroke is None:
            self.begin_stroke(name)
        if atom is None:
            return None
        assert self._stroke is not None
        self._stroke.append(atom)
        self._note_atom(atom)
        return atom.box

    def paint(
        self, p0: Point, p1: Point | None, size: int, label: int, *, overwrite: bool = False
    ) -> Box | None:
        """One brush segment for ship ``label`` (``new_label()`` starts a ship); returns the changed box."""
        return self._segment(
            brush.paint_segment(self._labels, p0, p1, size, label, overwrite=overwrite), "brush"
        )

    def erase(self, p0: Point, p1: Point | None, size: int, *, label: int | None = None) -> Box | None:
        """One eraser segment (every ship, or ship ``label`` only); returns the changed box."""
        return self._segment(brush.erase_segment(self._labels, p0, p1, size, label=label), "eraser")

    def end_stroke(self) -> DocChange | None:
        """Close the stroke: its segments become one undo step, saved by the listeners."""
        atoms, self._stroke = self._stroke, None
        if not atoms:
            return None
        merged = coalesce(atoms, self._labels)
        return self._commit(self._stroke_name, [merged] if merged is not None else [])

    def cancel_stroke(self) -> Box | None:
        """Undo the segments of the stroke in progress (Escape during a drag); returns the box to repaint."""
        atoms, self._stroke = self._stroke, None
        if not atoms:
            return None
        for atom in reversed(atoms):
            atom.undo(self._labels)
            self._note(atom.box, atom.touched_labels(), 0)
        return UndoItem("cancel", tuple(atoms)).box

    # --- one-step tools -------------------------------------------------------------------------
    def apply(
        self, name: str, tool: Callable[..., Atom | None], *args: Any, **kwargs: Any
    ) -> DocChange | None:
        """Run ``tool(labels, *args, **kwargs)`` as one undo step."""
        if self._stroke is not None:
            self.end_stroke()
        atom = tool(self._labels, *args, **kwargs)
        if atom is None:
            return None
        self._note_atom(atom)
        return self._commit(name, [atom])

    def polygon_add(
        self, points: Sequence[Point], label: int | None = None, *, overwrite: bool = False
    ) -> DocChange | None:
        """Add the polygon to ship ``label`` (a new ship when None)."""
        label = self._next if label is None else label
        return self.apply("polygon add", polygon.polygon_add, points, label, overwrite=overwrite)

    def polygon_cut(self, points: Sequence[Point], label: int | None = None) -> DocChange | None:
        return self.apply("polygon cut", polygon.polygon_cut, points, label=label)

    def bucket_fill(self, point: Point, label: int | None = None) -> DocChange | None:
        """Fill the closed outline around ``point`` with ship ``label`` (a new ship when None)."""
        label = self._next if label is None else label
        return self.apply("fill", fill.bucket_fill, point, label)

    def delete_ship(self, label: int) -> DocChange | None:
        self._settle()
        return self.apply("delete ship", ships.delete_ship, label, hint=self._boxes.get(int(label)))

    def delete_at(self, point: Point) -> DocChange | None:
        """Delete the ship under ``point`` (a click with the delete tool); None on background."""
        label = self.label_at(point)
        return self.delete_ship(label) if label else None

    def split(self, points: Sequence[Point], label: int | None = None, *, width: int = 1) -> DocChange | None:
        """Split ship ``label`` (the ship most of the line crosses when None) along the line."""
        if label is None:
            label = split.ship_under_line(self._labels, points)
            if not label:
                raise EditError("the line crosses no ship")
        return self.apply("split", split.split_ship, label, points, new_label=self._next, width=width)

    def watershed_split(
        self,
        label: int | None = None,
        *,
        seeds: Sequence[Point] | None = None,
        image: np.ndarray | None = None,
        probability: np.ndarray | None = None,
    ) -> DocChange | None:
        """Split ship ``label`` (the ship under the first seed when None) into one ship per seed, or per
        seed found from the distance transform and the probability map when ``seeds`` is None."""
        if label is None:
            label = self.label_at(seeds[0]) if seeds else 0
            if not label:
                raise EditError("click inside the ships to split")
        return self.apply(
            "watershed split",
            watershed.watershed_split,
            label,
            seeds=seeds,
            image=image,
            probability=probability,
            new_label=self._next,
        )

    def take_ship(self, source: np.ndarray, point: Point, label: int | None = None) -> DocChange | None:
        """Add the ship of ``source`` (the prediction's label image) at ``point`` as a new ship."""
        label = self._next if label is None else label
        return self.apply("take ship", accept.take_ship, source, point, label)

    def merge(self, which: Iterable[int]) -> DocChange | None:
        return self.apply("merge", ships.merge_ships, list(which))

    def grow(self, pixels: int, label: int | None = None, *, overwrite: bool = False) -> DocChange | None:
        return self.apply("grow", morphology.grow, pixels, label, overwrite=overwrite)

    def shrink(self, pixels: int, label: int | None = None) -> DocChange | None:
        return self.apply("shrink", morphology.shrink, pixels, label)

    def fill_holes(self, label: int | None = None) -> DocChange | None:
        return self.apply("fill holes", fill.fill_holes, label)

    def remove_small(self, min_size: int) -> DocChange | None:
        return self.apply("remove small", ships.remove_small, min_size)

    def set_ships(self, rles: Sequence[str], name: str = "accept prediction") -> DocChange | None:
        """Replace every ship by ``rles`` (accept the model's prediction), numbered 1, 2, ... in order."""
        return self.apply(name, ships.set_ships, list(rles), first_label=1)

    def add_ships(self, rles: Sequence[str], name: str = "add ships") -> DocChange | None:
        """Add ships from ``rles`` into the background, as new ships."""
        return self.apply(name, ships.add_ships, list(rles), first_label=self._next)

    def clear(self) -> DocChange | None:
        return self.apply("clear", ships.clear)

    def click_segment(
        self,
        image: np.ndarray,
        clicks: Sequence[Click],
        label: int | None = None,
        *,
        probability: np.ndarray | None = None,
        box: Box | None = None,
        base: Region | None = None,
        options: SegmentOptions = DEFAULT_OPTIONS,
        cache: PriorCache | None = None,
        force: bool = False,
        local: bool = False,
    ) -> DocChange | None:
        """Make ship ``label`` (a new ship when None) what the clicks so far describe: one undo step
        (``local``: only where the last click is; see :func:`.click_segment.click_segment`)."""
        label = self._next if label is None else label
        return self.apply(
            "click",
            click_segment,
            label,
            image,
            clicks,
            probability=probability,
            box=box,
            base=base,
            options=options,
            cache=cache,
            force=force,
            local=local,
        )

    # --- history --------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    def _replay(self, kind: str, item: UndoItem | None) -> DocChange | None:
        if item is None:
            return None
        for atom in item.atoms:
            self._note(atom.box, atom.touched_labels(), 0)
        return self._emit(kind, item)

    def undo(self) -> DocChange | None:
        if self._stroke is not None:
            self.end_stroke()
        return self._replay("undo", self.history.undo(self._labels))

    def redo(self) -> DocChange | None:
        if self._stroke is not None:
            self.end_stroke()
        return self._replay("redo", self.history.redo(self._labels))
