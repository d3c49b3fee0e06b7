"""The editing and review commands: actions with their shortcuts, the Edit and Review menus, the edit
tool bar (tools, brush size, grow/shrink pixels, remove-ships-under size; the review order and keys
have their own tool bar, ``review_bar``).

Actions call the :class:`~shipviewer._qt.editing.EditController` and the :class:`~shipviewer._qt.tools.
ToolDriver` directly; the file dialogs for CSV import and export are the window's (``dialogs``).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSpinBox, QToolBar

from shipviewer._qt.actions import Actions
from shipviewer._qt.editing import EditController
from shipviewer._qt.tools import Tool, ToolDriver
from shipviewer.edits import BRUSH_STEPS

TOOL_KEYS: dict[Tool, tuple[str, str]] = {
    Tool.SELECT: ("&Select Ships", "S"),
    Tool.BRUSH: ("&Brush", "B"),
    Tool.ERASER: ("&Eraser", "E"),
    Tool.POLYGON_ADD: ("&Polygon Add", "L"),
    Tool.POLYGON_CUT: ("Polygon &Cut", "Shift+L"),
    Tool.FILL: ("Bucket &Fill", "K"),
    Tool.DELETE: ("&Delete Ship (click)", "D"),
    Tool.SPLIT: ("Sp&lit Along a Line", "C"),
    Tool.CLICK: ("Clic&k to Segment (Shift+click: not this)", "W"),
    Tool.TAKE: ("&Take a Predicted Ship (click it)", "T"),
    Tool.WATERSHED: ("&Watershed Split (click each ship)", "J"),
}
# Tool bar button texts where the menu text is long.
# Tool bar texts, short so that the whole edit bar fits a 1280-px window (the menus keep the full names).
SHORT_TEXT = {
    Tool.SELECT: "Select",
    Tool.POLYGON_ADD: "Polygon +",
    Tool.POLYGON_CUT: "Polygon −",
    Tool.FILL: "Fill",
    Tool.DELETE: "Delete",
    Tool.SPLIT: "Split",
    Tool.CLICK: "Click",
    Tool.TAKE: "Take",
    Tool.WATERSHED: "Watershed",
}


class CsvDialogs(Protocol):
    def choose_import_annotations(self) -> None: ...
    def choose_import_truth(self) -> None: ...
    def choose_export(self) -> None: ...
    def choose_export_reviewed(self) -> None: ...


class EditWidgets:
    """The tool bar's value widgets, kept in step with the controller."""

    def __init__(self, toolbar: QToolBar, edit: EditController) -> None:
        self.brush = self._spin(toolbar, "Brush", BRUSH_STEPS[0], BRUSH_STEPS[-1], edit.brush_size, "px")
        self.morph = self._spin(toolbar, "Grow/shrink", 1, 50, edit.morph_pixels, "px")
        # Named apart from the Overlay panel's "Min. predicted ship" (issue #11): this one is R's.
        self.min_ship = self._spin(toolbar, "Remove under", 1, 10_000, edit.min_ship_pixels, "px")
        self.min_ship.setToolTip("Remove Ships Under N px (R) deletes annotated ships smaller than this")
        self.brush.valueChanged.connect(lambda v: setattr(edit, "brush_size", v))
        self.morph.valueChanged.connect(lambda v: setattr(edit, "morph_pixels", v))
        self.min_ship.valueChanged.connect(lambda v: setattr(edit, "min_ship_pixels", v))
        edit.state_changed.connect(lambda: self.sync(edit))

    @staticmethod
    def _spin(toolbar: QToolBar, label: str, low: int, high: int, value: int, suffix: str) -> QSpinBox:
        toolbar.addWidget(QLabel(f" {label} "))
        spin = QSpinBox()
        spin.setObjectName(label.lower().replace("/", "-").replace(" ", "-"))
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(f" {suffix}")
        spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # keys stay with the canvas
        toolbar.addWidget(spin)
        return spin

    def sync(self, edit: EditController) -> None:
        with QSignalBlocker(self.brush):
            self.brush.setValue(edit.brush_size)


def create_edit_actions(
    actions: Actions, window: QMainWindow, edit: EditController, tools: ToolDriver, dialogs: CsvDialogs
) -> EditWidgets:
    """Add the editing and review actions to ``actions``, the menus and an edit tool bar."""
    a = actions
    group = QActionGroup(window)
    group.setExclusive(True)
    for tool, (text, key) in TOOL_KEYS.items():
        action = a.add(
            f"tool_{tool.value}", text, lambda on, t=tool: on and tools.set_tool(t), key, checkable=True
        )
        group.addAction(action)
        if tool in SHORT_TEXT:
            action.setIconText(SHORT_TEXT[tool])
    a[f"tool_{Tool.SELECT.value}"].setChecked(True)
    tools.tool_changed.connect(lambda name: a[f"tool_{name}"].setChecked(True))

    a.add("finish_tool", "Finish the Ship / Close the Polygon / Split at the Seeds (Enter)", tools.finish)
    a.add("auto_split", "Split Touching Ships &Automatically", tools.clicks.split_selected, "Shift+J")
    a.add(
        "snap_outlines",
        "S&nap Polygon Sides to Edges",
        tools.set_snap,
        "I",
        checkable=True,
        tip="Polygon add and cut: the sides between corners follow the image's edges (intelligent scissors)",
    )
    a["snap_outlines"].setIconText("Snap")
    a.add("brush_bigger", "Bigger Brush", lambda: edit.step_brush(+1), "]")
    a.add("brush_smaller", "Smaller Brush", lambda: edit.step_brush(-1), "[")
    a.add("merge", "&Merge Selected Ships", edit.merge, "M")
    a.add("delete_selected", "Delete Selected Ships", edit.delete_selected, ["Del", "Backspace"])
    a.add("grow", "&Grow by N px", edit.grow, ".")
    a.add("shrink", "S&hrink by N px", edit.shrink, ",")
    a.add("fill_holes", "Fill &Holes", edit.fill_holes, "H")
    a.add("remove_small", "&Remove Ships Under N px", edit.remove_small, "R")
    a.add("accept_prediction", "Accept the Model's &Prediction", edit.accept_prediction, "Shift+A")
    a.add("clear", "Cl&ear All Ships", edit.clear, "Shift+Del")
    a.add("undo", "&Undo", edit.undo, "Ctrl+Z")
    a.add("redo", "&Redo", edit.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])

    a.add("accept", "&Accept and Next", edit.accept, "A")
    a.add("confirm_empty", "Confirm &No Ships and Next", edit.confirm_empty, "N")
    a.add("reject", "&Reject and Next", edit.reject, "X")
    a.add("next_unreviewed", "Next &Unreviewed", edit.next_unreviewed, "U")

    a.add("import_annotations", "Import Annotations CSV…", dialogs.choose_import_annotations, "Ctrl+Shift+I")
    a.add("import_truth", "Import Ground Truth CSV…", dialogs.choose_import_truth)
    a.add("save", "&Save", edit.save_now, "Ctrl+S", tip="Every edit is saved as you make it; this says where")
    a.add("export", "&Export CSV…", dialogs.choose_export, "Ctrl+E")
    a.add("export_reviewed", "Export Reviewed Only…", dialogs.choose_export_reviewed, "Ctrl+Shift+E")

    menus = window.menuBar()
    file_menu = next(m for m in menus.findChildren(QMenu) if m.title() == "&File")
    quit_action = a["quit"]
    for name in ("save", "import_annotations", "import_truth", "export", "export_reviewed"):
        file_menu.insertAction(quit_action, a[name])
    file_menu.insertSeparator(quit_action)

    edit_menu = QMenu("&Edit", window)
    for names in (
        ("undo", "redo"),
        tuple(f"tool_{t.value}" for t in TOOL_KEYS),
        ("finish_tool", "snap_outlines", "brush_bigger", "brush_smaller"),
        ("merge", "delete_selected", "auto_split", "grow", "shrink", "fill_holes", "remove_small"),
        ("accept_prediction", "clear"),
    ):
        for name in names:
            edit_menu.addAction(a[name])
        edit_menu.addSeparator()
    view_menu = next(m for m in menus.findChildren(QMenu) if m.title() == "&View")
    menus.insertMenu(view_menu.menuAction(), edit_menu)

    review_menu = next(m for m in menus.findChildren(QMenu) if m.title() == "&Review")
    for name in ("accept", "confirm_empty", "reject", "next_unreviewed"):
        review_menu.addAction(a[name])

    toolbar = QToolBar("Edit", window)
    toolbar.setObjectName("edit-toolbar")
    toolbar.setMovable(False)
    for name in ("undo", "redo", None, *(f"tool_{t.value}" for t in TOOL_KEYS), "snap_outlines", None):
        if name is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(a[name])
    widgets = EditWidgets(toolbar, edit)  # the queue order and the review keys: review_bar.py
    window.addToolBarBreak()
    window.addToolBar(toolbar)
    return widgets


def update_edit_actions(actions: Actions, edit: EditController) -> None:
    """Enable what the current image allows: editing needs a document, undo a step to undo."""
    doc = edit.doc
    editable = doc is not None
    for name, on in (
        ("undo", editable and doc.can_undo),  # type: ignore[union-attr]
        ("redo", editable and doc.can_redo),  # type: ignore[union-attr]
        ("merge", editable and len(edit.selected) > 1),
        ("auto_split", editable and len(edit.selected) == 1),
        ("accept", editable),
        ("confirm_empty", editable),
        ("reject", editable),
        ("next_unreviewed", edit.workspace is not None),
        ("import_annotations", edit.workspace is not None),
        ("import_truth", edit.workspace is not None),
        ("export", edit.workspace is not None),
        ("export_reviewed", edit.workspace is not None),
        *(
            (name, editable)
            for name in ("grow", "shrink", "fill_holes", "remove_small", "clear", "accept_prediction")
        ),
    ):
        actions[name].setEnabled(bool(on))
