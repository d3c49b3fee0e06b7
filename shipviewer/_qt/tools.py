"""The edit tools as mouse gestures on the canvas, mapped to :class:`~shipviewer._qt.editing.EditController`.

Select: click a ship (Ctrl+click adds or removes it). Brush and eraser: drag (one undo step per drag).
Polygon add, polygon cut and split: drag to draw the outline or the line, release to apply. Fill and
delete: click. Escape cancels what is being drawn. Image points are (x, y) with pixel centres at
integers, the convention of :mod:`shipviewer.edits`.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, QPointF, Qt, Signal

from shipviewer._qt.canvas import ImageCanvas
from shipviewer._qt.editing import EditController, Point

MIN_STEP = 1.0  # image pixels between two recorded points of a drawn outline


class Tool(str, enum.Enum):
    SELECT = "select"
    BRUSH = "brush"
    ERASER = "eraser"
    POLYGON_ADD = "polygon_add"
    POLYGON_CUT = "polygon_cut"
    FILL = "fill"
    DELETE = "delete"
    SPLIT = "split"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


SKETCHED = frozenset({Tool.POLYGON_ADD, Tool.POLYGON_CUT, Tool.SPLIT})


def image_point(pos: QPointF) -> Point:
    """A scene position (pixel (i, j) covers [i, i + 1)) as an edit point (pixel centres at integers)."""
    return pos.x() - 0.5, pos.y() - 0.5


class ToolDriver(QObject):
    tool_changed = Signal(str)

    def __init__(self, canvas: ImageCanvas, edit: EditController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.edit = edit
        self.tool = Tool.SELECT
        self._points: list[Point] = []
        canvas.tool_pressed.connect(self.press)
        canvas.tool_moved.connect(self.move)
        canvas.tool_released.connect(self.release)
        canvas.tool_cancelled.connect(self.cancel)

    def set_tool(self, tool: Tool | str) -> None:
        self.cancel()
        self.tool = Tool(tool)
        self.tool_changed.emit(self.tool.value)

    # --- gestures ----------------------------------------------------------------------------------------
    def press(self, pos: QPointF, modifiers: object = Qt.KeyboardModifier.NoModifier) -> None:
        point = image_point(pos)
        tool = self.tool
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)  # type: ignore[operator]
        if tool is Tool.SELECT or ctrl:
            self.edit.select_at(point, add=ctrl)
        elif tool in (Tool.BRUSH, Tool.ERASER):
            self.edit.begin_stroke(point, erase=tool is Tool.ERASER)
        elif tool in SKETCHED:
            self._points = [point]
            self._show_sketch()
        elif tool is Tool.FILL:
            self.edit.fill_at(point)
        elif tool is Tool.DELETE:
            self.edit.delete_at(point)

    def move(self, pos: QPointF) -> None:
        point = image_point(pos)
        if self.tool in (Tool.BRUSH, Tool.ERASER):
            self.edit.stroke_to(point)
        elif self.tool in SKETCHED and self._points:
            last = self._points[-1]
            if abs(point[0] - last[0]) + abs(point[1] - last[1]) >= MIN_STEP:
                self._points.append(point)
                self._show_sketch()

    def release(self, pos: QPointF) -> None:
        if self.tool in (Tool.BRUSH, Tool.ERASER):
            self.edit.stroke_to(image_point(pos))
            self.edit.end_stroke()
        elif self.tool in SKETCHED and self._points:
            self.move(pos)
            points, self._points = self._points, []
            self.canvas.set_sketch([])
            if self.tool is Tool.SPLIT:
                if len(points) < 2:
                    self.edit.message.emit("Split: drag a line across the ship")
                else:
                    self.edit.split(points)
            elif len(points) < 3:
                self.edit.message.emit(f"{self.tool.label.capitalize()}: drag around the outline")
            elif self.tool is Tool.POLYGON_ADD:
                self.edit.polygon_add(points)
            else:
                self.edit.polygon_cut(points)

    def cancel(self) -> None:
        """Escape: drop the outline being drawn, undo the stroke in progress."""
        self._points = []
        self.canvas.set_sketch([])
        self.edit.cancel_stroke()

    def _show_sketch(self) -> None:
        shown = [(x + 0.5, y + 0.5) for x, y in self._points]
        self.canvas.set_sketch(shown, closed=self.tool is not Tool.SPLIT)
