"""Editing and review in the viewer: the sessions of the open folders, the document on screen, the selection.

:class:`EditController` opens a :class:`~shipviewer.session.Workspace` for each folder the viewer shows
(``shipviewer A B``: A's and B's; each image's work is kept in its own folder's session), gives the
canvas the label image of the current image's document (the annotation layer, edited in place), stores
the viewer's predictions with ``Workspace.set_prediction`` (an untouched image's annotation follows them,
threshold and minimum size included, until the first edit), and turns tool gestures and review keys
into calls of the Qt-free core. It has no widgets; the main window connects it to them. Every committed
step is saved by the workspace before the call returns.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from shipviewer._qt.controller import ViewerController
from shipviewer._qt.session_loader import SessionLoader
from shipviewer._qt.workers import PredictResult, describe_error, image_pixels
from shipviewer.edits import AnnotationDoc, DocChange, EditError, next_brush_size, stroke_label
from shipviewer.model.postprocess import probability_to_ships
from shipviewer.model.prob_cache import dequantize
from shipviewer.session import ExportPlan, ImportReport, ViewState, Workspace
from shipviewer.session.group import Located
from shipviewer.session.review import ORDERS, uncertainty
from shipviewer.session.workspace import WorkspaceError
from shipviewer.viewer.current_image import ANNOTATION

Point = tuple[float, float]
# RuntimeError: an export that finds overlapping ships in the store refuses to write (csvio.export_csv).
USER_ERRORS = (EditError, WorkspaceError, OSError, ValueError, RuntimeError, sqlite3.Error)
MAX_PENDING = 256  # predictions kept while a session opens
MAX_ROWS_LISTED = 200  # bad CSV rows listed in a dialog's details
FOLLOW_DELAY_MS = 120  # a threshold slider settles this long before the untouched annotation follows it


class EditController(QObject):
    message = Signal(str)  # a line for the status bar
    error = Signal(str, str, str)  # title, text, details: for a message box
    state_changed = Signal()  # editing possible or not, undo/redo: actions to enable
    selection_changed = Signal()  # the selected ships
    review_changed = Signal()  # progress, the current image's status or scores
    session_opened = Signal()  # every folder's session finished opening (in the background)
    order_changed = Signal(str)  # the review queue's order (the list shows the images in it)

    def __init__(self, viewer: ViewerController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.sessions = SessionLoader(viewer.catalog, self)
        self.located: Located | None = None  # where the work of the image on screen lives
        self.doc: AnnotationDoc | None = None
        self.image_id: str | None = None
        self.selected: list[int] = []
        self._brush_size = 8
        self.morph_pixels = 2
        self.min_ship_pixels = 30
        self.order = ORDERS[0]
        self._doc_error = ""  # why the image on screen cannot be edited, when its document failed
        self._stroke_label = 0
        self._erasing = False
        self._last: Point | None = None
        self._pending: list[PredictResult] = []  # predictions made while a session was still opening
        self._truth_queue: list[str] = []  # truth CSVs given while the sessions were opening
        self._resume: ViewState | None = None  # where the user was, until shown
        self._resume_path = ""
        self._settling = False  # sessions are opening: where the user was is read before it is written
        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_DELAY_MS)
        self._follow.timeout.connect(self._follow_threshold)
        s = self.sessions
        s.opened.connect(self._on_session_opened)
        s.failed.connect(self._on_session_failed)
        s.settled.connect(self._on_settled)
        s.saved.connect(self._on_saved)
        viewer.images_opened.connect(self.open_workspace)
        viewer.current_changed.connect(self._on_current_changed)
        viewer.catalog.inserted.connect(self._on_inserted)
        viewer.predictor.predicted.connect(self._on_predicted)
        viewer.predictor.run_finished.connect(lambda *_: self._reorder())
        viewer.scanner.finished.connect(self._on_scan_finished)
        viewer.options.changed.connect(self._on_option)
        viewer.refine_changed.connect(self._follow.start)  # the shown image's ships, stored again
        viewer.prediction_shown.connect(self._on_prediction_shown)

    @property
    def can_edit(self) -> bool:
        return self.doc is not None

    @property
    def workspace(self) -> Workspace | None:
        """The session of the image on screen (else the first one open)."""
        if self.located is not None:
            return self.located.workspace
        workspaces = self.sessions.group.workspaces
        return workspaces[0] if workspaces else None

    # --- the sessions ----------------------------------------------------------------------------------
    def open_workspace(self, paths: list[str]) -> None:
        """Open the session of every folder just opened (closing the previous ones), in the background:
        the images show at once and editing starts as each session is ready."""
        self.close()
        self._settling = True
        roots = self.sessions.open(paths)
        if roots:
            names = ", ".join(Path(r.folder).name or r.folder for r in roots)
            self.message.emit(f"Opening the session{'s' if len(roots) > 1 else ''} of {names}…")
        self.state_changed.emit()

    def _on_session_opened(self, workspace: Workspace) -> None:
        current = self.viewer.current
        if self.doc is None and current.index >= 0 and self.sessions.locate(current.path) is not None:
            self._on_current_changed(current.index)
        pending, self._pending = self._pending, []
        for prediction in pending:
            self._on_predicted(prediction)
        self.state_changed.emit()  # (the status bar's review counter shows the progress: no message here)
        self.review_changed.emit()

    def _on_session_failed(self, folder: str, reason: str) -> None:
        self.message.emit(f"Editing is off for the images of {folder}: {reason}")
        self.state_changed.emit()

    def _on_settled(self) -> None:
        queued, self._truth_queue = self._truth_queue, []
        for path in queued:
            self.load_truth(path)
        self._settling = False
        self._start_resume()
        self.session_opened.emit()
        self.state_changed.emit()

    def close(self) -> None:
        """Save a stroke in progress and close every session (idempotent)."""
        self._pending = []
        self._resume, self._resume_path = None, ""
        self._release_document()
        self.located = None
        self.sessions.close()
        self.state_changed.emit()

    def _on_inserted(self, start: int, count: int) -> None:
        if self._resume_path and self.viewer.catalog.index_of(self._resume_path) >= start:
            self._finish_resume()

    def _on_scan_finished(self, *_: object) -> None:
        if self._resume is not None:  # the image of last time is gone: stay where we are
            self._resume, self._resume_path = None, ""
            self._save_view_state()
        self._reorder()

    def _on_saved(self, path: str) -> None:
        if self.located is not None and path == self.located.path:
            self.review_changed.emit()

    def editing_status(self) -> tuple[str, str]:
        """("", "") while the image on screen can be edited (or none is shown); else ("info", text) while
        its session opens, or ("warning", text) saying why it cannot be edited."""
        current = self.viewer.current
        if self.doc is not None or current.index < 0 or not current.path:
            return "", ""
        name = Path(current.path).name
        if self.viewer.catalog[current.index].problem:
            return "", ""  # the canvas says why the image cannot be shown
        if self._doc_error:
            return "warning", f"Editing is off for {name}: {self._doc_error}"
        failure = self.sessions.failure_for(current.path)
        if failure is not None:
            folder, reason = failure
            return (
                "warning",
                f"Editing is off for the images of {folder}: its session cannot be opened ({reason})",
            )
        opening = self.sessions.opening_for(current.path)
        if opening is not None:
            return (
                "info",
                f"Opening the session of {Path(opening).name or opening}: editing starts in a moment…",
            )
        return (
            "warning",
            f"Editing is off for {name}: it is not in the session of its folder (open the folder again)",
        )

    # --- the document on screen ------------------------------------------------------------------------
    def _release_document(self) -> None:
        if self.doc is not None:
            if self.doc.in_stroke:
                self.doc.end_stroke()
            self.doc.disconnect(self._on_doc_change)
        self.doc, self.image_id, self.selected = None, None, []

    def _on_current_changed(self, index: int) -> None:
        self._release_document()
        self.located, self._doc_error = None, ""
        self.selection_changed.emit()
        if self.viewer.current.labels[ANNOTATION] is not None:
            self.viewer.current.set_annotation(None)
        located = self.sessions.locate(self.viewer.catalog[index].path) if index >= 0 else None
        if located is not None:
            self.located = located
            try:
                self.doc = located.workspace.document(located.image_id)
            except USER_ERRORS as exc:
                self._doc_error = describe_error(exc).removeprefix(f"{located.path}: ")
                self.message.emit(f"{Path(located.image_id).name} cannot be edited: {self._doc_error}")
            else:
                self.image_id = located.image_id
                self.doc.connect(self._on_doc_change)
                self.viewer.current.set_annotation(self.doc.labels, self.doc.n_ships)
                self._save_view_state()
        self.state_changed.emit()
        self.review_changed.emit()

    def _on_prediction_shown(self, index: int) -> None:
        """The image on screen's prediction is labelled (shown again, a new map, the other outlines): its
        stored prediction, and an annotation nobody has touched, follow what is shown. A prediction stored
        while another mode or threshold was in force would otherwise seed an annotation that differs from
        the ships on screen."""
        if index == self.viewer.current.index and self.located is not None:
            self._follow.start()

    def _on_doc_change(self, change: DocChange) -> None:
        doc = self.doc
        assert doc is not None
        self.viewer.current.notify_edit(ANNOTATION, change.redraw_box(doc.shape), doc.n_ships)
        kept = [label for label in self.selected if doc.ship_box(label) is not None]
        if kept != self.selected:
            self.selected = kept
        self.selection_changed.emit()  # the frames follow the ships
        self.state_changed.emit()

    # --- selection -------------------------------------------------------------------------------------
    def select_at(self, point: Point, *, add: bool = False) -> None:
        """Select the ship under ``point`` (``add``: toggle it in a multiple selection, Ctrl+click)."""
        if self.doc is None:
            return
        label = self.doc.label_at(point)
        if add:
            if label:
                self.selected = [k for k in self.selected if k != label] + (
                    [] if label in self.selected else [label]
                )
        else:
            self.selected = [label] if label else []
        self.selection_changed.emit()

    def select(self, labels: Sequence[int]) -> None:
        self.selected = list(labels)
        self.selection_changed.emit()

    def selection_boxes(self) -> list[tuple[int, int, int, int]]:
        if self.doc is None:
            return []
        boxes = (self.doc.ship_box(label) for label in self.selected)
        return [tuple(box) for box in boxes if box is not None]  # type: ignore[misc]

    def _one_selected(self) -> int | None:
        return self.selected[0] if len(self.selected) == 1 else None

    # --- brush and eraser --------------------------------------------------------------------------------
    def begin_stroke(self, point: Point, *, erase: bool = False) -> None:
        """Mouse down with the brush (paints the selected ship where it starts on or touching it, else a
        new one: see ``stroke_label``) or the eraser."""
        doc = self.doc
        if doc is None:
            return
        self._erasing = erase
        label = stroke_label(doc.labels, self._one_selected(), point, self.brush_size)
        self._stroke_label = label if label is not None else doc.new_label()
        doc.begin_stroke("eraser" if erase else "brush")
        self._last = point
        self._segment(point, None)

    def stroke_to(self, point: Point) -> None:
        if self.doc is None or not self.doc.in_stroke or self._last is None:
            return
        self._segment(self._last, point)
        self._last = point

    def _segment(self, p0: Point, p1: Point | None) -> None:
        doc = self.doc
        assert doc is not None
        try:
            if self._erasing:
                box = doc.erase(p0, p1, self.brush_size)
            else:
                box = doc.paint(p0, p1, self.brush_size, self._stroke_label)
        except EditError as exc:
            self.message.emit(str(exc))
            return
        if box is not None:
            self.viewer.current.notify_edit(ANNOTATION, box.grow(1, doc.shape))

    def end_stroke(self) -> None:
        """Mouse up: the stroke becomes one undo step, saved before this returns."""
        doc = self.doc
        if doc is None or not doc.in_stroke:
            return
        change = doc.end_stroke()
        self._last = None
        if not self._erasing and change is not None and self._stroke_label in change.labels:
            self.select([self._stroke_label])

    def cancel_stroke(self) -> None:
        doc = self.doc
        if doc is None or not doc.in_stroke:
            return
        box = doc.cancel_stroke()
        if box is not None:
            self.viewer.current.notify_edit(ANNOTATION, box.grow(1, doc.shape))

    @property
    def brush_size(self) -> int:
        return self._brush_size

    @brush_size.setter
    def brush_size(self, size: int) -> None:
        """The brush diameter in image pixels (remembered in the session with the image on screen)."""
        if int(size) != self._brush_size:
            self._brush_size = int(size)
            self._save_view_state()

    def step_brush(self, step: int) -> None:
        self.brush_size = next_brush_size(self.brush_size, step)
        self.message.emit(f"Brush {self.brush_size} px")
        self.state_changed.emit()

    # --- one-step tools --------------------------------------------------------------------------------
    def _apply(self, what: str, call: Callable[[AnnotationDoc], DocChange | None]) -> DocChange | None:
        if self.doc is None:
            self.message.emit(f"{what}: no image to edit (open a folder)")
            return None
        try:
            change = call(self.doc)
        except USER_ERRORS as exc:
            self.message.emit(f"{what}: {exc}")
            return None
        self.message.emit(f"{what}: done" if change is not None else f"{what}: nothing changed")
        return change

    def polygon_add(self, points: Sequence[Point]) -> None:
        change = self._apply("Polygon add", lambda d: d.polygon_add(points, self._one_selected()))
        if change is not None and self._one_selected() is None:
            self.select(sorted(change.labels))

    def polygon_cut(self, points: Sequence[Point]) -> None:
        self._apply("Polygon cut", lambda d: d.polygon_cut(points, self._one_selected()))

    def fill_at(self, point: Point) -> None:
        self._apply("Fill", lambda d: d.bucket_fill(point, self._one_selected()))

    def delete_at(self, point: Point) -> None:
        self._apply("Delete ship", lambda d: d.delete_at(point))

    def delete_selected(self) -> None:
        if not self.selected:
            self.message.emit("Delete: select a ship first (click it)")
            return
        for label in list(self.selected):
            self._apply(f"Delete ship {label}", lambda d, k=label: d.delete_ship(k))

    def split(self, points: Sequence[Point]) -> None:
        self._apply("Split", lambda d: d.split(points))

    def merge(self) -> None:
        if len(self.selected) < 2:
            self.message.emit("Merge: Ctrl+click two or more ships first")
            return
        change = self._apply("Merge", lambda d: d.merge(self.selected))
        if change is not None:
            self.select([min(self.selected)])

    def grow(self) -> None:
        self._apply(f"Grow {self.morph_pixels} px", lambda d: d.grow(self.morph_pixels, self._one_selected()))

    def shrink(self) -> None:
        self._apply(
            f"Shrink {self.morph_pixels} px", lambda d: d.shrink(self.morph_pixels, self._one_selected())
        )

    def fill_holes(self) -> None:
        self._apply("Fill holes", lambda d: d.fill_holes(self._one_selected()))

    def remove_small(self) -> None:
        self._apply(
            f"Remove ships under {self.min_ship_pixels} px", lambda d: d.remove_small(self.min_ship_pixels)
        )

    def accept_prediction(self) -> None:
        workspace, image_id = self.workspace, self.image_id
        if workspace is None or image_id is None:
            self.message.emit("Accept prediction: no image to edit (open a folder)")
            return
        self._apply("Accept prediction", lambda _d: workspace.accept_prediction(image_id))

    def clear(self) -> None:
        self._apply("Clear", lambda d: d.clear())

    def undo(self) -> None:
        if self.doc is not None and not self.doc.can_undo:
            self.message.emit("Nothing to undo")
            return
        self._apply("Undo", lambda d: d.undo())

    def redo(self) -> None:
        if self.doc is not None and not self.doc.can_redo:
            self.message.emit("Nothing to redo")
            return
        self._apply("Redo", lambda d: d.redo())

    # --- review ------------------------------------------------------------------------------------------
    def _review(self, verb: str, call: Callable[[Workspace, str], object]) -> None:
        located = self.located
        if located is None or self.doc is None:
            self.message.emit(f"{verb}: open a folder first")
            return
        if self.doc.in_stroke:
            self.end_stroke()
        try:
            call(located.workspace, located.image_id)
            following = self.sessions.group.next_unreviewed(located, order=self.order)
        except USER_ERRORS as exc:
            self.message.emit(f"{verb}: {exc}")
            return
        self.message.emit(f"{Path(located.image_id).name} {verb.lower()} · {self.sessions.group.progress()}")
        self._go_to(following)

    def accept(self) -> None:
        """Sign the image off and show the next one needing review."""
        self._review("Accepted", lambda w, i: w.accept(i, order=None))

    def reject(self) -> None:
        self._review("Rejected", lambda w, i: w.reject(i, order=None))

    def confirm_empty(self) -> None:
        self._review("Confirmed empty", lambda w, i: w.confirm_empty(i, order=None))

    def next_unreviewed(self) -> None:
        if not len(self.sessions.group):
            self.message.emit("Open a folder first")
            return
        self._go_to(self.sessions.group.next_unreviewed(self.located, order=self.order))

    def _go_to(self, located: Located | None) -> None:
        if located is None:
            self.message.emit(f"Every image is reviewed ({self.sessions.group.progress()})")
            return
        index = self.viewer.catalog.index_of(located.path)
        if index >= 0:
            self.viewer.show_index(index)

    def set_order(self, order: str) -> None:
        """Order the review queue (Accept, Next Unreviewed) and the image list by ``order``."""
        if order not in ORDERS:
            raise ValueError(f"unknown review order {order!r}")
        changed = order != self.order
        self.order = order
        self._reorder()
        if changed:
            self.order_changed.emit(order)
            self._save_view_state()
        last = " (images without a prediction come last)" if order == "uncertainty" else ""
        last = " (images without a ground truth come last)" if order == "disagreement" else last
        self.message.emit(f"List and review queue ordered by {ORDER_NAMES[order]}{last}")

    def _reorder(self) -> None:
        """Show the list in the queue's order (file name order: the catalog's own)."""
        view = self.viewer.view
        if self.order == "path" or not len(self.sessions.group):
            if view.ordered:
                view.set_order(None)
            return
        catalog = self.viewer.catalog
        indices = (catalog.index_of(item.path) for item in self.sessions.group.queue(self.order))
        view.set_order([i for i in indices if i >= 0])

    def review_text(self) -> str:
        """Progress, the current image's status and scores, the selection: for the status bar."""
        if not len(self.sessions.group):
            return ""
        parts = [str(self.sessions.group.progress())]
        located = self.located
        if located is not None and self.doc is not None:
            try:
                parts.append(located.workspace.status(located.image_id).label)
                scores = located.workspace.metrics(located.image_id)
            except USER_ERRORS:
                scores = None
            if scores is not None:
                parts.append(f"F2 {scores.f2:.2f} · IoU {scores.iou:.2f}")
        if self.selected:
            ships = ", ".join(map(str, self.selected))
            parts.append(f"ship{'s' if len(self.selected) > 1 else ''} {ships} selected")
        return " · ".join(parts)

    # --- where the user was ------------------------------------------------------------------------------
    def _save_view_state(self) -> None:
        located = self.located
        if located is None or self._resume is not None or self._settling:
            return  # nothing on screen, or the remembered place is not read or not shown yet
        state = ViewState(located.image_id, self.brush_size, self.order, time.time())
        try:
            located.workspace.save_view_state(state)
        except USER_ERRORS as exc:
            self.message.emit(f"Cannot remember the image on screen: {exc}")

    def _start_resume(self) -> None:
        """Once the sessions are open: go back to the image, brush size and queue order of last time."""
        last = self.sessions.group.last_view()
        if last is None:
            self._save_view_state()
            return
        located, state = last
        self._resume, self._resume_path = state, located.path
        if state.brush_size > 0:
            self._brush_size = state.brush_size
        if state.order in ORDERS and state.order != self.order:
            self.order = state.order
            self.order_changed.emit(state.order)
        self.state_changed.emit()
        if self.viewer.catalog.index_of(located.path) >= 0:
            self._finish_resume()

    def _finish_resume(self) -> None:
        path, self._resume, self._resume_path = self._resume_path, None, ""
        viewer = self.viewer
        current = viewer.current.index
        untouched = current < 0 or (len(viewer.view) > 0 and current == viewer.view.index_at(0))
        self._reorder()
        index = viewer.catalog.index_of(path)
        if index >= 0 and index != current and untouched:  # the user has not moved on meanwhile
            self.viewer.show_index(index)
            self.message.emit(f"Back at {Path(path).name}, where you left off")
        else:
            self._save_view_state()

    # --- predictions -------------------------------------------------------------------------------------
    def _model_name(self) -> str | None:
        session = self.viewer.session
        return None if session is None else f"{session.info.name} [{session.path.name}]"

    def _on_predicted(self, result: PredictResult) -> None:
        """Store what the viewer's model found, at the threshold and minimum size in force (apart from the
        annotation; an untouched image's annotation follows it)."""
        catalog, model = self.viewer.catalog, self._model_name()
        if model is None or result.index >= len(catalog) or catalog[result.index].path != result.path:
            return
        located = self.sessions.locate(result.path)
        if located is None:
            if self.sessions.opening_for(result.path) is not None and len(self._pending) < MAX_PENDING:
                self._pending.append(result)  # its session is still opening: store it once it is
            return
        options = self.viewer.options
        ships = result.ships if result.params == (options.threshold, options.min_size) else None
        self._store_prediction(located, result.path, result.levels, model, result.ship_probability, ships)

    def _store_prediction(
        self,
        located: Located,
        path: str,
        levels: object,
        model: str,
        ship_probability: float | None = None,
        refined: Sequence[str] | None = None,
    ) -> None:
        """Store the model's ships of an image at the thresholds in force (``refined``: its refined ships
        at them, as the inference thread made them; else they are made here)."""
        workspace, image_id = located.workspace, located.image_id
        try:
            probability = dequantize(levels)  # type: ignore[arg-type]
            options, session = self.viewer.options, self.viewer.session
            split = session is not None and session.metadata.split_touching
            seam = session.metadata.seam if session is not None else 0
            refine = session is not None and session.refine
            on_screen = refine and refined is None and self.viewer.current.path == path
            shown = self.viewer.current_refined_ships() if on_screen else None
            if refine and refined is not None:
                ships = list(refined)
            elif shown is not None:
                ships = shown  # what the window shows: refined once, for both
            else:
                ships = probability_to_ships(
                    probability,
                    options.threshold,
                    options.min_size,
                    split_touching=split,
                    seam=seam,
                    refine=refine,
                    image=self._pixels(path) if refine else None,
                )
            stored = workspace.prediction(image_id)
            if stored is not None and stored.model == model and stored.rles == ships:
                return  # from the cache, and stored already at these thresholds
            doubt = uncertainty(probability, ship_probability)
            workspace.set_prediction(image_id, ships, model=model, uncertainty=doubt)
        except USER_ERRORS as exc:
            self.message.emit(f"Cannot store the prediction of {Path(image_id).name}: {exc}")
            return
        if self.located is not None and self.located == located:
            self.state_changed.emit()  # a seeded annotation has no undo step

    def _on_option(self, name: str, _value: object) -> None:
        if name in ("threshold", "min_size"):
            self._follow.start()

    def _follow_threshold(self) -> None:
        """The threshold or minimum size changed: the image on screen's prediction is stored again at
        them, and its annotation follows when nobody has touched it."""
        levels, model = self.viewer.current.levels, self._model_name()
        if self.located is not None and levels is not None and model is not None:
            ship = self.viewer.ship_probabilities.get(self.viewer.current.path)
            self._store_prediction(self.located, self.viewer.current.path, levels, model, ship)

    def _pixels(self, path: str) -> np.ndarray:
        """The image's pixels for the outline refinement: the shown image's, else the image cache's, else
        read from the file."""
        current = self.viewer.current
        if current.rgb is not None and current.path == path:
            return current.rgb
        return image_pixels(self.viewer.images, path)

    # --- CSV ---------------------------------------------------------------------------------------------
    def load_truth(self, path: str) -> None:
        """Ground truth given on the command line, dropped or opened: imported into the sessions (each
        row checked against its own image; every bad row listed), so F2 and IoU show at once. With
        nothing open, the CSV's own folder is opened; without a session, it is shown from memory."""
        path = os.path.abspath(path)
        viewer = self.viewer
        if not len(viewer.catalog) and not viewer.scanning and not self.sessions.busy:
            viewer.open_images([os.path.dirname(path)])
        if self.sessions.busy:
            self._truth_queue.append(path)
            self.message.emit(f"{Path(path).name} will be imported as ground truth once the session is open")
            return
        if not len(self.sessions.group):
            viewer.load_annotations(path)
            return
        self.import_csv(path, "truth")

    def import_csv(self, path: str, layer: str = "annotations") -> None:
        """Import an Airbus CSV as ``annotations`` or ``truth`` into every open session; every bad row is
        listed with its line number and the rest imported."""
        group = self.sessions.group
        if not len(group):
            self.message.emit("Import: open a folder first")
            return
        self._release_document()
        try:
            report: ImportReport | None = group.import_csv(path, layer=layer)
        except USER_ERRORS as exc:
            self.error.emit("Cannot import the CSV", _explain(exc, path), "")
            report = None
        if report is not None:
            self._report_import(report)
        self.sessions.reload()
        if layer == "truth":
            truth: dict[str, list[str]] = {}
            for workspace in group:
                truth.update({Path(k).name: v for k, v in workspace.store.all_truth().items()})
            self.viewer.catalog.set_truth(truth)
            current = self.viewer.current
            if current.index >= 0:
                current.set_truth(self.viewer.catalog.truth_for(current.index))
        self._on_current_changed(self.viewer.current.index)
        if self.order == "disagreement":
            self._reorder()

    def _report_import(self, report: ImportReport) -> None:
        name = Path(report.path).name
        self.message.emit(report.summary())
        if not report.problems:
            return
        shown = [str(p) for p in report.problems[:MAX_ROWS_LISTED]]
        more = len(report.problems) - len(shown)
        if more > 0:
            shown.append(f"… and {more} more (shipviewer validate {report.path} lists them all)")
        unopened = (
            f" {len(report.not_in_folder)} image(s) it names are not open." if report.not_in_folder else ""
        )
        self.error.emit(
            "Some rows were skipped",
            f"{len(report.problems)} row(s) of {name} could not be used; the others are imported as "
            f"{report.layer}.{unopened}",
            "\n".join(shown),
        )

    def export_workspaces(self) -> list[Workspace]:
        return self.sessions.group.workspaces

    def export_plan(
        self, workspace: Workspace, *, reviewed_only: bool = False, include_predictions: bool = False
    ) -> ExportPlan:
        """What an export of ``workspace`` would write, counted by kind (nothing is written)."""
        self._end_strokes()
        return workspace.export_plan(reviewed_only=reviewed_only, include_predictions=include_predictions)

    def save_now(self) -> None:
        """Ctrl+S: every edit is saved as it is made; this ends a stroke in progress and says where."""
        self._end_strokes()
        workspace = self.workspace
        if workspace is None:
            self.message.emit("Nothing to save: open a folder to edit its images")
            return
        self.message.emit(
            f"Saved: every edit is written to {workspace.store.path} as you make it "
            "(Export CSV writes the Airbus file)"
        )

    def _end_strokes(self) -> None:
        if self.doc is not None and self.doc.in_stroke:
            self.end_stroke()

    def export_csv(
        self,
        path: str,
        *,
        reviewed_only: bool = False,
        include_predictions: bool = False,
        workspace: Workspace | None = None,
    ) -> bool:
        """Write what a person made or confirmed as an Airbus CSV (atomically); False (with a message) on
        failure. ``workspace``: the folder to export (default: the one of the image on screen)."""
        workspace = workspace or self.workspace
        if workspace is None:
            self.message.emit("Export: open a folder first")
            return False
        self._end_strokes()
        try:
            report = workspace.export_csv(
                path, reviewed_only=reviewed_only, include_predictions=include_predictions
            )
        except USER_ERRORS as exc:
            self.error.emit("Cannot export the CSV", _explain(exc, path), "")
            return False
        self.message.emit(report.summary().capitalize())
        if report.in_pieces or (report.plan is not None and (report.plan.other_size or report.plan.left_out)):
            plan = report.plan.text() if report.plan is not None else ""
            self.error.emit("Exported, with notes", report.summary().capitalize(), plan)
        return True


def _explain(exc: BaseException, path: str) -> str:
    """One line naming the file: our own errors say what is wrong already; others get their type."""
    plain = isinstance(exc, (ValueError, EditError)) and not isinstance(exc, OSError)
    text = str(exc) if plain else describe_error(exc)
    return text if text.startswith(path) else f"{path}: {text}"


ORDER_NAMES = {
    "path": "file name",
    "uncertainty": "model uncertainty",
    "disagreement": "disagreement with truth",
}
