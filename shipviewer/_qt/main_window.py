"""The main window: lays out the widgets and connects them and the actions to the controller."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import QSettings, QSignalBlocker, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QWidget,
)

from shipviewer import __version__
from shipviewer._qt.actions import ActionState, create_actions, shortcut_table
from shipviewer._qt.banner import FIRST_LAUNCH_HINT, BannerStack
from shipviewer._qt.canvas import ImageCanvas
from shipviewer._qt.controller import ViewerController
from shipviewer._qt.controls import OverlayPanel
from shipviewer._qt.dialogs import HelpDialog, ModelInfoDialog, help_html, show_message
from shipviewer._qt.edit_actions import create_edit_actions, update_edit_actions
from shipviewer._qt.editing import EditController
from shipviewer._qt.export_dialog import ExportDialog
from shipviewer._qt.icons import icon
from shipviewer._qt.image_list import ImageListPanel
from shipviewer._qt.models_menu import install_models_menu
from shipviewer._qt.qimage import rgb_to_pixmap
from shipviewer._qt.review_bar import ReviewBar
from shipviewer._qt.settings import ViewerSettings, default_cache_dir
from shipviewer._qt.status_bar import NO_MODEL, ViewerStatusBar
from shipviewer._qt.tools import Tool, ToolDriver
from shipviewer.model.inference import available_devices
from shipviewer.viewer.current_image import ANNOTATION, PREDICTION, TRUTH
from shipviewer.viewer.label_render import STYLES
from shipviewer.viewer.scan import sort_paths

WELCOME = (
    "Open a folder of images: Ctrl+O, or drop it here\n"
    "(images, an Airbus CSV of ground truth and an .onnx model can be dropped too)\n\n"
    "Blue fill: your annotation · yellow-black dashes: the model · orange outline: ground truth\n"
    "Review keys: A accept · N no ships · X reject        F1: every key"
)
# Actions that change the annotation: off (with the banner saying why) while the image cannot be edited.
EDITING_ACTIONS = (
    *(f"tool_{t.value}" for t in Tool if t is not Tool.SELECT),
    "brush_bigger",
    "brush_smaller",
    "delete_selected",
)
CSV_FILTER = "Airbus CSV (*.csv);;All files (*)"
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp);;All files (*)"


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        settings: QSettings | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        device: str | None = None,
        threads: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = ViewerSettings(settings)
        self.controller = ViewerController(
            cache_dir=cache_dir if cache_dir is not None else default_cache_dir(),
            device=device or self.settings.device,
            tta=self.settings.flip_tta,
            refine=self.settings.refine_outlines,
            threads=threads,
            parent=self,
        )
        c = self.controller
        self.edit = EditController(c, self)
        self.setWindowTitle("ShipViewer")
        self.setWindowIcon(icon("shipviewer"))
        self.setAcceptDrops(True)
        self.view_menu: QMenu | None = None

        self.canvas = ImageCanvas(self)
        self.canvas.editing = True
        for name, layer in self.canvas.layers.items():
            layer.set_look(STYLES[name])  # distinct colours and patterns per layer (issue #11)
        # The model's dashes over the annotation's fill: where the user kept the model's ship both show.
        self.canvas.layers[PREDICTION].setZValue(self.canvas.layers[ANNOTATION].zValue() + 0.5)
        self.setCentralWidget(self.canvas)
        self.banners = BannerStack(self.canvas)
        self.hint, self.banner = self.banners.hint, self.banners.editing
        self.tools = ToolDriver(self.canvas, self.edit, self)
        self.image_list = ImageListPanel(c.view, c.thumbnails, self)
        self.overlay_panel = OverlayPanel(c.options, self)
        self.list_dock = self._dock(
            "Images", "images-dock", self.image_list, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        overlay_scroll = QScrollArea()  # the panel with its legend scrolls rather than set a window height
        overlay_scroll.setWidget(self.overlay_panel)
        overlay_scroll.setWidgetResizable(True)
        overlay_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        overlay_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        overlay_scroll.setMinimumWidth(self.overlay_panel.minimumSizeHint().width())
        self.overlay_dock = self._dock(
            "Overlay", "overlay-dock", overlay_scroll, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.resizeDocks([self.list_dock], [320], Qt.Orientation.Horizontal)
        self.status = ViewerStatusBar(self)
        self.setStatusBar(self.status)
        self.actions_ = create_actions(self, self)
        self.edit_widgets = create_edit_actions(self.actions_, self, self.edit, self.tools, self)
        self.review_bar = ReviewBar(self, self.actions_, self.edit)
        self._arrange_toolbars()
        self.models_menu = install_models_menu(self)  # Improve Model…, Models of This Folder
        assert self.view_menu is not None
        self.view_menu.addAction(self.list_dock.toggleViewAction())
        self.view_menu.addAction(self.overlay_dock.toggleViewAction())
        self.actions_.set_devices(available_devices(), c.device, self.choose_device)
        self.actions_["flip_tta"].setChecked(c.tta)

        self.settings.load_options(c.options)
        self._restore_window()
        self._connect()
        self._sync_option_actions()
        self._apply_layer_style()
        self._update_recent_menu()
        self._update_model_text()
        self._update_actions()
        self.canvas.show_message(WELCOME)
        if not self.settings.hint_dismissed:
            self.hint.show_text("info", FIRST_LAUNCH_HINT)

    def _arrange_toolbars(self) -> None:
        """Main and review tool bars on the first row (both whole at 1280 px), the edit tools below."""
        edit_bar = self.findChild(QToolBar, "edit-toolbar")
        if edit_bar is None:
            return
        self.removeToolBarBreak(edit_bar)
        self.removeToolBar(self.review_bar.toolbar)
        self.insertToolBar(edit_bar, self.review_bar.toolbar)
        self.review_bar.toolbar.show()
        self.insertToolBarBreak(edit_bar)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        c = self.controller
        c.message.connect(lambda text: self.status.showMessage(text, 8000))
        c.error.connect(self._show_error)
        c.current_changed.connect(self._on_current_changed)
        c.prediction_shown.connect(self._on_prediction_shown)
        c.image_failed.connect(self._on_image_failed)
        c.model_changed.connect(self._on_model_changed)
        c.model_timing.connect(self._update_model_text)
        c.state_changed.connect(self._update_actions)
        c.current.image_changed.connect(self._on_image_changed)
        c.current.layer_changed.connect(self._on_layer_changed)
        c.options.changed.connect(self._on_option)
        c.predictor.model_loading.connect(
            lambda path: self.status.set_model_text(f"opening {Path(path).name}…")
        )
        c.predictor.model_failed.connect(lambda *_: self._update_model_text())
        c.predictor.run_progress.connect(
            lambda done, total, left: self.status.show_progress((done, total, left))
        )
        c.predictor.run_finished.connect(self._on_run_finished)
        self.image_list.current_changed.connect(c.show_index)
        self.image_list.search_done.connect(self.canvas.setFocus)
        self.hint.dismissed.connect(lambda: setattr(self.settings, "hint_dismissed", True))
        self.canvas.cursor_moved.connect(self._on_cursor)
        self.status.cancel_requested.connect(self.cancel_predict_all)
        e = self.edit
        e.message.connect(lambda text: self.status.showMessage(text, 8000))
        e.error.connect(self._show_error)
        e.state_changed.connect(self._update_actions)
        e.selection_changed.connect(self._on_selection)
        e.review_changed.connect(self._update_review_text)

    # --- starting ----------------------------------------------------------------------------------------
    def start(self, paths: list[str], model: str | None = None, *, default_model: bool = True) -> None:
        """What ``shipviewer [PATH...]`` opens: the paths (or the bundled samples) and the model
        (``model``, else the bundled one, else the last one opened; none with ``default_model=False``)."""
        from resources import default_model_path, samples_dir

        if model:
            self.controller.load_model(model)
        elif default_model and not any(str(p).lower().endswith(".onnx") for p in paths):
            remembered = self.settings.model_path
            bundled = default_model_path(self.controller.device or "auto")  # int8 on a CPU
            if bundled.is_file():
                self.controller.load_model(bundled)
            elif remembered and Path(remembered).is_file():
                self.controller.load_model(remembered)
        if not paths:
            samples = samples_dir()
            if samples.is_dir() and any(samples.glob("*.jpg")):
                paths = [str(samples)] + (
                    [str(samples / "labels.csv")] if (samples / "labels.csv").is_file() else []
                )
        if paths:
            self.open_paths(paths)

    def open_paths(self, paths: list[str]) -> None:
        """Folders and images to browse, an ``.onnx`` as the model; CSVs become the ground truth of the
        folders' sessions (scored at once, every bad row listed)."""
        folders = [p for p in paths if os.path.isdir(p)]
        for folder in folders:
            self.settings.add_recent_folder(folder)
        if folders:
            self._update_recent_menu()
        request = sort_paths(paths)
        self.controller.open_paths([*request.models, *request.images])
        for csv_path in request.annotations:
            self.edit.load_truth(csv_path)

    # --- drag and drop -----------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    # --- controller → widgets ----------------------------------------------------------------------------
    def _on_current_changed(self, index: int) -> None:
        self.image_list.select(index)
        name = self.controller.catalog[index].name if index >= 0 else ""
        self.setWindowTitle(f"{name} — ShipViewer" if name else "ShipViewer")
        self.status.set_cursor_text("")  # it named the last image's pixel and ships until the mouse moved

    def _on_image_failed(self, index: int, text: str) -> None:
        self.canvas.show_message(text)
        self._on_prediction_shown(index)

    def _on_prediction_shown(self, _index: int) -> None:
        if self.status.currentMessage().startswith("Predicting "):
            self.status.clearMessage()

    def _on_image_changed(self) -> None:
        rgb = self.controller.current.rgb
        if rgb is not None:
            self.canvas.set_pixmap(rgb_to_pixmap(rgb))
        self._update_model_text()  # the image's ship probability, for a gated model

    def _on_layer_changed(self, layer: str, box: tuple[int, int, int, int] | None) -> None:
        labels = self.controller.current.labels[layer]
        if box is not None and labels is not None and self.canvas.layers[layer].labels is labels:
            self.canvas.redraw_layer(layer, box)
            if layer == ANNOTATION:
                return  # a brush segment: nothing else to update
        else:
            self.canvas.set_layer(layer, labels)
        if layer in (PREDICTION, ANNOTATION):
            self._apply_layer_style()
        else:
            self._update_actions()

    def _on_option(self, name: str, _value: object) -> None:
        if name not in ("threshold", "min_size"):
            self._apply_layer_style()
            self._sync_option_actions()

    def _apply_layer_style(self) -> None:
        o = self.controller.options
        predicted = self.controller.current.labels[PREDICTION] is not None
        both = o.show_prediction and o.show_truth and predicted
        editing = self.controller.current.labels[ANNOTATION] is not None
        self.canvas.set_layer_visible(PREDICTION, o.overlay_visible and o.show_prediction)
        self.canvas.set_layer_visible(TRUTH, o.overlay_visible and o.show_truth)
        self.canvas.set_layer_visible(ANNOTATION, o.overlay_visible)
        self.canvas.set_layer_style(ANNOTATION, o.opacity, o.outline_only)
        # Under the editable annotation, the model's ships are outlines: what the user changed shows.
        self.canvas.set_layer_style(PREDICTION, o.opacity, o.outline_only or editing)
        # Shown together, the truth is outlined so the prediction's (or the annotation's) fill stays readable.
        self.canvas.set_layer_style(TRUTH, o.opacity, o.outline_only or both or editing)

    def _sync_option_actions(self) -> None:
        o = self.controller.options
        for name, value in (
            ("toggle_overlay", o.overlay_visible),
            ("outline_only", o.outline_only),
            ("show_prediction", o.show_prediction),
            ("show_truth", o.show_truth),
        ):
            action = self.actions_[name]
            with QSignalBlocker(action):
                action.setChecked(value)

    def _on_cursor(self, x: int, y: int) -> None:
        if x < 0:
            self.status.set_cursor_text("")
            return
        current = self.controller.current
        parts = [f"x {x}, y {y}"]
        probability = current.probability_at(x, y)
        if probability is not None:
            parts.append(f"p {probability:.2f}")
        parts += [str(hit) for hit in current.ships_at(x, y)]
        self.status.set_cursor_text(" · ".join(parts))

    def _on_selection(self) -> None:
        self.canvas.set_selection(self.edit.selection_boxes())
        update_edit_actions(self.actions_, self.edit)
        self._update_review_text()

    def _update_review_text(self) -> None:
        self.status.set_review_text(self.edit.review_text())

    def _on_model_changed(self) -> None:
        self.settings.model_path = self.controller.model_path
        session = self.controller.session
        action = self.actions_["refine_outlines"]
        with QSignalBlocker(action):  # showing the model's advice is not the user's choice
            action.setChecked(session is not None and session.refine)
        self._update_model_text()

    def _update_model_text(self) -> None:
        self.status.set_model_text(self.controller.model_text() or NO_MODEL)

    def _on_run_finished(self, done: int, total: int, cancelled: bool) -> None:
        self.status.show_progress(None)
        word = "cancelled after" if cancelled else "done:"
        self.status.showMessage(f"Predict all {word} {done:,} of {total:,} images", 8000)
        self._update_actions()

    def _show_error(self, title: str, text: str, details: str) -> None:
        show_message(self, title, text, details=details)

    def _update_actions(self) -> None:
        c = self.controller
        self.actions_.update(
            ActionState(
                has_images=len(c.catalog) > 0,
                has_current=c.current.index >= 0,
                has_model=c.session is not None,
                running=c.predictor.running,
                has_truth=bool(c.catalog.truth),
            )
        )
        update_edit_actions(self.actions_, self.edit)
        for name in EDITING_ACTIONS:
            self.actions_[name].setEnabled(self.edit.can_edit)
        self.banner.show_text(*self.edit.editing_status())

    def _update_recent_menu(self) -> None:
        menu = self.actions_.recent_menu
        assert menu is not None
        menu.clear()
        for folder in self.settings.recent_folders():
            action = menu.addAction(folder)
            action.triggered.connect(lambda _checked=False, f=folder: self.open_paths([f]))
        menu.addSeparator()
        menu.addAction(self.actions_["clear_recent"])
        menu.setEnabled(bool(self.settings.recent_folders()))

    # --- action handlers ---------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open Folder", self.settings.last_dir)
        if folder:
            self.settings.last_dir = folder
            self.open_paths([folder])

    def choose_images(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open Images", self.settings.last_dir, IMAGE_FILTER)
        if files:
            self.settings.last_dir = str(Path(files[0]).parent)
            self.open_paths(files)

    def choose_annotations(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Ground Truth", self._csv_dir(), "Airbus CSV (*.csv);;All files (*)"
        )
        if path:
            self.edit.load_truth(path)

    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Model", self.settings.last_dir, "ONNX models (*.onnx);;All files (*)"
        )
        if path:
            self.controller.load_model(path)

    def choose_device(self, device: str) -> None:
        self.settings.device = device
        self.controller.set_device(device)

    def set_flip_tta(self, on: bool) -> None:
        self.settings.flip_tta = on
        self.controller.set_tta(on)

    def set_refine_outlines(self, on: bool) -> None:
        self.settings.refine_outlines = on
        self.controller.set_refine(on)

    def clear_recent(self) -> None:
        self.settings.clear_recent_folders()
        self._update_recent_menu()

    def go_next(self) -> None:
        self.controller.step(+1)

    def go_previous(self) -> None:
        self.controller.step(-1)

    def go_first(self) -> None:
        self.controller.show_row(0)

    def go_last(self) -> None:
        self.controller.show_row(-1)

    def zoom_in(self) -> None:
        self.canvas.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.canvas.zoom_by(0.8)

    def zoom_fit(self) -> None:
        self.canvas.fit()

    def zoom_actual(self) -> None:
        self.canvas.zoom_1to1()

    def set_overlay_visible(self, on: bool) -> None:
        self.controller.options.overlay_visible = on

    def set_outline_only(self, on: bool) -> None:
        self.controller.options.outline_only = on

    def set_show_prediction(self, on: bool) -> None:
        self.controller.options.show_prediction = on

    def set_show_truth(self, on: bool) -> None:
        self.controller.options.show_truth = on

    def step_threshold(self, delta: float) -> None:
        options = self.controller.options
        options.threshold = round(min(max(options.threshold + delta, 0.01), 0.99), 2)

    def step_opacity(self, delta: float) -> None:
        options = self.controller.options
        options.opacity = round(options.opacity + delta, 2)

    def focus_search(self) -> None:
        self.list_dock.show()
        self.image_list.search.setFocus()
        self.image_list.search.selectAll()

    def set_full_screen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def _csv_dir(self) -> str:
        """Where a CSV dialog starts: the open folder, or the folder above it when only that holds CSV
        files (the Kaggle layout: ``train_v2/`` beside ``train_ship_segmentations_v2.csv``)."""
        workspace = self.edit.workspace
        if workspace is None:
            return self.settings.last_dir
        folder = Path(workspace.folder)
        for place in (folder, folder.parent):
            with contextlib.suppress(OSError), os.scandir(place) as entries:
                if any(e.name.lower().endswith(".csv") for e in entries):  # stops at the first
                    return str(place)
        return str(folder)

    def choose_import_annotations(self) -> None:
        self._choose_import("annotations")

    def choose_import_truth(self) -> None:
        self._choose_import("truth")

    def _choose_import(self, layer: str) -> None:
        title = "Import Annotations" if layer == "annotations" else "Import Ground Truth"
        path, _ = QFileDialog.getOpenFileName(self, title, self._csv_dir(), CSV_FILTER)
        if path:
            self.edit.import_csv(path, layer)

    def choose_export(self, *, reviewed_only: bool = False) -> ExportDialog | None:
        """The export dialog: folder and file name, what to include, and the counts before writing."""
        if not self.edit.export_workspaces():
            self.status.showMessage("Export: open a folder first", 8000)
            return None
        dialog = ExportDialog(self.edit, self.settings, reviewed_only=reviewed_only, parent=self)
        dialog.open()
        return dialog

    def choose_export_reviewed(self) -> None:
        self.choose_export(reviewed_only=True)

    def predict_all(self) -> None:
        self.controller.predict_all()

    def cancel_predict_all(self) -> None:
        if self.controller.predictor.running:
            self.controller.cancel_predict_all()

    def show_model_info(self) -> None:
        if self.controller.session is not None:
            ModelInfoDialog(self.controller.session, self).show()

    def show_shortcuts(self) -> HelpDialog:
        extra = [
            ("Zoom around the cursor", "Mouse wheel"),
            ("Pan", "Space + drag, or middle button drag"),
            ("Select another ship as well", "Ctrl + click"),
            ("Click to Segment: not this", "Shift + click, or right click"),
            ("Click to Segment: finish the ship", "Enter, or Escape"),
        ]
        dialog = HelpDialog(help_html(shortcut_table(self.actions_), extra), self)
        dialog.show()
        return dialog

    def show_about(self) -> None:
        text = (
            f"<b>ShipViewer {__version__}</b><br>Find, review and correct ship masks on Airbus Ship "
            "Detection "
            "images.<br>Probability maps are cached in:<br>"
            f"<code>{self.controller.cache.disk_dir or 'memory only'}</code>"
        )
        show_message(self, "About ShipViewer", text, icon=QMessageBox.Icon.Information)

    # --- window state ------------------------------------------------------------------------------------
    def _restore_window(self) -> None:
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 860)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.settings.save_window_state(self.saveGeometry(), self.saveState())
        self.settings.save_options(self.controller.options)
        self.settings.device = self.controller.device
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop background work (idempotent); called on close."""
        if not getattr(self, "_shut_down", False):
            self._shut_down = True
            self.edit.close()
            self.controller.shutdown()
