"""The clicks on the one ship being made (or refined) with click-to-segment, kept in step with undo.

Each click reruns :meth:`AnnotationDoc.click_segment` with every click so far and is one undo step;
undoing that step takes its click back off the list (and redo puts it on again), so the next click
reruns with exactly the clicks whose result is on screen. A session ends when the ship is finished
(Enter, another tool, another image); its steps stay in the history like any other.

A click on the spot where the previous one found nothing insists (``force`` in
:func:`~shipviewer.edits.click_segment.click_segment`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from shipviewer.edits._core import EditError
from shipviewer.edits.click_segment import (
    DEFAULT_OPTIONS,
    Click,
    PriorCache,
    Region,
    SegmentOptions,
    fit_click,
)
from shipviewer.edits.click_types import inside
from shipviewer.edits.document import AnnotationDoc, DocChange
from shipviewer.edits.undo import Box, UndoItem

__all__ = ["REPEAT_DISTANCE", "ClickSession"]

REPEAT_DISTANCE = 2.0  # pixels: a click this close to one that found nothing insists


@dataclass(frozen=True)
class _Step:
    item: UndoItem
    before: tuple[tuple[Click, ...], Box | None]
    after: tuple[tuple[Click, ...], Box | None]


class ClickSession:
    """Clicks (and an optional box) on ship ``label`` of ``doc``; ``base`` is the ship as it was when
    the session began (None for a new ship). ``on_undo`` is called after undo or redo moved the clicks."""

    def __init__(
        self,
        doc: AnnotationDoc,
        label: int | None = None,
        *,
        base: Region | None = None,
        on_undo: Callable[[], None] | None = None,
    ) -> None:
        self.doc = doc
        self.on_undo = on_undo
        self.label = doc.new_label() if label is None else int(label)
        self.base = base
        self.clicks: tuple[Click, ...] = ()
        self.box: Box | None = None
        self._done: list[_Step] = []
        self._undone: list[_Step] = []
        self._following = True
        self._refused: Click | None = None  # the last click that found nothing
        self._priors: PriorCache = {}  # each click's prior, found once (the image and map stay the same)
        doc.connect(self._on_change)

    @classmethod
    def on_ship(
        cls, doc: AnnotationDoc, label: int, *, on_undo: Callable[[], None] | None = None
    ) -> ClickSession:
        """A session that refines ship ``label`` as it is now (its pixels count as "probably ship")."""
        box = doc.ship_box(label)
        base = None if box is None else (box, doc.labels[box.slices] == label)
        return cls(doc, label, base=base, on_undo=on_undo)

    def close(self) -> None:
        """Stop following the document (the ship is finished); idempotent."""
        if self._following:
            self._following = False
            self.doc.disconnect(self._on_change)

    @property
    def empty(self) -> bool:
        return not self.clicks and self.box is None

    def ship_box(self) -> Box | None:
        return self.doc.ship_box(self.label)

    def add(
        self,
        image: np.ndarray,
        click: Click | None = None,
        *,
        box: Box | None = None,
        probability: np.ndarray | None = None,
        options: SegmentOptions = DEFAULT_OPTIONS,
    ) -> DocChange | None:
        """Add a click (or set the box) and rerun the segmentation: one undo step when the ship changed
        (a click that changes nothing, or lies outside the image, is not kept).

        Raises :class:`~shipviewer.edits.EditError` (the click is then not kept) when nothing can be
        found there.
        """
        if click is not None:
            if not inside(click, self.doc.shape):
                return None  # the segmentation would ignore it: no marker, no undo step
            click = fit_click(self.doc.labels, self.label, click, options)
        clicks = self.clicks + ((click,) if click is not None else ())
        new_box = box if box is not None else self.box
        if clicks == self.clicks and new_box == self.box:
            return None
        before = (self.clicks, self.box)
        # A click on the spot where the last one found nothing insists: take what GrabCut finds there.
        refused = self._refused
        force = (
            click is not None
            and refused is not None
            and max(abs(click.x - refused.x), abs(click.y - refused.y)) <= REPEAT_DISTANCE
        )
        try:
            change = self.doc.click_segment(
                image,
                clicks,
                self.label,
                probability=probability,
                box=new_box,
                base=self.base,
                options=options,
                cache=self._priors,
                force=force,
                local=click is not None and box is None and self.ship_box() is not None,
            )
        except EditError:
            self._refused = click
            raise
        self._refused = None
        if change is None:
            # Nothing changed (a "ship here" on the ship): no undo step, so the click is not kept either,
            # or undo would take it back together with the click before it.
            return None
        self.clicks, self.box = clicks, new_box
        self._done.append(_Step(change.item, before, (clicks, new_box)))
        self._undone.clear()
        return change

    def _on_change(self, change: DocChange) -> None:
        if change.kind == "undo" and self._done and change.item is self._done[-1].item:
            step = self._done.pop()
            self._undone.append(step)
            self.clicks, self.box = step.before
        elif change.kind == "redo" and self._undone and change.item is self._undone[-1].item:
            step = self._undone.pop()
            self._done.append(step)
            self.clicks, self.box = step.after
        else:
            return
        if self.on_undo is not None:
            self.on_undo()
