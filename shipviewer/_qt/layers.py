"""A label image shown as a graphics item: one premultiplied QImage, redrawn whole or by rectangle."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from shipviewer._qt.qimage import bgra_view
from shipviewer.viewer.label_render import Box, LayerStyle, render_labels


class LabelLayerItem(QGraphicsItem):
    """Draws ships of an int32 label image; pixels stay crisp (nearest neighbour) at any zoom.

    The pixels live in a numpy buffer that a QImage wraps without copying, so :meth:`update_region`
    re-renders one rectangle of labels and repaints only that part of the scene.
    """

    def __init__(self, *, truth: bool = False, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.truth = truth
        self.style: LayerStyle | None = None  # colours and dashes; None: per-ship palettes
        self.opacity_value = 0.4
        self.outline_only = False
        self._labels: np.ndarray | None = None
        self._buffer: np.ndarray | None = None
        self._image: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    @property
    def labels(self) -> np.ndarray | None:
        return self._labels

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        if self._buffer is None:
            return QRectF()
        h, w = self._buffer.shape[:2]
        return QRectF(0, 0, w, h)

    def set_labels(self, labels: np.ndarray | None) -> None:
        """Show another label image (None hides the layer's pixels)."""
        if labels is None:
            if self._buffer is not None:
                self.prepareGeometryChange()
            self._labels = self._buffer = self._image = None
            self.update()
            return
        if self._buffer is None or self._buffer.shape[:2] != labels.shape:
            self.prepareGeometryChange()
            self._buffer = np.zeros((*labels.shape, 4), np.uint8)
            self._image = bgra_view(self._buffer)
        self._labels = labels
        self.redraw()

    def set_look(self, style: LayerStyle | None) -> None:
        """The layer's colours and edge pattern (see :class:`~shipviewer.viewer.label_render.LayerStyle`)."""
        if style != self.style:
            self.style = style
            self.redraw()

    def set_style(self, opacity: float, outline_only: bool) -> None:
        if (opacity, outline_only) != (self.opacity_value, self.outline_only):
            self.opacity_value, self.outline_only = opacity, outline_only
            self.redraw()

    def redraw(self, box: Box | None = None) -> None:
        """Re-render the labels inside ``box`` (y0, y1, x0, x1), or everywhere."""
        if self._labels is None or self._buffer is None:
            return
        render_labels(
            self._labels,
            opacity=self.opacity_value,
            outline_only=self.outline_only,
            truth=self.truth,
            style=self.style,
            box=box,
            out=self._buffer,
        )
        if box is None:
            self.update()
        else:
            y0, y1, x0, x1 = box
            self.update(QRectF(x0, y0, x1 - x0, y1 - y0))

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._image is None:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        exposed = option.exposedRect.intersected(self.boundingRect()).toAlignedRect()
        if exposed.isEmpty():
            return
        painter.drawImage(exposed, self._image, exposed, Qt.ImageConversionFlag.NoFormatConversion)
