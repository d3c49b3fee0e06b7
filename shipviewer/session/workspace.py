"""A folder being reviewed: its session store, the documents being edited, and the review actions.

This is what the viewer (and ``shipviewer annotations``) drives. Every committed edit of a document is
written to the store by a listener before the edit call returns, so closing or killing the app at any
moment loses at most a stroke still in progress (mouse button held).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shipviewer.edits import AnnotationDoc, DocChange
from shipviewer.edits.undo import DEFAULT_MAX_BYTES, DEFAULT_MAX_STEPS, History
from shipviewer.session.csvio import (
    ExportPlan,
    ExportReport,
    ImportReport,
    export_csv,
    export_plan,
    import_csv,
)
from shipviewer.session.location import locate_store
from shipviewer.session.review import (
    NEEDS_REVIEW,
    ImageMetrics,
    Progress,
    Status,
    disagreement,
    image_metrics,
    order_images,
    progress_from_counts,
    uncertainty,
)
from shipviewer.session.store import ImageRecord, Prediction, SessionStore, SyncReport

if TYPE_CHECKING:
    from shipviewer.model.inference import InferenceSession

__all__ = ["ViewState", "Workspace", "WorkspaceError", "predict_ships"]

DEFAULT_DOCUMENT_BYTES = 1 << 30
VIEW_STATE_KEY = "viewer.state"


@dataclass(frozen=True)
class ViewState:
    """Where the viewer was in a folder: the image on screen, the brush size, the review queue order,
    and when (to pick the latest of several folders)."""

    image_id: str
    brush_size: int
    order: str
    time: float

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ViewState | None:
        """None for text this version cannot use (an older or damaged entry is ignored, never fatal)."""
        try:
            raw = json.loads(text)
            return cls(str(raw["image_id"]), int(raw["brush_size"]), str(raw["order"]), float(raw["time"]))
        except (ValueError, TypeError, KeyError):
            return None


class WorkspaceError(ValueError):
    """A request the folder's session cannot satisfy (no such image, no prediction to accept...)."""


def predict_ships(
    session: InferenceSession,
    image: np.ndarray,
    *,
    threshold: float | None = None,
    min_size: int | None = None,
) -> tuple[list[str], float]:
    """The model's ships for one image and how uncertain it was (pure: safe in a worker thread)."""
    analysis = session.analyse(image)  # a gated model: no ships, and no decoder, where its gate says so
    rles = session.ships_from(analysis, threshold, min_size, image=image)
    return rles, uncertainty(analysis.probability, analysis.ship_probability)


class Workspace:
    """One image folder under review. Open with :meth:`open`; close (or use ``with``) when done."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        store: SessionStore,
        *,
        max_steps: int = DEFAULT_MAX_STEPS,
        max_history_bytes: int = DEFAULT_MAX_BYTES,
        max_document_bytes: int = DEFAULT_DOCUMENT_BYTES,
    ) -> None:
        self.folder = Path(folder).absolute()
        self.store = store
        self.max_steps = max_steps
        self.max_history_bytes = max_history_bytes
        self.max_document_bytes = max_document_bytes
        self._docs: OrderedDict[str, AnnotationDoc] = OrderedDict()
        self._savers: dict[str, Callable[[DocChange], None]] = {}
        self._source = "edited"
        self._listeners: list[Callable[[str], None]] = []

    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str],
        *,
        store_path: str | os.PathLike[str] | None = None,
        recursive: bool = True,
        scope: Sequence[str] | None = None,
        synchronous: str = "FULL",
        **kwargs: Any,
    ) -> Workspace:
        """Open (creating if needed) the session of ``folder`` and record the images now in it
        (``scope``: only those under these folder-relative files and subfolders; see :meth:`rescan`)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise WorkspaceError(f"{folder}: no such folder")
        path = Path(store_path) if store_path is not None else locate_store(folder)
        workspace = cls(folder, SessionStore(path, folder, synchronous=synchronous), **kwargs)
        try:
            workspace.rescan(recursive=recursive, scope=scope)
        except BaseException:
            workspace.close()
            raise
        return workspace

    def rescan(self, *, recursive: bool = True, scope: Sequence[str] | None = None) -> SyncReport:
        """Look at the folder again (new, missing, moved and changed images). With ``scope`` (files and
        subfolders relative to the folder), only those are looked at and nothing else is marked missing:
        a few images opened on their own from a large folder cost a few file checks."""
        from shipviewer.airbus.images import find_images

        folder = self.store.folder
        if scope is None:
            return self.store.sync(find_images([folder], recursive=recursive))
        targets = [folder / part for part in scope if (folder / part).exists()]
        return self.store.sync(find_images(targets, recursive=recursive), complete=False)

    def close(self) -> None:
        for image_id in list(self._docs):
            self.forget_document(image_id)
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- events ---------------------------------------------------------------------------------
    def connect(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(image_id)`` after anything about that image was saved (ships, status...)."""
        self._listeners.append(listener)

    def disconnect(self, listener: Callable[[str], None]) -> None:
        self._listeners.remove(listener)

    def _changed(self, image_id: str) -> None:
        for listener in list(self._listeners):
            listener(image_id)

    # --- images ---------------------------------------------------------------------------------
    def image_ids(self) -> list[str]:
        return self.store.image_ids()

    def records(self) -> list[ImageRecord]:
        return self.store.records()

    def record(self, image_id: str) -> ImageRecord:
        return self._check(lambda: self.store.record(image_id))

    def _check(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except KeyError as exc:
            raise WorkspaceError(str(exc.args[0])) from None

    def path_of(self, image_id: str) -> Path:
        return self._check(lambda: self.store.absolute(image_id))

    def shape(self, image_id: str) -> tuple[int, int]:
        """(height, width) of an image, read from its header once and remembered."""
        known = self._check(lambda: self.store.shape(image_id))
        if known is not None:
            return known
        from shipviewer.airbus.image_size import image_size

        size = image_size(self.path_of(image_id))
        self.store.set_shape(image_id, size)
        return size

    # --- documents ------------------------------------------------------------------------------
    def document(self, image_id: str) -> AnnotationDoc:
        """The editable annotation of an image, loaded from the store; every committed step is saved.

        Recently used documents stay open with their undo history (up to ``max_document_bytes``).
        """
        doc = self._docs.get(image_id)
        if doc is not None:
            self._docs.move_to_end(image_id)
            return doc
        ships = self._check(lambda: self.store.ships(image_id))
        doc = AnnotationDoc.from_ships(
            ships, self.shape(image_id), history=History(self.max_steps, self.max_history_bytes)
        )
        saver = self._saver(image_id, doc)
        doc.connect(saver)
        self._docs[image_id] = doc
        self._savers[image_id] = saver
        self._evict()
        return doc

    def _evict(self) -> None:
        def size(d: AnnotationDoc) -> int:
            return d.labels.nbytes + d.history.nbytes

        total = sum(size(d) for d in self._docs.values())
        while len(self._docs) > 1 and total > self.max_document_bytes:
            image_id = next(iter(self._docs))
            total -= size(self._docs[image_id])
            self.forget_document(image_id)

    def forget_document(self, image_id: str) -> None:
        """Close an open document: a stroke in progress is saved, then it stops saving (its undo history
        goes; its ships are in the store). A view holding it must ask :meth:`document` again."""
        doc = self._docs.pop(image_id, None)
        if doc is None:
            return
        if doc.in_stroke:
            doc.end_stroke()
        doc.disconnect(self._savers.pop(image_id))

    def _saver(self, image_id: str, doc: AnnotationDoc) -> Callable[[DocChange], None]:
        def save(change: DocChange) -> None:
            self.store.save_ships(image_id, doc.ship_rles(change.labels), source=self._source)
            self._changed(image_id)

        return save

    @contextlib.contextmanager
    def _as_source(self, source: str) -> Iterator[None]:
        previous, self._source = self._source, source
        try:
            yield
        finally:
            self._source = previous

    # --- review ---------------------------------------------------------------------------------
    def status(self, image_id: str) -> Status:
        return self._check(lambda: self.store.status(image_id))

    def set_status(self, image_id: str, status: Status | str) -> None:
        self._check(lambda: self.store.set_status(image_id, status))
        self._changed(image_id)

    def accept(self, image_id: str, *, order: str | None = "path") -> str | None:
        """Sign the image off as right; returns the next image needing review (None when all are done,
        or when ``order`` is None: the caller looks for the next one itself).

        An image never annotated takes the model's prediction, when there is one, as its annotation.
        """
        record = self.record(image_id)
        if record.annotated is None and record.has_prediction:
            prediction = self.store.prediction(image_id)
            assert prediction is not None
            self._seed(image_id, prediction.rles)
        self.set_status(image_id, Status.ACCEPTED)
        return None if order is None else self.next_unreviewed(image_id, order=order)

    def reject(self, image_id: str, *, order: str | None = "path") -> str | None:
        """Mark the image unusable (never exported); returns the next image needing review."""
        self.set_status(image_id, Status.REJECTED)
        return None if order is None else self.next_unreviewed(image_id, order=order)

    def confirm_empty(self, image_id: str, *, order: str | None = "path") -> str | None:
        """The fast path for "no ships here": removes any ship (one undo step), marks the image confirmed
        empty; returns the next image needing review."""
        doc = self.document(image_id)
        if doc.n_ships:
            doc.clear()
        self.set_status(image_id, Status.CONFIRMED_EMPTY)
        return None if order is None else self.next_unreviewed(image_id, order=order)

    def queue(self, order: str = "path", *, needs_review_only: bool = False) -> list[str]:
        """Image ids in review order: ``path``, ``uncertainty`` (of the prediction) or ``disagreement``
        (with the imported truth: of the prediction where there is one, else of the annotation)."""
        records = self.records()
        scores = self.disagreements() if order == "disagreement" else None
        ids = order_images(records, order, scores=scores)
        if needs_review_only:
            statuses = {r.image_id: r.status for r in records}
            ids = [k for k in ids if statuses[k] in NEEDS_REVIEW]
        return ids

    def next_unreviewed(self, after: str | None = None, *, order: str = "path") -> str | None:
        """The first image needing review after ``after`` in the queue, wrapping around; None if none."""
        ids = self.queue(order)
        statuses = self.store.statuses()
        start = ids.index(after) + 1 if after in ids else 0
        for image_id in ids[start:] + ids[:start]:
            if image_id != after and statuses.get(image_id) in NEEDS_REVIEW:
                return image_id
        return None

    def progress(self) -> Progress:
        """N of M reviewed."""
        return progress_from_counts(self.store.status_counts())

    # --- the model and the truth ----------------------------------------------------------------
    def set_prediction(
        self,
        image_id: str,
        rles: Sequence[str],
        *,
        model: str,
        uncertainty: float | None = None,
        seed: bool = True,
    ) -> None:
        """Store the model's ships for an image (apart from the annotation). With ``seed``, an image
        nobody annotated yet takes them as its starting annotation (the model proposes, the user
        corrects); its status stays unreviewed."""
        self._check(lambda: self.store.set_prediction(image_id, rles, model=model, uncertainty=uncertainty))
        if seed and self.untouched(image_id):
            self._seed(image_id, rles)
        self._changed(image_id)

    def untouched(self, image_id: str) -> bool:
        """Nobody worked on the image: unreviewed, and its annotation is none or the model's proposal.

        Such an annotation follows the model (a new prediction, threshold or minimum size replaces it)
        until the first edit, import or review.
        """
        record = self.record(image_id)
        doc = self._docs.get(image_id)
        busy = doc is not None and (doc.in_stroke or doc.can_undo)
        return record.status == Status.UNREVIEWED and record.annotated in (None, "predicted") and not busy

    def _seed(self, image_id: str, rles: Sequence[str]) -> None:
        """Make the model's ships the annotation of an untouched image. Not an edit: no undo step (Ctrl+Z
        on an untouched image does nothing), and the image stays unreviewed and model-only."""
        doc = self._docs.get(image_id)
        if doc is None:
            self.store.replace_ships(image_id, list(rles), source="predicted")
            return
        with self._as_source("predicted"):
            change = doc.set_ships(list(rles), name="model prediction")
        doc.history.clear()
        if change is None:
            self.store.replace_ships(image_id, list(rles), source="predicted")

    def predict(
        self,
        image_id: str,
        session: InferenceSession,
        *,
        threshold: float | None = None,
        min_size: int | None = None,
        seed: bool = True,
    ) -> Prediction:
        """Run the model on an image and store (and maybe seed) its ships."""
        from shipviewer.airbus.images import read_image

        rles, unsure = predict_ships(
            session, read_image(self.path_of(image_id)), threshold=threshold, min_size=min_size
        )
        model = f"{session.info.name} [{session.path.name}]"
        self.set_prediction(image_id, rles, model=model, uncertainty=unsure, seed=seed)
        prediction = self.store.prediction(image_id)
        assert prediction is not None
        return prediction

    def prediction(self, image_id: str) -> Prediction | None:
        return self._check(lambda: self.store.prediction(image_id))

    def accept_prediction(self, image_id: str) -> DocChange | None:
        """Make the model's prediction the annotation (one undo step, an edit by the user)."""
        prediction = self.prediction(image_id)
        if prediction is None:
            raise WorkspaceError(f"{image_id} has no prediction to accept: run the model on it first")
        return self.document(image_id).set_ships(prediction.rles)

    def truth(self, image_id: str) -> list[str] | None:
        return self._check(lambda: self.store.truth(image_id))

    def annotation(self, image_id: str) -> list[str]:
        """The image's ships in export order (from the open document when there is one)."""
        doc = self._docs.get(image_id)
        if doc is not None:
            return doc.ships()
        return list(self._check(lambda: self.store.ships(image_id)).values())

    def metrics(self, image_id: str) -> ImageMetrics | None:
        """F2 and IoU of the annotation against the imported truth; None without a truth for it."""
        truth = self.truth(image_id)
        if truth is None:
            return None
        return image_metrics(truth, self.annotation(image_id), self.shape(image_id))

    def disagreements(self) -> dict[str, float]:
        """1 − F2 against the truth, per image with a truth: of the prediction, else of the annotation."""
        predictions = self.store.all_predictions()
        out: dict[str, float] = {}
        for image_id, truth in self.store.all_truth().items():
            other = predictions.get(image_id)
            if other is None:
                other = self.annotation(image_id)
            out[image_id] = disagreement(truth, other, self.shape(image_id))
        return out

    # --- CSV ------------------------------------------------------------------------------------
    def import_csv(
        self, path: str | os.PathLike[str], *, layer: str = "annotations", overwrite: bool = False
    ) -> ImportReport:
        """Import an Airbus CSV as annotations, truth or predictions: see :func:`.csvio.import_csv`."""
        report = import_csv(self, path, layer=layer, overwrite=overwrite)
        for image_id in report.changed:
            self._changed(image_id)
        return report

    def export_plan(self, *, reviewed_only: bool = False, include_predictions: bool = False) -> ExportPlan:
        """What :meth:`export_csv` would write, counted by kind: see :func:`.csvio.export_plan`."""
        return export_plan(self, reviewed_only=reviewed_only, include_predictions=include_predictions)

    def export_csv(
        self, path: str | os.PathLike[str], *, reviewed_only: bool = False, include_predictions: bool = False
    ) -> ExportReport:
        """Write what a person made or confirmed as an Airbus CSV: see :func:`.csvio.export_csv`."""
        for doc in self._docs.values():
            if doc.in_stroke:
                doc.end_stroke()
        return export_csv(self, path, reviewed_only=reviewed_only, include_predictions=include_predictions)

    # --- where the user was -------------------------------------------------------------------------
    def view_state(self) -> ViewState | None:
        """Where the viewer was in this folder when it last showed one of its images (None: never)."""
        raw = self.store.meta(VIEW_STATE_KEY)
        return ViewState.from_json(raw) if raw else None

    def save_view_state(self, state: ViewState) -> None:
        """Remember the image on screen, the brush size and the queue order (committed at once, so a
        killed app reopens where it was)."""
        self.store.set_meta(VIEW_STATE_KEY, state.to_json())
