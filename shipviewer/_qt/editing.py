"""Editing and review in the viewer: the folder's session workspace, the document on screen, the selection.

:class:`EditController` opens the :class:`~shipviewer.session.Workspace` of the folder the viewer shows,
gives the canvas the label image of the current image's document (the annotation layer, edited in place),
stores the viewer's predictions with ``Workspace.set_prediction``, and turns tool gestures and review
keys into calls of the Qt-free core. It has no widgets; the main window connects it to them. Every
committed step is saved by the workspace before the call returns.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from shipviewer._qt.controller import MAX_PROBLEMS_SHOWN, ViewerController
from shipviewer._qt.workers import PredictResult, describe_error
from shipviewer.edits import AnnotationDoc, DocChange, EditError, next_brush_size
from shipviewer.model.postprocess import probability_to_ships
from shipviewer.model.prob_cache import dequantize
from shipviewer.session import Workspace
from shipviewer.session.review import ORDERS, uncertainty
from shipviewer.session.store import ImageRecord
from shipviewer.session.workspace import WorkspaceError
from shipviewer.viewer.catalog import Status
from shipviewer.viewer.current_image import ANNOTATION

Point = tuple[float, float]
USER_ERRORS = (EditError, WorkspaceError, OSError, ValueError, sqlite3.Error)


def workspace_folder(paths: Sequence[str]) -> str | None:
    """The one folder whose session the viewer edits: the folder opened, or the folder of the images
    opened when they share one; None otherwise (editing is then off)."""
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return paths[0]
    parents = {os.path.dirname(p) for p in paths if os.path.isfile(p)}
    if len(parents) == 1 and len(paths) == sum(os.path.isfile(p) for p in paths):
        return parents.pop()
    return None


MAX_PENDING = 256  # predictions kept while a session opens


class EditController(QObject):
    message = Signal(str)  # a line for the status bar
    error = Signal(str, str, str)  # title, text, details: for a message box
    state_changed = Signal()  # editing possible or not, undo/redo: actions to enable
    selection_changed = Signal()  # the selected ships
    review_changed = Signal()  # progress, the current image's status or scores
    session_opened = Signal()  # a folder's session finished opening (in the background)
    _opened = Signal(int, str, object)  # generation, folder, Workspace or the exception (worker → UI thread)

    def __init__(self, viewer: ViewerController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.workspace: Workspace | None = None
        self.doc: AnnotationDoc | None = None
        self.image_id: str | None = None
        self.selected: list[int] = []
        self.brush_size = 8
        self.morph_pixels = 2
        self.min_ship_pixels = 30
        self.order = ORDERS[0]
        self._records: dict[str, ImageRecord] = {}
        self._stroke_label = 0
        self._erasing = False
        self._last: Point | None = None
        self._generation = 0  # bumped by every open and close: a late background open is discarded
        self._pending: list[PredictResult] = []  # predictions made while the session was still opening
        self._opened.connect(self._on_opened)
        viewer.images_opened.connect(self.open_workspace)
        viewer.current_changed.connect(self._on_current_changed)
        viewer.catalog.inserted.connect(self._on_inserted)
        viewer.predictor.predicted.connect(self._on_predicted)

    @property
    def can_edit(self) -> bool:
        return self.doc is not None

    # --- the workspace ---------------------------------------------------------------------------------
    def open_workspace(self, paths: list[str]) -> None:
        """Open the session of the folder just opened (closing the previous one).

        Opening records every image of the folder in the store (100,000 files take seconds), so it runs
        in a background thread; the images show at once and editing starts when the session is ready.
        """
        self.close()
        folder = workspace_folder(paths)
        if folder is None:
            self.message.emit("Editing needs one folder: open a folder (or images of one folder)")
            return
        generation = self._generation
        self.message.emit(f"Opening the session of {folder}…")
        threading.Thread(
            target=self._open_in_background, args=(generation, folder), name="open-session", daemon=True
        ).start()

    def _open_in_background(self, generation: int, folder: str) -> None:
        """Open the store and read what the UI needs from it (records, truth) off the UI thread."""
        try:
            workspace = Workspace.open(folder)
            records = {r.image_id: r for r in workspace.records()}
            result: object = (workspace, records, workspace.store.all_truth())
        except USER_ERRORS as exc:
            result = exc
        self._opened.emit(generation, folder, result)

    def _on_opened(self, generation: int, folder: str, result: object) -> None:
        if generation != self._generation:  # closed or reopened meanwhile
            if isinstance(result, tuple):
                result[0].close()
            return
        if not isinstance(result, tuple):
            self.error.emit("Editing is off", f"Cannot open the session of {folder}: {result}", "")
            return
        self.workspace, self._records, truth = result
        self.workspace.connect(self._on_saved)
        if truth:
            self.viewer.catalog.set_truth({Path(k).name: v for k, v in truth.items()})
        # Rows start as "not predicted"; only images with work or a prediction need their row updated
        # (a fresh 100,000-image folder touches none, so the UI thread never walks every row here).
        for image_id, record in self._records.items():
            if record.status.value != "unreviewed" or record.has_prediction or record.annotated is not None:
                index = self._index_of(image_id)
                if index >= 0:
                    self._refresh_statuses(range(index, index + 1))
        self._on_current_changed(self.viewer.current.index)
        pending, self._pending = self._pending, []
        for prediction in pending:
            self._on_predicted(prediction)
        self.message.emit(f"Session {self.workspace.store.path} · {self.workspace.progress()}")
        self.state_changed.emit()
        self.review_changed.emit()
        self.session_opened.emit()

    def close(self) -> None:
        """Save a stroke in progress and close the session (idempotent)."""
        self._generation += 1
        self._pending = []
        self._release_document()
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
            self._records = {}
        self.state_changed.emit()

    def image_id_of(self, path: str) -> str | None:
        if self.workspace is None:
            return None
        try:
            return Path(path).relative_to(self.workspace.folder).as_posix()
        except ValueError:
            return None

    def _index_of(self, image_id: str) -> int:
        assert self.workspace is not None
        return self.viewer.catalog.index_of(os.path.join(str(self.workspace.folder), *image_id.split("/")))

    def _refresh_statuses(self, indices: range) -> None:
        catalog = self.viewer.catalog
        for index in indices:
            record = self._records.get(self.image_id_of(catalog[index].path) or "")
            if record is not None:
                predicted = record.has_prediction or record.annotated is not None
                catalog.set_status(index, Status.from_review(record.status.value, predicted=predicted))

    def _on_inserted(self, start: int, count: int) -> None:
        if self.workspace is not None:
            self._refresh_statuses(range(start, start + count))

    def _on_saved(self, image_id: str) -> None:
        assert self.workspace is not None
        try:
            self._records[image_id] = self.workspace.record(image_id)
        except WorkspaceError:
            return
        index = self._index_of(image_id)
        if index >= 0:
            self._refresh_statuses(range(index, index + 1))
        if image_id == self.image_id:
            self.review_changed.emit()

    # --- the document on screen ------------------------------------------------------------------------
    def _release_document(self) -> None:
        if self.doc is not None:
            if self.doc.in_stroke:
                self.doc.end_stroke()
            self.doc.disconnect(self._on_doc_change)
        self.doc, self.image_id, self.selected = None, None, []

    def _on_current_changed(self, index: int) -> None:
        self._release_document()
        self.selection_changed.emit()
        if self.viewer.current.labels[ANNOTATION] is not None:
            self.viewer.current.set_annotation(None)
        image_id = self.image_id_of(self.viewer.catalog[index].path) if index >= 0 else None
        if image_id is not None and self.workspace is not None:
            try:
                self.doc = self.workspace.document(image_id)
            except USER_ERRORS as exc:
                self.message.emit(f"{Path(image_id).name} cannot be edited: {describe_error(exc)}")
            else:
                self.image_id = image_id
                self.doc.connect(self._on_doc_change)
                self.viewer.current.set_annotation(self.doc.labels, self.doc.n_ships)
        self.state_changed.emit()
        self.review_changed.emit()

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
        """Mouse down with the brush (paints the selected ship, or a new one) or the eraser."""
        doc = self.doc
        if doc is None:
            return
        self._erasing = erase
        selected = self._one_selected()
        self._stroke_label = selected if selected is not None else doc.new_label()
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
    def _review(self, verb: str, call: Callable[[Workspace, str], str | None]) -> None:
        workspace, image_id = self.workspace, self.image_id
        if workspace is None or image_id is None:
            self.message.emit(f"{verb}: open a folder first")
            return
        if self.doc is not None and self.doc.in_stroke:
            self.end_stroke()
        try:
            following = call(workspace, image_id)
        except USER_ERRORS as exc:
            self.message.emit(f"{verb}: {exc}")
            return
        self.message.emit(f"{Path(image_id).name} {verb.lower()} · {workspace.progress()}")
        self._go_to(following)

    def accept(self) -> None:
        """Sign the image off and show the next one needing review."""
        self._review("Accepted", lambda w, i: w.accept(i, order=self.order))

    def reject(self) -> None:
        self._review("Rejected", lambda w, i: w.reject(i, order=self.order))

    def confirm_empty(self) -> None:
        self._review("Confirmed empty", lambda w, i: w.confirm_empty(i, order=self.order))

    def next_unreviewed(self) -> None:
        if self.workspace is None:
            self.message.emit("Open a folder first")
            return
        self._go_to(self.workspace.next_unreviewed(self.image_id, order=self.order))

    def _go_to(self, image_id: str | None) -> None:
        if image_id is None:
            progress = self.workspace.progress() if self.workspace is not None else ""
            self.message.emit(f"Every image is reviewed ({progress})")
            return
        index = self._index_of(image_id)
        if index >= 0:
            self.viewer.show_index(index)

    def set_order(self, order: str) -> None:
        if order not in ORDERS:
            raise ValueError(f"unknown review order {order!r}")
        self.order = order
        self.message.emit(f"Review queue ordered by {order}")

    def review_text(self) -> str:
        """Progress, the current image's status and scores, the selection: for the status bar."""
        workspace = self.workspace
        if workspace is None:
            return ""
        parts = [str(workspace.progress())]
        if self.image_id is not None:
            try:
                parts.append(workspace.status(self.image_id).label)
                scores = workspace.metrics(self.image_id)
            except USER_ERRORS:
                scores = None
            if scores is not None:
                parts.append(f"F2 {scores.f2:.2f} · IoU {scores.iou:.2f}")
        if self.selected:
            ships = ", ".join(map(str, self.selected))
            parts.append(f"ship{'s' if len(self.selected) > 1 else ''} {ships} selected")
        return " · ".join(parts)

    # --- predictions -------------------------------------------------------------------------------------
    def _on_predicted(self, result: PredictResult) -> None:
        """Store what the viewer's model found (apart from the annotation, which it may seed)."""
        workspace, session = self.workspace, self.viewer.session
        catalog = self.viewer.catalog
        if workspace is None and session is not None and len(self._pending) < MAX_PENDING:
            self._pending.append(result)  # the session is still opening: store it once it is
        if workspace is None or session is None:
            return
        if result.index >= len(catalog) or catalog[result.index].path != result.path:
            return
        image_id = self.image_id_of(result.path)
        if image_id is None or image_id not in workspace.store:
            return
        model = f"{session.info.name} [{session.path.name}]"
        try:
            stored = workspace.prediction(image_id)
            if stored is not None and stored.model == model and result.ms is None:
                return  # from the cache, and stored already
            probability = dequantize(result.levels)
            options = self.viewer.options
            ships = probability_to_ships(probability, options.threshold, options.min_size)
            workspace.set_prediction(image_id, ships, model=model, uncertainty=uncertainty(probability))
        except USER_ERRORS as exc:
            self.message.emit(f"Cannot store the prediction of {Path(image_id).name}: {exc}")

    # --- CSV ---------------------------------------------------------------------------------------------
    def import_csv(self, path: str, layer: str = "annotations") -> None:
        """Import an Airbus CSV as ``annotations`` or ``truth``; bad rows are listed, the rest imported."""
        workspace = self.workspace
        if workspace is None:
            self.message.emit("Import: open a folder first")
            return
        self._release_document()
        try:
            report = workspace.import_csv(path, layer=layer)
        except USER_ERRORS as exc:
            self.error.emit("Cannot import the CSV", f"{path}: {describe_error(exc)}", "")
            report = None
        if report is not None:
            self.message.emit(report.summary())
            if report.problems:
                shown = [str(p) for p in report.problems[:MAX_PROBLEMS_SHOWN]]
                self.error.emit(
                    "Some rows were skipped",
                    f"{len(report.problems)} row(s) of {Path(path).name} could not be used; "
                    "the others are imported.",
                    "\n".join(shown),
                )
        self._records = {r.image_id: r for r in workspace.records()}
        self._refresh_statuses(range(len(self.viewer.catalog)))
        if layer == "truth":
            truth = workspace.store.all_truth()
            self.viewer.catalog.set_truth({Path(k).name: v for k, v in truth.items()})
            current = self.viewer.current
            if current.index >= 0:
                current.set_truth(self.viewer.catalog.truth_for(current.index))
        self._on_current_changed(self.viewer.current.index)

    def export_csv(self, path: str, *, reviewed_only: bool = False) -> bool:
        """Write the annotations as an Airbus CSV (atomically); False (with a message) on failure."""
        workspace = self.workspace
        if workspace is None:
            self.message.emit("Export: open a folder first")
            return False
        if self.doc is not None and self.doc.in_stroke:
            self.end_stroke()
        try:
            report = workspace.export_csv(path, reviewed_only=reviewed_only)
        except USER_ERRORS as exc:
            self.error.emit("Cannot export the CSV", f"{path}: {describe_error(exc)}", "")
            return False
        self.message.emit(report.summary().capitalize())
        return True
