"""The click tools' state in the viewer: click-to-segment, taking one predicted ship, watershed seeds.

:class:`ClickTools` turns clicks on the canvas into calls of the Qt-free core
(:class:`~shipviewer.edits.click_session.ClickSession`, :meth:`AnnotationDoc.take_ship`,
:meth:`AnnotationDoc.watershed_split`) on the document of the :class:`~shipviewer._qt.editing.EditController`,
with the image on screen and its cached probability map, and keeps the markers the canvas shows.

Click-to-segment: a click on open sea starts a new ship, a click on an annotated ship refines that ship;
later clicks refine the ship being made (Shift+click or the right button: "not this"). A click on open sea
far from it, a click on another ship, Enter, Escape, another tool or another image finishes it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from shipviewer._qt.editing import USER_ERRORS, EditController, Point
from shipviewer.edits import Box, Click, EditError, ship_near
from shipviewer.edits.click_segment import DEFAULT_OPTIONS, SegmentOptions
from shipviewer.edits.click_session import ClickSession
from shipviewer.edits.document import DocChange
from shipviewer.viewer.current_image import PREDICTION

# A positive click on open sea this far beyond the ship being made starts a new ship (pixels, at least).
NEW_SHIP_DISTANCE = 48


class ClickTools(QObject):
    markers_changed = Signal()  # the clicks, seeds or box to show changed

    def __init__(self, edit: EditController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.edit = edit
        self.options: SegmentOptions = DEFAULT_OPTIONS
        self.session: ClickSession | None = None
        self.seeds: list[Point] = []
        edit.viewer.current_changed.connect(lambda _index: self.finish())
        edit.state_changed.connect(self._check_document)

    # --- what the canvas shows -----------------------------------------------------------------------------
    def markers(self) -> list[tuple[float, float, str]]:
        shown: list[tuple[float, float, str]] = [(x, y, "seed") for x, y in self.seeds]
        if self.session is not None:
            shown += [(c.x, c.y, "positive" if c.positive else "negative") for c in self.session.clicks]
        return shown

    def box(self) -> tuple[float, float, float, float] | None:
        if self.session is None or self.session.box is None:
            return None
        b = self.session.box
        return float(b.x0), float(b.y0), float(b.x1 - 1), float(b.y1 - 1)

    # --- the image and its map -----------------------------------------------------------------------------
    def _inputs(self) -> tuple[np.ndarray, np.ndarray | None] | None:
        current = self.edit.viewer.current
        doc = self.edit.doc
        if doc is None or current.rgb is None or current.rgb.shape[:2] != doc.shape:
            self.edit.message.emit("Click to segment: no image to edit (open a folder)")
            return None
        levels = self.edit.viewer.full_levels()
        if levels is not None and levels.shape != doc.shape:
            levels = None
        return current.rgb, levels

    def _check_document(self) -> None:
        """The document changed under the session (another image, the folder closed): finish it."""
        if self.session is not None and self.session.doc is not self.edit.doc:
            self.finish()

    # --- click-to-segment ----------------------------------------------------------------------------------
    def click(self, point: Point, *, positive: bool = True) -> None:
        """A click with the click-to-segment tool at image point ``point``."""
        doc = self.edit.doc
        inputs = self._inputs()
        if doc is None or inputs is None:
            return
        image, levels = inputs
        under = doc.label_at(point)
        session = self.session
        if session is not None and (
            (under and under != session.label) or (positive and not under and self._far_from(session, point))
        ):
            self.finish()
            session = None
        if session is None and not under and positive:
            under = ship_near(doc.labels, point, reach=2)  # a click just outside a ship corrects it
        if session is None:
            if under:
                session = ClickSession.on_ship(doc, under, on_undo=self.markers_changed.emit)
            elif positive:
                session = ClickSession(doc, on_undo=self.markers_changed.emit)
            else:
                self.edit.message.emit(
                    "Click to segment: a negative click (Shift+click, right button) takes a part off a ship; "
                    "click on a ship first"
                )
                return
            self.session = session
        label = session.label
        done, change = self._add(session, image, levels, click=Click(point[0], point[1], positive))
        if not done:
            return
        source = "model and image" if levels is not None and levels.any() else "image only, no model map"
        if change is None:
            self.edit.message.emit(f"Click to segment: ship {label} unchanged")
        else:
            n = len(session.clicks)
            self.edit.message.emit(
                f"Click to segment: ship {label}, {n} click{'s' if n > 1 else ''} ({source}); "
                "Enter finishes the ship, Ctrl+Z takes the click back"
            )
        if doc.ship_box(label) is not None:
            self.edit.select([label])

    def drag_box(self, a: Point, b: Point) -> None:
        """A box dragged with the click tool: the ship lies inside it."""
        doc = self.edit.doc
        inputs = self._inputs()
        if doc is None or inputs is None:
            return
        image, levels = inputs
        x0, x1 = sorted((round(a[0]), round(b[0])))
        y0, y1 = sorted((round(a[1]), round(b[1])))
        box = Box(y0, y1 + 1, x0, x1 + 1).clip(doc.shape)
        if box.empty:
            return
        if self.session is None:
            self.session = ClickSession(doc, on_undo=self.markers_changed.emit)
        session = self.session
        done, change = self._add(session, image, levels, box=box)
        if done and change is not None:
            self.edit.message.emit(f"Click to segment: ship {session.label} in the box; click to refine it")
            self.edit.select([session.label])

    def _add(
        self,
        session: ClickSession,
        image: np.ndarray,
        levels: np.ndarray | None,
        *,
        click: Click | None = None,
        box: Box | None = None,
    ) -> tuple[bool, DocChange | None]:
        """``session.add`` of a click or a box: (done, the change). A refusal (nothing found there) goes
        to the status bar instead, and a session left without clicks ends."""
        try:
            return True, session.add(image, click, box=box, probability=levels, options=self.options)
        except USER_ERRORS as exc:
            self.edit.message.emit(f"Click to segment: {exc}")
            if session.empty:
                self.finish()
            return False, None
        finally:
            self.markers_changed.emit()

    def _far_from(self, session: ClickSession, point: Point) -> bool:
        box = session.ship_box()
        if box is None:
            return False
        reach = max(NEW_SHIP_DISTANCE, box.height, box.width)
        x, y = point
        dx = max(box.x0 - x, 0.0, x - (box.x1 - 1))
        dy = max(box.y0 - y, 0.0, y - (box.y1 - 1))
        return max(dx, dy) > reach

    def finish(self) -> None:
        """The ship is done: forget its clicks (its steps stay in the history)."""
        if self.session is not None:
            self.session.close()
            self.session = None
            self.markers_changed.emit()

    # --- take one predicted ship ---------------------------------------------------------------------------
    def take(self, point: Point) -> None:
        """Take the predicted ship at ``point`` (inside it or on its outline) into the annotation."""
        doc = self.edit.doc
        if doc is None:
            self.edit.message.emit("Take ship: no image to edit (open a folder)")
            return
        source = self.edit.viewer.current.labels[PREDICTION]
        if source is None or source.shape != doc.shape:
            self.edit.message.emit("Take ship: the model has not predicted this image (open a model)")
            return
        label = doc.new_label()
        try:
            change = doc.take_ship(source, point, label)
        except USER_ERRORS as exc:
            self.edit.message.emit(f"Take ship: {exc}")
            return
        if change is None:
            self.edit.message.emit("Take ship: click a predicted ship (inside it or on its outline)")
            return
        self.edit.message.emit(f"Take ship: the predicted ship is ship {label} of the annotation")
        self.edit.select([label])

    # --- watershed split -----------------------------------------------------------------------------------
    def add_seed(self, point: Point) -> None:
        """One more seed of the watershed split (a click inside one of the touching ships)."""
        doc = self.edit.doc
        if doc is None:
            return
        under = doc.label_at(point)
        if not under:
            self.edit.message.emit("Watershed split: click inside the touching ships, once in each")
            return
        if self.seeds and doc.label_at(self.seeds[0]) != under:
            self.edit.message.emit("Watershed split: the seeds must lie in one ship (the merged blob)")
            return
        self.seeds.append(point)
        self.markers_changed.emit()
        n = len(self.seeds)
        self.edit.message.emit(
            f"Watershed split: {n} seed{'s' if n > 1 else ''} in ship {under}; "
            "Enter splits (with fewer than two, the seeds are found automatically)"
        )

    def apply_seeds(self) -> None:
        """Enter with the watershed tool: split the blob at the seeds (automatic seeds with fewer than 2)."""
        seeds, self.seeds = self.seeds, []
        self.markers_changed.emit()
        doc = self.edit.doc
        if doc is None or not seeds:
            if doc is not None:
                self.edit.message.emit("Watershed split: click inside each of the touching ships, then Enter")
            return
        label = doc.label_at(seeds[0])
        self.split(label, seeds if len(seeds) > 1 else None)

    def split_selected(self) -> None:
        """Split the selected ship with seeds found from its distance transform and the probability map."""
        if len(self.edit.selected) != 1:
            self.edit.message.emit("Split automatically: select one ship first (S, click it)")
            return
        self.split(self.edit.selected[0], None)

    def split(self, label: int, seeds: list[Point] | None) -> None:
        doc = self.edit.doc
        if doc is None or not label:
            return
        current = self.edit.viewer.current
        image = current.rgb if current.rgb is not None and current.rgb.shape[:2] == doc.shape else None
        full = self.edit.viewer.full_levels()
        levels = full if full is not None and full.shape == doc.shape else None
        before = doc.n_ships
        try:
            change = doc.watershed_split(label, seeds=seeds, image=image, probability=levels)
        except (EditError, *USER_ERRORS) as exc:
            self.edit.message.emit(f"Watershed split: {exc}")
            return
        if change is not None:
            made = sorted(change.labels)
            self.edit.message.emit(f"Watershed split: ship {label} is now {doc.n_ships - before + 1} ships")
            self.edit.select(made)
