"""Label images drawn as premultiplied BGRA pixels, whole or one rectangle at a time; Qt-free.

The output's byte order is that of Qt's ``QImage.Format_ARGB32_Premultiplied`` on little-endian machines
(B, G, R, A), the format a raster paint engine draws fastest. Ship k is filled with its colour at the
given opacity and its inner boundary (pixels with a 4-neighbour of another label) drawn opaque.
Rendering a rectangle reads a one-pixel margin around it, so an editor can redraw just what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shipviewer.model.overlay import ship_colour

__all__ = [
    "ANNOTATION_STYLE",
    "PREDICTION_STYLE",
    "STYLES",
    "TRUTH_PALETTE",
    "TRUTH_STYLE",
    "LayerStyle",
    "colour_table",
    "outline_mask",
    "render_labels",
    "truth_colour",
]

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class LayerStyle:
    """How one layer draws its ships, so the layers never look alike: a colour per ship (cycled), and
    an edge that is solid in the ship's colour or dashed with a second colour (``dash``).

    The three viewer layers take colours of the Okabe-Ito palette (safe for every kind of colour
    blindness) and differ in pattern too: a filled annotation, a dashed prediction, an outlined truth.
    """

    name: str
    colours: tuple[RGB, ...]
    dash: RGB | None = None
    description: str = ""

    def colour(self, k: int) -> RGB:
        return self.colours[(k - 1) % len(self.colours)]


# Sky blue: light on the dark sea, and far in hue from red hulls for every colour vision.
ANNOTATION_STYLE = LayerStyle(
    "annotation", ((86, 180, 233),), description="Your annotation (editable): blue fill"
)
# Yellow and black dashes: one of the two shows on any background, and no other layer is dashed.
PREDICTION_STYLE = LayerStyle(
    "prediction", ((240, 228, 66),), dash=(0, 0, 0), description="Model prediction: yellow-black dashes"
)
# Orange: lighter than a red hull, warm against the cool sea; a solid line.
TRUTH_STYLE = LayerStyle("truth", ((230, 159, 0),), description="Ground truth: orange outline")
STYLES = {s.name: s for s in (ANNOTATION_STYLE, PREDICTION_STYLE, TRUTH_STYLE)}
DASH = 3  # pixels per dash, along the diagonals

# Cool colours for imported ground truth, apart from the warm palette of predictions.
TRUTH_PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 200, 255),
    (0, 255, 170),
    (90, 140, 255),
    (0, 255, 255),
    (140, 255, 60),
    (170, 210, 255),
    (0, 160, 220),
    (60, 230, 120),
)

Box = tuple[int, int, int, int]  # y0, y1, x0, x1 (end exclusive)


def truth_colour(k: int) -> tuple[int, int, int]:
    """RGB colour of ground-truth ship ``k`` (1-based)."""
    return TRUTH_PALETTE[(k - 1) % len(TRUTH_PALETTE)]


def colour_table(
    count: int, opacity: float, *, truth: bool = False, style: LayerStyle | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(fill, edge): (count + 1, 4) uint8 premultiplied BGRA per label; label 0 is transparent.

    Colours from ``style`` when given, else per-ship palettes (cool ones with ``truth``)."""
    alpha = round(min(max(opacity, 0.0), 1.0) * 255)
    colours = np.zeros((count + 1, 3), np.uint16)
    pick = style.colour if style is not None else truth_colour if truth else ship_colour
    for k in range(1, count + 1):
        colours[k] = pick(k)[::-1]  # RGB → BGR
    fill = np.zeros((count + 1, 4), np.uint8)
    fill[1:, :3] = (colours[1:] * alpha + 127) // 255
    fill[1:, 3] = alpha
    edge = np.zeros((count + 1, 4), np.uint8)
    edge[1:, :3] = colours[1:]
    edge[1:, 3] = 255
    return fill, edge


def outline_mask(labels: np.ndarray) -> np.ndarray:
    """Pixels of a ship with a 4-neighbour of another label (the image border does not count)."""
    edge = np.zeros(labels.shape, bool)
    if labels.shape[0] > 1:
        differs = labels[1:] != labels[:-1]
        edge[1:] |= differs
        edge[:-1] |= differs
    if labels.shape[1] > 1:
        differs = labels[:, 1:] != labels[:, :-1]
        edge[:, 1:] |= differs
        edge[:, :-1] |= differs
    edge &= labels > 0
    return edge


def render_labels(
    labels: np.ndarray,
    *,
    opacity: float = 0.4,
    outline_only: bool = False,
    truth: bool = False,
    style: LayerStyle | None = None,
    box: Box | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Premultiplied BGRA (H, W, 4) of ``labels``; with ``box``, only that rectangle of ``out`` is drawn.

    ``style`` gives the colours and a dashed edge (see :class:`LayerStyle`); without one, ships take
    per-ship palettes. ``out`` (if given) is updated in place and returned, so a QImage over it sees the
    new pixels. A dash depends on the pixel's position only, so a redrawn box joins its surroundings.
    """
    h, w = labels.shape
    if out is None:
        out = np.zeros((h, w, 4), np.uint8)
    elif out.shape != (h, w, 4):
        raise ValueError(f"out has shape {out.shape}, expected {(h, w, 4)}")
    if box is None:
        # Ships cover a sliver of a frame: clear it, then draw only the rows and columns that hold any.
        out[:] = 0
        rows, cols = np.flatnonzero(labels.any(axis=1)), np.flatnonzero(labels.any(axis=0))
        if rows.size == 0:
            return out
        box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
    y0, y1, x0, x1 = box
    y0, x0 = max(y0, 0), max(x0, 0)
    y1, x1 = min(y1, h), min(x1, w)
    if y0 >= y1 or x0 >= x1:
        return out
    # One pixel of context on each side so the outline at the rectangle's edge is right.
    cy0, cx0 = max(y0 - 1, 0), max(x0 - 1, 0)
    context = labels[cy0 : min(y1 + 1, h), cx0 : min(x1 + 1, w)]
    region = labels[y0:y1, x0:x1]
    count = int(region.max()) if region.size else 0
    if count == 0:
        out[y0:y1, x0:x1] = 0
        return out
    fill, edge_colours = colour_table(count, 0.0 if outline_only else opacity, truth=truth, style=style)
    # Gather whole pixels as uint32 words: a quarter of the indexing work of four uint8 channels.
    pixels = fill.view(np.uint32)[:, 0][region]
    edges = outline_mask(context)[y0 - cy0 : y0 - cy0 + (y1 - y0), x0 - cx0 : x0 - cx0 + (x1 - x0)]
    pixels[edges] = edge_colours.view(np.uint32)[:, 0][region[edges]]
    if style is not None and style.dash is not None:
        ys, xs = np.nonzero(edges)
        off = ((ys + y0 + xs + x0) // DASH) % 2 == 1
        b, g, r = style.dash[2], style.dash[1], style.dash[0]
        dash = np.array([[b, g, r, 255]], np.uint8).view(np.uint32)[0, 0]
        edge_pixels = pixels[edges]
        edge_pixels[off] = dash
        pixels[edges] = edge_pixels
    out[y0:y1, x0:x1] = pixels.view(np.uint8).reshape(y1 - y0, x1 - x0, 4)
    return out
