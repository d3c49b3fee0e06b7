"""The viewer's coordinator: opens folders, CSVs and models, picks the image to show, runs the model.

It owns the Qt-free state (catalog, view, current image, options) and the background services, and
reports through signals; it has no widgets. The main window connects widgets to it.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from shipviewer._qt.folder_scan import FolderScanner
from shipviewer._qt.prediction import AHEAD, CURRENT, Predictor
from shipviewer._qt.thumbnails import ThumbnailLoader
from shipviewer._qt.workers import PredictFailure, PredictResult, TaskRunner, describe_error, image_pixels
from shipviewer.airbus.annotations import CsvError, ReadResult, read_csv
from shipviewer.model.inference import InferenceSession
from shipviewer.model.lru import ByteLRU
from shipviewer.model.prob_cache import ProbabilityCache, image_key, quantize
from shipviewer.viewer.catalog import Catalog, CatalogView
from shipviewer.viewer.current_image import PREDICTION, CurrentImage
from shipviewer.viewer.scan import sort_paths
from shipviewer.viewer.ship_labels import labels_from_levels
from shipviewer.viewer.view_options import ViewOptions

LOOKAHEAD = 2  # images predicted ahead of the one on screen
REFINE_DELAY_MS = 150  # a threshold slider rests this long before its outlines are refined from the image
REFINED_KEPT = 512  # images whose refined ships are kept for a switch back (a few kB each)
MAX_PROBLEMS_SHOWN = 40


class ViewerController(QObject):
    message = Signal(str)  # a line for the status bar
    error = Signal(str, str, str)  # title, text, details: for a message box
    current_changed = Signal(int)  # catalog index now shown (-1: none)
    image_shown = Signal(int)  # the pixels of that image are on screen
    prediction_shown = Signal(int)  # its prediction layer is on screen (cached or just computed)
    image_failed = Signal(int, str)  # the image cannot be shown, and why
    model_changed = Signal()
    model_timing = Signal()  # a new ms-per-image figure
    refine_changed = Signal()  # outline refinement turned on or off (Model ▸ Refine Outlines)
    state_changed = Signal()  # something that enables or disables actions
    images_opened = Signal(list)  # the absolute paths of the folders and images now browsed

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        device: str = "auto",
        tta: bool = False,
        refine: bool | None = None,
        threads: int | None = None,
        image_bytes: int = 256 << 20,
        prob_memory_bytes: int = 192 << 20,
        prob_disk_bytes: int = 1 << 30,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.device = device
        self.tta = tta  # flip test-time augmentation, a setting of the model's session
        self.refine = refine  # outlines redrawn from the image; None: as each model's metadata says
        self.ship_probabilities: dict[str, float] = {}  # image path → the gate's output, when known
        self._full_levels: tuple[str, np.ndarray] | None = None  # (path, ungated map) for the tools
        # Refined ships made in the inference thread or for an image shown before, by (path, model, threshold,
        # min size): an image switched to shows them at once instead of redoing GrabCut in the window.
        self._refined: OrderedDict[tuple[str, float, int], tuple[str, ...]] = OrderedDict()
        self._refine_later = QTimer(self)  # a slider on the move shows blobs; the outlines follow at rest
        self._refine_later.setSingleShot(True)
        self._refine_later.setInterval(REFINE_DELAY_MS)
        self._refine_later.timeout.connect(self._refine_current)
        self.catalog = Catalog()
        self.view = CatalogView(self.catalog)
        self.current = CurrentImage()
        self.options = ViewOptions()
        self.images: ByteLRU[str, np.ndarray] = ByteLRU(image_bytes)
        self.cache = ProbabilityCache(prob_memory_bytes, cache_dir, prob_disk_bytes)
        self.predictor = Predictor(self.cache, self.images, self, threads=threads)
        self.thumbnails = ThumbnailLoader(parent=self)
        self.loader = TaskRunner(2, self, background=False)  # the image the user is waiting for
        self.model_path = ""
        self.opened: list[str] = []
        self.scanner = FolderScanner(
            self.catalog, lambda index, reason: self._mark_problem(index, reason, definitive=True), self
        )
        self.scanner.finished.connect(self._on_scan_finished)
        self._reported_model_error = -1

        self.options.changed.connect(self._on_option)
        self.catalog.inserted.connect(self._on_inserted)
        self.predictor.predicted.connect(self._on_predicted)
        self.predictor.failed.connect(self._on_failed)
        self.predictor.model_loaded.connect(self._on_model_loaded)
        self.predictor.model_failed.connect(self._on_model_failed)
        self.predictor.run_finished.connect(lambda *_: self.state_changed.emit())
        self.thumbnails.failed.connect(self._on_unreadable)
        if self.cache.disk_error:
            self.message.emit(self.cache.disk_error)

    # --- opening ------------------------------------------------------------------------------------------
    @property
    def session(self) -> InferenceSession | None:
        return self.predictor.session

    @property
    def scanning(self) -> bool:
        return self.scanner.active

    def open_paths(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        """Folders and images to browse, CSVs as annotations, an ``.onnx`` as the model, in one call."""
        request = sort_paths(paths)
        if request.models:
            self.load_model(request.models[-1])
        if request.images:
            self.open_images(request.images)
        for csv_path in request.annotations:
            self.load_annotations(csv_path)

    def open_images(self, paths: list[str]) -> None:
        """Browse these folders and images (replacing what was open); found in the background."""
        self.scanner.stop()
        self.predictor.forget_queue()
        self.thumbnails.clear()
        self.catalog.clear()
        self.current.reset()
        self.current_changed.emit(-1)
        self.opened = [os.path.abspath(p) for p in paths]
        self.scanner.start(self.opened)
        self.message.emit("Looking for images in " + ", ".join(Path(p).name or p for p in self.opened) + "…")
        self.images_opened.emit(list(self.opened))
        self.state_changed.emit()

    def _on_scan_finished(self, found: int, seconds: float, problems: list[str]) -> None:
        if not found:
            self.image_failed.emit(-1, f"No images found in {', '.join(self.opened)}")
        self.message.emit(f"{found:,} images found in {seconds:.1f} s")
        if problems:
            shown = problems[:MAX_PROBLEMS_SHOWN]
            more = len(problems) - len(shown)
            details = "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
            self.error.emit(
                "Some folders could not be read",
                f"{len(problems)} folder(s) or file(s) could not be read; the rest are open.",
                details,
            )
        self.state_changed.emit()

    # --- annotations ----------------------------------------------------------------------------------------
    def load_annotations(self, csv_path: str | os.PathLike[str]) -> None:
        """Read an Airbus CSV in the background and show its ships as the ground-truth layer.

        Its ImageIds are matched by file name to the open images; with nothing open, the CSV's own
        folder is opened.
        """
        path = os.path.abspath(csv_path)
        if not len(self.catalog) and not self.scanning:
            self.open_images([os.path.dirname(path)])
        self.message.emit(f"Reading {Path(path).name}…")
        self.loader.submit(
            lambda: read_csv(path, errors="collect"),
            self._on_annotations,
            lambda exc: self.error.emit(
                "Cannot read annotations",
                str(exc) if isinstance(exc, CsvError) else f"{path}: {describe_error(exc)}",
                "",
            ),
        )

    def _on_annotations(self, result: ReadResult) -> None:
        matched = self.catalog.set_truth(result.ships)
        name = Path(result.path).name
        where = "matched to images as they are found" if self.scanning else f"{matched:,} of them open"
        self.message.emit(f"{name}: {result.n_ships:,} ships on {len(result.ships):,} images; {where}")
        if self.current.index >= 0:
            self.current.set_truth(self.catalog.truth_for(self.current.index))
            self._report_truth_error()
        if result.problems:
            shown = [str(p) for p in result.problems[:MAX_PROBLEMS_SHOWN]]
            self.error.emit(
                "Some annotation rows were skipped",
                f"{len(result.problems)} row(s) of {name} could not be used; the others are loaded.",
                "\n".join(shown),
            )
        self.state_changed.emit()

    def _report_truth_error(self) -> None:
        if self.current.truth_error:
            self.message.emit(f"{Path(self.current.path).name}: {self.current.truth_error}")

    # --- showing an image -----------------------------------------------------------------------------
    def show_index(self, index: int) -> None:
        """Show catalog entry ``index``: its pixels (cached or loaded), truth and prediction."""
        if index == self.current.index or not 0 <= index < len(self.catalog):
            return
        entry = self.catalog[index]
        self.view.pin(index)
        self._remember_refined()
        self.current.reset(index, entry.path)
        self.current.set_truth(self.catalog.truth_for(index))
        self.current_changed.emit(index)
        self.state_changed.emit()
        if entry.problem:
            self.image_failed.emit(index, f"{entry.name}: {entry.problem}")
            return
        try:
            rgb = self.images.get(image_key(entry.path, ""))
        except OSError as exc:
            self._mark_problem(index, describe_error(exc))
            return
        if rgb is not None:
            self._on_image(index, entry.path, rgb)
        else:
            path = entry.path
            self.loader.submit(
                lambda: self._read(path),
                lambda rgb: self._on_image(index, path, rgb),
                lambda exc: self._on_image_error(index, path, exc),
                priority=1,
            )
        self._predict_current(index, entry.path)
        self._predict_ahead(index)

    def _read(self, path: str) -> np.ndarray:
        return image_pixels(self.images, path)

    def _on_image(self, index: int, path: str, rgb: np.ndarray) -> None:
        if index != self.current.index or path != self.current.path:
            return
        if self.current.levels is not None and self.current.levels.shape != rgb.shape[:2]:
            self.current.levels = None  # the file changed since it was predicted
        self.current.set_image(rgb)
        if self.current.refine and self.current.levels is not None:  # the outlines followed the pixels
            self.catalog.set_prediction(index, self.current.counts[PREDICTION])
            self.prediction_shown.emit(index)
        self._report_truth_error()
        self.image_shown.emit(index)

    def _on_image_error(self, index: int, path: str, exc: BaseException) -> None:
        if index < len(self.catalog) and self.catalog[index].path == path:
            self._mark_problem(index, describe_error(exc))

    def _mark_problem(self, index: int, reason: str, *, definitive: bool = False) -> None:
        """Mark an entry unusable; the reason is shown without the path the list already shows."""
        if index < 0:
            return
        reason = reason.removeprefix(f"{self.catalog[index].path}: ")
        self.catalog.set_problem(index, reason, definitive=definitive)
        if index == self.current.index:
            self.image_failed.emit(index, f"{self.catalog[index].name}: {reason}")

    def _on_unreadable(self, path: str, reason: str) -> None:
        self._mark_problem(self.catalog.index_of(path), reason)

    def step(self, rows: int) -> None:
        """Show the image ``rows`` rows away in the list, passing over images marked as unusable."""
        index = self.current.index
        direction = 1 if rows > 0 else -1
        for _ in range(abs(rows)):
            index = self._next_usable(index, direction)
        if index >= 0:
            self.show_index(index)

    def _next_usable(self, index: int, direction: int) -> int:
        candidate = index
        while True:
            following = self.view.neighbour(candidate, direction)
            if following < 0 or following == candidate:
                return index
            candidate = following
            if not self.catalog[candidate].problem:
                return candidate

    def show_row(self, row: int) -> None:
        """Show the image at a view row (negative rows count from the end)."""
        if len(self.view):
            self.show_index(self.view.index_at(row % len(self.view)))

    # --- prediction ----------------------------------------------------------------------------------------
    def _predict_current(self, index: int, path: str) -> None:
        levels = self.predictor.cached(path)
        if levels is not None:
            self._apply_levels(index, levels)
        elif self.predictor.request(index, path, CURRENT):
            self.message.emit(f"Predicting {Path(path).name}…")

    def _predict_ahead(self, index: int) -> None:
        if self.session is None:
            return
        ahead = index
        for _ in range(LOOKAHEAD):
            ahead = self._next_usable(ahead, 1)
            if ahead == index or ahead < 0:
                break
            path = self.catalog[ahead].path
            if self.predictor.cached(path) is None:
                self.predictor.request(ahead, path, AHEAD)

    def _apply_levels(self, index: int, levels: np.ndarray, result: PredictResult | None = None) -> None:
        params = (self.options.threshold, self.options.min_size)
        ships = result.ships if result is not None and result.params == params else None
        if ships is None:
            key = self._refined_key(self.current.path, params)
            ships = self._refined.get(key) if key is not None else None
        try:
            count = self.current.set_levels(levels, *params, ships=ships)
        except ValueError as exc:
            self.message.emit(f"{Path(self.current.path).name}: {exc}")
            return
        self.catalog.set_prediction(index, count)
        self.prediction_shown.emit(index)

    def _on_predicted(self, result: PredictResult) -> None:
        if result.index >= len(self.catalog) or self.catalog[result.index].path != result.path:
            return
        if result.ship_probability is not None:
            self.ship_probabilities[result.path] = result.ship_probability
        current_model = result.generation == self.predictor.generation
        if result.ships is not None and result.params is not None and current_model:
            self._keep_refined(result.path, result.params, result.ships)
        if result.ms is not None or result.index == self.current.index:
            self.model_timing.emit()
        if result.index != self.current.index:
            n_ships = result.n_ships
            session = self.session
            if session is not None and session.refine != (result.ships is not None):
                # Refinement turned on or off while the job ran: the model's blobs, counted now.
                n_ships = labels_from_levels(result.levels, self.options.threshold, self.options.min_size)[1]
            self.catalog.set_prediction(result.index, n_ships)
        elif self.current.levels is None:
            self._apply_levels(result.index, result.levels, result)
        # else: the image on screen is labelled already, at the thresholds in force now

    def _on_failed(self, failure: PredictFailure) -> None:
        if failure.model_error:
            if self._reported_model_error != self.predictor.generation:
                self._reported_model_error = self.predictor.generation
                self.error.emit("The model failed", failure.message, "")
            return
        if failure.index < len(self.catalog) and self.catalog[failure.index].path == failure.path:
            self._mark_problem(failure.index, failure.message)

    def predict_all(self) -> int:
        """Queue every image not predicted yet; returns how many."""
        queued = self.predictor.predict_all(self.catalog.unpredicted())
        self.message.emit(f"Predicting {queued:,} images…" if queued else "Every image is predicted already")
        self.state_changed.emit()
        return queued

    def cancel_predict_all(self) -> None:
        self.predictor.cancel_run()
        self.message.emit("Predict all cancelled")
        self.state_changed.emit()

    def _on_inserted(self, start: int, count: int) -> None:
        if self.current.index < 0 and len(self.view):
            self.show_index(self.view.index_at(0))
        if self.predictor.running:
            catalog = self.catalog
            self.predictor.extend_run((i, catalog[i].path) for i in range(start, start + count))

    # --- model -------------------------------------------------------------------------------------------
    def load_model(self, path: str | os.PathLike[str], device: str | None = None) -> None:
        if device is not None:
            self.device = device
        self.message.emit(f"Opening model {Path(path).name}…")
        self.ship_probabilities.clear()  # the gate's values belong to the model that made them
        self._full_levels = None
        self.predictor.load_model(os.path.abspath(path), self.device, tta=self.tta, refine=self.refine)

    def set_device(self, device: str) -> None:
        self.device = device
        if self.model_path:
            self.load_model(self.model_path)

    def set_tta(self, on: bool) -> None:
        """Flip test-time augmentation on or off: the model is opened again, and its maps are new ones
        (cached apart from the plain maps)."""
        if on == self.tta:
            return
        self.tta = on
        if self.model_path:
            self.load_model(self.model_path)

    def set_refine(self, on: bool) -> None:
        """Redraw predicted outlines from the image, or show the model's own: the maps stay, the ships of
        the image on screen are labelled again at once (and stored again: ``refine_changed``)."""
        self.refine = on
        session = self.session
        if session is None or session.refine == on:
            return
        session.refine = on
        self.current.set_refine(on)
        if self.current.levels is not None and self.current.index >= 0:  # as a new threshold does
            self.catalog.set_prediction(self.current.index, self.current.counts[PREDICTION])
            self.prediction_shown.emit(self.current.index)
        self.refine_changed.emit()
        self.model_timing.emit()  # the status bar's model text says which
        self.message.emit(
            "Outlines redrawn from the image (GrabCut around each predicted ship)"
            if on
            else "Outlines as the model draws them (refinement off)"
        )

    def _refined_key(self, path: str, params: tuple[float, int]) -> tuple[str, float, int] | None:
        """Refined ships are kept per version of the file (its size and time) and model."""
        try:
            return (image_key(path, self.predictor.model_id), *params)
        except OSError:
            return None

    def _keep_refined(self, path: str, params: tuple[float, int], ships: Sequence[str]) -> None:
        key = self._refined_key(path, params)
        if key is None:
            return
        self._refined[key] = tuple(ships)
        self._refined.move_to_end(key)
        while len(self._refined) > REFINED_KEPT:
            self._refined.popitem(last=False)

    def _remember_refined(self) -> None:
        """Keep the image on screen's refined ships for when it is shown again."""
        params = (self.options.threshold, self.options.min_size)
        ships = self.current.refined_ships(*params) if self.current.path else None
        if ships is not None:
            self._keep_refined(self.current.path, params, ships)

    def current_refined_ships(self) -> list[str] | None:
        """The image on screen's refined ships at the thresholds in force (refined now if a moving slider
        left them for later); None where outlines are not refined."""
        if self.current.refine_pending:
            self._refine_later.stop()
            self._refine_current()
        return self.current.refined_ships(self.options.threshold, self.options.min_size)

    def _refine_current(self) -> None:
        """The slider has come to rest: the image on screen's refined outlines replace the blobs."""
        if not self.current.refine_pending:
            return
        count = self.current.rethreshold(self.options.threshold, self.options.min_size)
        self.catalog.set_prediction(self.current.index, count)
        self.prediction_shown.emit(self.current.index)

    def _on_model_loaded(self, session: InferenceSession) -> None:
        switched = bool(self.model_path)  # not the first model: the stored predictions are another's
        self.model_path = str(session.path)
        self._refined.clear()  # another model's ships
        if self.refine is not None:  # the user's choice, also when made while the model was opening
            session.refine = self.refine
        self.current.clear_prediction()  # the old model's ships are not this one's
        meta = session.metadata
        self.current.split_touching, self.current.seam = meta.split_touching, meta.seam
        self.current.set_refine(session.refine)
        self.options.threshold = meta.threshold
        self.options.min_size = meta.min_size
        self.predictor.set_params(self.options.threshold, self.options.min_size)
        if switched:
            # (At start-up the rows keep the predictions the session holds: all went back to 'not
            # predicted' after a restart until each image was visited again.)
            self.catalog.forget_predictions()
        self.message.emit(f"Model {session.describe()}")
        self.model_changed.emit()
        self.state_changed.emit()
        if self.current.index >= 0 and self.catalog[self.current.index].problem is None:
            self._predict_current(self.current.index, self.current.path)
            self._predict_ahead(self.current.index)

    def _on_model_failed(self, path: str, message: str) -> None:
        keep = (
            f"The previous model ({Path(self.model_path).name}) stays active."
            if self.model_path
            else "No model is loaded."
        )
        self.error.emit("Cannot open the model", f"{message}\n\n{keep}", "")
        self.message.emit(f"Cannot open {Path(path).name}")

    def model_text(self) -> str:
        session = self.session
        if session is None:
            return ""
        ms = self.predictor.last_ms
        timing = "" if math.isnan(ms) else f" · {ms:.0f} ms/image"
        tta = " · flip TTA" if session.tta else ""
        refine = " · outlines refined" if session.refine else ""
        return f"{session.info.name} · {session.device_name}{tta}{refine}{timing}{self._gate_text()}"

    def full_levels(self) -> np.ndarray | None:
        """The image on screen's probability map for the editing tools, even where the ship/no-ship gate
        rejected the image (its shown map is then all zeros, but a user adding a ship the gate missed still
        wants the model's hint there). Computed on first use for such an image (one decoder run) and kept."""
        levels, session, path = self.current.levels, self.session, self.current.path
        if levels is None or session is None or session.gate_threshold is None or levels.any():
            return levels
        if self._full_levels is not None and self._full_levels[0] == path:
            return self._full_levels[1]
        if self.current.rgb is None:
            return levels
        full = quantize(session.probabilities(self.current.rgb))
        self._full_levels = (path, full)
        return full

    def _gate_text(self) -> str:
        """The image on screen's ship probability, for a model with the ship/no-ship gate."""
        session = self.session
        if session is None or session.gate_threshold is None or not self.current.path:
            return ""
        ship = self.ship_probabilities.get(self.current.path)
        if ship is None:
            return ""
        verdict = "" if ship >= session.gate_threshold else f" < gate {session.gate_threshold:.2f}: no ships"
        return f" · p(ship) {ship:.2f}{verdict}"

    # --- options -------------------------------------------------------------------------------------------
    def _on_option(self, name: str, _value: object) -> None:
        if name not in ("threshold", "min_size"):
            return
        self.predictor.set_params(self.options.threshold, self.options.min_size)
        if self.current.levels is not None:
            count = self.current.rethreshold(self.options.threshold, self.options.min_size, quick=True)
            self.catalog.set_prediction(self.current.index, count)
            self.prediction_shown.emit(self.current.index)
            if self.current.refine_pending:
                self._refine_later.start()

    # --- shutdown -------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop every background thread and wait for it."""
        self.scanner.stop()
        self.predictor.shutdown()
        self.thumbnails.close()
        self.loader.wait()
