"""The legend of the layers in the Overlay panel: a swatch drawn by the layers' own renderer, and a line
of text, for the annotation, the prediction and the ground truth."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from shipviewer._qt.qimage import bgra_view
from shipviewer.viewer.label_render import STYLES, LayerStyle, render_labels

SEA = (38, 50, 56)  # the canvas background: swatches look as the layers do on a dark sea
SWATCH = (18, 34)  # height, width


def swatch(style: LayerStyle, *, outline_only: bool, opacity: float = 0.5) -> np.ndarray:
    """A small BGRA picture of one ship drawn in ``style`` over the canvas colour."""
    h, w = SWATCH
    labels = np.zeros((h, w), np.int32)
    labels[3 : h - 3, 3 : w - 3] = 1
    layer = render_labels(labels, opacity=opacity, outline_only=outline_only, style=style)
    base = np.zeros((h, w, 4), np.uint8)
    base[..., 0], base[..., 1], base[..., 2], base[..., 3] = SEA[2], SEA[1], SEA[0], 255
    alpha = layer[..., 3:4].astype(np.uint16)
    mixed = layer[..., :3].astype(np.uint16) + (base[..., :3].astype(np.uint16) * (255 - alpha) + 127) // 255
    base[..., :3] = np.minimum(mixed, 255).astype(np.uint8)
    return base


class LayerLegend(QWidget):
    """Three rows: swatch and meaning of each layer."""

    ROWS = (("annotation", False), ("prediction", True), ("truth", True))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layer-legend")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        self.texts: dict[str, QLabel] = {}
        self._pictures: list[np.ndarray] = []  # the QImages wrap these buffers
        for row, (name, outline) in enumerate(self.ROWS):
            style = STYLES[name]
            picture = swatch(style, outline_only=outline)
            self._pictures.append(picture)
            icon = QLabel()
            icon.setPixmap(QPixmap.fromImage(bgra_view(picture)))
            text = QLabel(style.description)
            text.setWordWrap(True)
            text.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(icon, row, 0)
            grid.addWidget(text, row, 1)
            self.texts[name] = text
        grid.setColumnStretch(1, 1)
