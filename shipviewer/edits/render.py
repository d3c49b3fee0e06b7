"""The ships as an RGBA overlay, for a rectangle only: what a canvas repaints after an edit.

Each ship gets a colour from a fixed palette (by label, so a ship keeps its colour while edited),
tinted with ``alpha`` and outlined at full opacity; the selected ship is tinted more strongly.
Rows are RGBA bytes, C-contiguous: ``QImage(data, w, h, 4 * w, QImage.Format_RGBA8888)`` shows them.
"""

from __future__ import annotations

import colorsys
import functools

import numpy as np

from shipviewer.edits.undo import Box

__all__ = ["palette", "render_overlay"]

_PALETTE_SIZE = 1 << 16


@functools.lru_cache(maxsize=8)
def palette(alpha: int = 100) -> np.ndarray:
    """(65536, 4) uint8 RGBA: entry 0 transparent, then well-spread hues (golden-ratio steps)."""
    lut = np.zeros((_PALETTE_SIZE, 4), dtype=np.uint8)
    hues = (np.arange(_PALETTE_SIZE - 1) * 0.618033988749895) % 1.0
    base = np.array([colorsys.hsv_to_rgb(h, 0.85, 1.0) for h in hues[:360]])
    lut[1:, :3] = np.round(base[np.arange(_PALETTE_SIZE - 1) % 360] * 255).astype(np.uint8)
    lut[1:, 3] = alpha
    lut.setflags(write=False)
    return lut


def _palette_index(region: np.ndarray) -> np.ndarray:
    if region.size and int(region.max()) >= _PALETTE_SIZE:
        return np.where(region > 0, (region - 1) % (_PALETTE_SIZE - 1) + 1, 0).astype(np.uint16)
    return region.astype(np.uint16)


def render_overlay(
    labels: np.ndarray,
    box: Box | None = None,
    *,
    selected: int | None = None,
    alpha: int = 100,
    selected_alpha: int = 170,
    outline: bool = True,
) -> np.ndarray:
    """The (h, w, 4) RGBA overlay of ``labels`` inside ``box`` (the whole image when None).

    An outline pixel is a ship pixel with a 4-neighbour of another value; it depends on the pixels
    around it, so after an edit repaint the changed box grown by one pixel.
    """
    if box is None:
        box = Box.full(labels.shape)
    region = labels[box.slices]
    rgba = palette(alpha)[_palette_index(region)]
    if selected:
        rgba[..., 3][region == selected] = selected_alpha
    if outline and region.size:
        ext = box.grow(1, labels.shape)
        around = labels[ext.slices]
        edge = np.zeros(around.shape, dtype=bool)
        vertical = around[1:] != around[:-1]
        horizontal = around[:, 1:] != around[:, :-1]
        edge[1:] |= vertical
        edge[:-1] |= vertical
        edge[:, 1:] |= horizontal
        edge[:, :-1] |= horizontal
        top, left = box.y0 - ext.y0, box.x0 - ext.x0
        edge = edge[top : top + box.height, left : left + box.width] & (region != 0)
        rgba[..., 3][edge] = 255
    return rgba
