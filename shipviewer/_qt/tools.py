"""The edit tools as mouse gestures on the canvas, mapped to :class:`~shipviewer._qt.editing.EditController`
and :class:`~shipviewer._qt.click_tools.ClickTools`.

Select: click a ship (Ctrl+click adds or removes it). Brush and eraser: drag (one undo step per drag); the
brush's footprint follows the cursor. Polygon add and cut: drag the outline, or click corner after corner
and close it with a click on the first corner, a double click or Enter; with snapping on, the sides follow
the image's edges. Split: drag a line. Fill and delete: click. Click to segment: click a ship (Shift+click
or right click: "not this"), or drag a box around it; Enter finishes the ship. Take ship: click a predicted
ship. Watershed split: click once inside each touching ship, Enter splits. Escape cancels what is being
drawn. Image points are (x, y) with pixel centres at integers, the convention of :mod:`shipviewer.edits`.
"""

from __future__ import annotations

import enum
import itertools
import math

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from shipviewer._qt.canvas import ImageCanvas
from shipviewer._qt.click_tools import ClickTools
from shipviewer._qt.editing import EditController, Point
from shipviewer.edits import EdgeSnapper, snap_outline

MIN_STEP = 1.0  # image pixels between two recorded points of a drawn outline
CLICK_SLOP = 4.0  # screen pixels a press may move and still be a click (not a drag)
CLOSE_DISTANCE = 8.0  # screen pixels from the first corner that close a clicked polygon
SNAP_SPACING = 12  # image pixels between the corners a dragged outline is resampled to before snapping


class Tool(str, enum.Enum):
    SELECT = "select"
    BRUSH = "brush"
    ERASER = "eraser"
    POLYGON_ADD = "polygon_add"
    POLYGON_CUT = "polygon_cut"
    FILL = "fill"
    DELETE = "delete"
    SPLIT = "split"
    CLICK = "click"
    TAKE = "take"
    WATERSHED = "watershed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


SKETCHED = frozenset({Tool.POLYGON_ADD, Tool.POLYGON_CUT, Tool.SPLIT})
POLYGONS = frozenset({Tool.POLYGON_ADD, Tool.POLYGON_CUT})
BRUSHES = frozenset({Tool.BRUSH, Tool.ERASER})


def image_point(pos: QPointF) -> Point:
    """A scene position (pixel (i, j) covers [i, i + 1)) as an edit point (pixel centres at integers)."""
    return pos.x() - 0.5, pos.y() - 0.5


class ToolDriver(QObject):
    tool_changed = Signal(str)

    def __init__(self, canvas: ImageCanvas, edit: EditController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.edit = edit
        self.clicks = ClickTools(edit, self)
        self.tool = Tool.SELECT
        self.snap = False  # polygon sides follow the image's edges
        self._points: list[Point] = []  # a dragged outline or line
        self._corners: list[Point] = []  # a polygon clicked corner by corner
        self._snapped: list[np.ndarray] = []  # the snapped side ending at each corner after the first
        self._snapper: EdgeSnapper | None = None
        self._hover: Point | None = None
        self._press: Point | None = None
        self._dragged = False
        self._shift = False
        canvas.tool_pressed.connect(self.press)
        canvas.tool_moved.connect(self.move)
        canvas.tool_released.connect(self.release)
        canvas.tool_cancelled.connect(self.cancel)
        canvas.tool_alt_pressed.connect(self.alt_press)
        canvas.tool_finished.connect(self.finish)
        canvas.tool_double_clicked.connect(self.double_click)
        canvas.hover_moved.connect(self.hover)
        canvas.hover_left.connect(lambda: canvas.set_brush_cursor(None))
        self.clicks.markers_changed.connect(self._show_markers)
        canvas.tool_busy = self.busy
        edit.viewer.current_changed.connect(lambda _index: self._drop_outline())

    def set_tool(self, tool: Tool | str) -> None:
        self.cancel()
        self.clicks.finish()
        self.tool = Tool(tool)
        if self.tool not in BRUSHES:
            self.canvas.set_brush_cursor(None)
        self.tool_changed.emit(self.tool.value)

    def set_snap(self, on: bool) -> None:
        self.snap = bool(on)
        self._snapper = None
        if self._corners:
            self._snapped = self._snap_sides(self._corners) if self.snap else []
            self._show_sketch()
        self.edit.message.emit("Outline snapping " + ("on: polygon sides follow edges" if on else "off"))

    # --- gestures ----------------------------------------------------------------------------------------
    def _screen_distance(self, a: Point, b: Point) -> float:
        return math.hypot(a[0] - b[0], a[1] - b[1]) * self.canvas.current_scale()

    def press(self, pos: QPointF, modifiers: object = Qt.KeyboardModifier.NoModifier) -> None:
        point = image_point(pos)
        tool = self.tool
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)  # type: ignore[operator]
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)  # type: ignore[operator]
        self._press, self._dragged = point, False
        self._shift = shift
        if tool is Tool.SELECT or ctrl:
            self.edit.select_at(point, add=ctrl)
            self._press = None
        elif tool in BRUSHES:
            self.edit.begin_stroke(point, erase=tool is Tool.ERASER)
        elif tool in POLYGONS and self._corners:
            pass  # a corner: placed on release
        elif tool in SKETCHED:
            self._points = [point]
            self._show_sketch()
        elif tool is Tool.FILL:
            self.edit.fill_at(point)
        elif tool is Tool.DELETE:
            self.edit.delete_at(point)

    def alt_press(self, pos: QPointF) -> None:
        """The right button: a negative click with click-to-segment."""
        if self.tool is Tool.CLICK:
            self.clicks.click(image_point(pos), positive=False)

    def move(self, pos: QPointF) -> None:
        point = image_point(pos)
        if self._press is not None and self._screen_distance(point, self._press) > CLICK_SLOP:
            self._dragged = True
        if self.tool in BRUSHES:
            self.edit.stroke_to(point)
            self.canvas.set_brush_cursor(self.edit.brush_size, pos)
        elif self.tool in SKETCHED and self._points and not self._corners:
            last = self._points[-1]
            if abs(point[0] - last[0]) + abs(point[1] - last[1]) >= MIN_STEP:
                self._points.append(point)
                self._show_sketch()
        elif self.tool is Tool.CLICK and self._press is not None and self._dragged:
            a, b = self._press, point
            self.canvas.set_box((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))

    def hover(self, pos: QPointF) -> None:
        """The mouse moved with no button down: the brush footprint, the rubber band of a clicked polygon."""
        point = image_point(pos)
        self._hover = point
        if self.tool in BRUSHES:
            self.canvas.set_brush_cursor(self.edit.brush_size, pos)
        elif self.tool in POLYGONS and self._corners:
            self._show_sketch()

    def release(self, pos: QPointF) -> None:
        point = image_point(pos)
        press, dragged = self._press, self._dragged
        self._press = None
        tool = self.tool
        if tool in BRUSHES:
            self.edit.stroke_to(point)
            self.edit.end_stroke()
        elif tool in POLYGONS and (self._corners or (press is not None and not dragged)):
            self._add_corner(point)
        elif tool in SKETCHED and self._points:
            self.move(pos)
            points, self._points = self._points, []
            self.canvas.set_sketch([])
            if tool is Tool.SPLIT:
                if len(points) < 2:
                    self.edit.message.emit("Split: drag a line across the ship")
                else:
                    self.edit.split(points)
            else:
                self._apply_polygon(self._snap_drag(points) if self.snap else points)
        elif tool is Tool.CLICK and press is not None:
            self.canvas.set_box(None)
            if dragged:
                self.clicks.drag_box(press, point)
            else:
                self.clicks.click(press, positive=not self._shift)
        elif tool is Tool.TAKE and press is not None:
            self.clicks.take(press)
        elif tool is Tool.WATERSHED and press is not None:
            self.clicks.add_seed(press)

    def double_click(self, pos: QPointF) -> None:
        """A double click closes a polygon being clicked corner by corner."""
        if self.tool in POLYGONS and self._corners:
            self._close_polygon()

    def finish(self) -> None:
        """Enter: close the clicked polygon, finish the ship being clicked, split at the seeds."""
        if self.tool in POLYGONS and self._corners:
            self._close_polygon()
        elif self.tool is Tool.WATERSHED:
            self.clicks.apply_seeds()
        elif self.tool is Tool.CLICK and self.clicks.session is not None:
            label = self.clicks.session.label
            self.clicks.finish()
            self.edit.message.emit(f"Ship {label} finished: click the next ship")

    def busy(self) -> bool:
        """Whether something is in progress that Escape drops or Enter finishes."""
        doc = self.edit.doc
        return bool(
            self._points
            or self._corners
            or self.clicks.session is not None
            or self.clicks.seeds
            or (doc is not None and doc.in_stroke)
        )

    def cancel(self) -> None:
        """Escape: drop the outline being drawn, undo the stroke in progress, finish the clicked ship."""
        self._drop_outline()
        self.canvas.set_box(None)
        self.edit.cancel_stroke()
        self.clicks.finish()
        if self.clicks.seeds:
            self.clicks.seeds = []
            self._show_markers()

    # --- polygons ----------------------------------------------------------------------------------------
    def _drop_outline(self) -> None:
        self._points, self._corners, self._snapped, self._snapper = [], [], [], None
        self.canvas.set_sketch([])

    def _add_corner(self, point: Point) -> None:
        corners = self._corners
        if len(corners) >= 3 and self._screen_distance(point, corners[0]) <= CLOSE_DISTANCE:
            self._close_polygon()
            return
        if corners and self._screen_distance(point, corners[-1]) <= CLICK_SLOP / 2:
            return  # the second click of a double click
        if self.snap and corners:
            self._snapped.append(self._snap_to(point))
        corners.append(point)
        self._snapper = None
        self._points = []
        self._show_sketch()
        if len(corners) == 1:
            self.edit.message.emit(
                f"{self.tool.label.capitalize()}: click the next corners; click the first one, double-click "
                "or press Enter to close, Escape to drop"
            )

    def _snap_to(self, point: Point) -> np.ndarray:
        """The snapped side from the last corner to ``point``."""
        image = self._image()
        if image is None:
            return np.array([self._corners[-1], point], dtype=np.float64)
        if self._snapper is None:
            self._snapper = EdgeSnapper(image, self._corners[-1])
        return self._snapper.path_to(point).astype(np.float64)

    def _snap_sides(self, corners: list[Point]) -> list[np.ndarray]:
        image = self._image()
        if image is None:
            return []
        return [EdgeSnapper(image, a).path_to(b).astype(np.float64) for a, b in itertools.pairwise(corners)]

    def _snap_drag(self, points: list[Point]) -> list[Point]:
        """A dragged outline with snapping on: corners every few pixels along it, joined along edges."""
        image = self._image()
        if image is None or len(points) < 3:
            return points
        step = max(1, int(SNAP_SPACING / MIN_STEP))
        corners = points[::step]
        return [(float(x), float(y)) for x, y in snap_outline(image, corners)]

    def _image(self) -> np.ndarray | None:
        rgb = self.edit.viewer.current.rgb
        doc = self.edit.doc
        return rgb if rgb is not None and doc is not None and rgb.shape[:2] == doc.shape else None

    def _corner_outline(self, *, to_cursor: bool) -> list[Point]:
        """The clicked polygon so far: its sides (snapped or straight), and the side to the cursor."""
        corners = self._corners
        points: list[Point] = [corners[0]]
        if self.snap and len(self._snapped) == len(corners) - 1:
            for side in self._snapped:
                points += [(float(x), float(y)) for x, y in side[1:]]
        else:
            points += corners[1:]
        if to_cursor and self._hover is not None:
            if self.snap and self._image() is not None:
                points += [(float(x), float(y)) for x, y in self._snap_to(self._hover)[1:]]
            else:
                points.append(self._hover)
        return points

    def _close_polygon(self) -> None:
        outline = self._corner_outline(to_cursor=False)
        image = self._image()
        if self.snap and image is not None and len(self._corners) >= 2:
            closing = EdgeSnapper(image, self._corners[-1]).path_to(self._corners[0])
            outline += [(float(x), float(y)) for x, y in closing[1:-1]]
        self._drop_outline()
        self._apply_polygon(outline)

    def _apply_polygon(self, points: list[Point]) -> None:
        if len(points) < 3:
            self.edit.message.emit(
                f"{self.tool.label.capitalize()}: drag around the outline, or click three corners or more"
            )
        elif self.tool is Tool.POLYGON_ADD:
            self.edit.polygon_add(points)
        else:
            self.edit.polygon_cut(points)

    # --- drawing -----------------------------------------------------------------------------------------
    def _show_sketch(self) -> None:
        if self._corners:
            points = self._corner_outline(to_cursor=True)
            closed = len(self._corners) >= 2
        else:
            points, closed = self._points, self.tool is not Tool.SPLIT
        self.canvas.set_sketch([(x + 0.5, y + 0.5) for x, y in points], closed=closed)

    def _show_markers(self) -> None:
        self.canvas.set_markers(self.clicks.markers())
        self.canvas.set_box(self.clicks.box())
