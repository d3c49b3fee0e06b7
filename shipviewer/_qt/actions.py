"""Every command of the viewer as a QAction with its shortcut, placed in the menus and the toolbar.

``create_actions`` builds them (one place lists them all) and ``Actions.update`` enables or disables
them from the window's state, in the manner of the Qt examples' ``_create_actions``/``_update_actions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from shipviewer._qt.icons import icon

Keys = str | QKeySequence.StandardKey | list[str]


@dataclass(frozen=True)
class ActionState:
    has_images: bool
    has_current: bool
    has_model: bool
    running: bool
    has_truth: bool


class Actions(QObject):
    """The window's actions by name (``actions["next"]``) and its recent-folders menu."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.by_name: dict[str, QAction] = {}
        self.recent_menu: QMenu | None = None
        self.device_menu: QMenu | None = None
        self.device_group = QActionGroup(self)
        self.device_group.setExclusive(True)

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def add(
        self,
        name: str,
        text: str,
        slot: Callable[..., object],
        keys: Keys | None = None,
        *,
        icon_name: str = "",
        tip: str = "",
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if icon_name:
            action.setIcon(icon(icon_name))
        if isinstance(keys, list):
            action.setShortcuts([QKeySequence(k) for k in keys])
        elif keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(
            f"{tip or text.replace('…', '').replace('&', '')}" + (f" ({shortcut})" if shortcut else "")
        )
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.window.addAction(action)  # shortcuts work even with the menu bar hidden
        self.by_name[name] = action
        return action

    def set_devices(self, devices: list[str], current: str, slot: Callable[[str], None]) -> None:
        """Fill Model ▸ Device with ``auto`` and the devices onnxruntime offers."""
        assert self.device_menu is not None
        self.device_menu.clear()
        for action in self.device_group.actions():
            self.device_group.removeAction(action)
        for device in ["auto", *devices]:
            action = QAction(
                device.upper() if device != "auto" else "Automatic (best available)", self.window
            )
            action.setObjectName(f"device-{device}")
            action.setCheckable(True)
            action.setChecked(device == current)
            action.triggered.connect(lambda _checked=False, d=device: slot(d))
            self.device_group.addAction(action)
            self.device_menu.addAction(action)

    def update(self, state: ActionState) -> None:
        enable = {
            "next": state.has_images,
            "previous": state.has_images,
            "first": state.has_images,
            "last": state.has_images,
            "zoom_in": state.has_current,
            "zoom_out": state.has_current,
            "fit": state.has_current,
            "actual_size": state.has_current,
            "predict_all": state.has_model and state.has_images and not state.running,
            "cancel": state.running,
            "model_info": state.has_model,
        }
        for name, on in enable.items():
            self.by_name[name].setEnabled(on)


def create_actions(window: QMainWindow, handlers: object) -> Actions:
    """Build every action, connected to methods of ``handlers`` (the main window), and the menus."""
    a = Actions(window)
    h = handlers
    std = QKeySequence.StandardKey
    a.add("open_folder", "Open &Folder…", h.choose_folder, std.Open, icon_name="open-folder")
    a.add("open_images", "Open &Images…", h.choose_images, "Ctrl+Shift+O", icon_name="open-image")
    a.add(
        "open_annotations",
        "Open &Ground Truth (CSV)…",
        h.choose_annotations,
        "Ctrl+L",
        icon_name="open-csv",
        tip="Open an Airbus CSV as the ground truth of the open folders (scored at once)",
    )
    a.add("clear_recent", "Clear Recent Folders", h.clear_recent)
    a.add("quit", "&Quit", window.close, std.Quit)

    a.add("next", "&Next Image", h.go_next, ["Right", "PgDown"], icon_name="next")
    a.add("previous", "&Previous Image", h.go_previous, ["Left", "PgUp"], icon_name="previous")
    a.add("first", "First Image", h.go_first, "Home")
    a.add("last", "Last Image", h.go_last, "End")
    a.add("zoom_in", "Zoom &In", h.zoom_in, ["Ctrl++", "+", "="], icon_name="zoom-in")
    a.add("zoom_out", "Zoom &Out", h.zoom_out, ["Ctrl+-", "-"], icon_name="zoom-out")
    a.add("fit", "&Fit to Window", h.zoom_fit, ["F", "Ctrl+0"], icon_name="zoom-fit")
    a.add("actual_size", "&Actual Pixels (1:1)", h.zoom_actual, ["1", "Ctrl+1"], icon_name="zoom-1to1")
    a.add("toggle_overlay", "Show &Overlay", h.set_overlay_visible, "O", icon_name="overlay", checkable=True)
    a.add("outline_only", "O&utline Only", h.set_outline_only, "Shift+O", icon_name="outline", checkable=True)
    a.add("show_prediction", "Show &Prediction", h.set_show_prediction, "P", checkable=True)
    a.add("show_truth", "Show &Ground Truth", h.set_show_truth, "G", checkable=True)
    a.add("threshold_up", "Raise Threshold", lambda: h.step_threshold(+0.05), "Ctrl+]")
    a.add("threshold_down", "Lower Threshold", lambda: h.step_threshold(-0.05), "Ctrl+[")
    a.add("opacity_up", "More Opaque", lambda: h.step_opacity(+0.1), "Shift+]")
    a.add("opacity_down", "More Transparent", lambda: h.step_opacity(-0.1), "Shift+[")
    a.add("search", "&Search Names", h.focus_search, std.Find)
    a.add("full_screen", "Full &Screen", h.set_full_screen, std.FullScreen, checkable=True)

    a.add("open_model", "&Open Model (ONNX)…", h.choose_model, "Ctrl+M", icon_name="model")
    a.add("model_info", "Model &Information…", h.show_model_info, "Ctrl+I")
    a.add(
        "flip_tta",
        "&Flip Test-Time Augmentation",
        h.set_flip_tta,
        tip="Average the model's maps of the image and its three mirror images: smoother outlines, a "
        "little more F2, up to 4× the time on images with ships",
        checkable=True,
    )
    a.add(
        "refine_outlines",
        "&Refine Outlines from the Image",
        h.set_refine_outlines,
        tip="Redraw each predicted ship's outline from the image's pixels (GrabCut around the model's blob), "
        "and cut ships moored side by side at the seam between them: closer outlines than the model's "
        "own, ~10 ms per ship",
        checkable=True,
    )
    a.add("predict_all", "Predict &All", h.predict_all, "Ctrl+Shift+P", icon_name="predict-all")
    a.add("cancel", "&Cancel Predict All", h.cancel_predict_all, "Esc", icon_name="cancel")
    a.add("shortcuts", "&Keyboard Shortcuts", h.show_shortcuts, std.HelpContents)
    a.add("about", "&About ShipViewer", h.show_about)

    menus = window.menuBar()
    file_menu = menus.addMenu("&File")
    for name in ("open_folder", "open_images", "open_annotations"):
        file_menu.addAction(a[name])
    a.recent_menu = file_menu.addMenu("Open &Recent")
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])

    view_menu = menus.addMenu("&View")
    for group in (
        ("next", "previous", "first", "last"),
        ("zoom_in", "zoom_out", "fit", "actual_size"),
        ("toggle_overlay", "outline_only", "show_prediction", "show_truth"),
        ("threshold_up", "threshold_down", "opacity_up", "opacity_down"),
        ("search", "full_screen"),
    ):
        for name in group:
            view_menu.addAction(a[name])
        view_menu.addSeparator()
    h.view_menu = view_menu

    menus.addMenu("&Review")  # filled by edit_actions

    model_menu = menus.addMenu("&Model")
    model_menu.addAction(a["open_model"])
    a.device_menu = model_menu.addMenu("&Device")
    model_menu.addAction(a["flip_tta"])
    model_menu.addAction(a["refine_outlines"])
    model_menu.addAction(a["model_info"])
    model_menu.addSeparator()
    model_menu.addAction(a["predict_all"])
    model_menu.addAction(a["cancel"])

    help_menu = menus.addMenu("&Help")
    help_menu.addAction(a["shortcuts"])
    help_menu.addAction(a["about"])

    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("main-toolbar")
    toolbar.setMovable(False)
    for name in (
        "open_folder",
        "open_annotations",
        "open_model",
        None,
        "previous",
        "next",
        None,
        "fit",
        "actual_size",
        "zoom_in",
        "zoom_out",
        None,
        "toggle_overlay",
        "outline_only",
        None,
        "predict_all",
    ):
        if name is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(a[name])
    window.addToolBar(toolbar)
    return a


def shortcut_table(actions: Actions) -> list[tuple[str, str]]:
    """(command, keys) for every action with a shortcut, in menu order."""
    rows = []
    for action in actions.by_name.values():
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
        if keys:
            rows.append((action.text().replace("&", "").replace("…", ""), keys))
    return rows
