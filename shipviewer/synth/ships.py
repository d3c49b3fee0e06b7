"""Ship geometry and appearance, seen from above.

A ship lives in its own frame: x forward from the stern (-L/2) to the bow tip (+L/2), y to starboard. Its
appearance is drawn with cv2.fillPoly into a supersampled patch and averaged down (anti-aliasing); its mask is
the hull outline filled at full resolution, so shadow and wake never belong to the mask.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from shipviewer.synth.noise import fbm, log_uniform

Colour = tuple[float, float, float]

DARK_HULLS: tuple[Colour, ...] = ((38, 38, 42), (64, 66, 70), (120, 46, 38), (34, 46, 78), (54, 78, 62))
LIGHT_HULLS: tuple[Colour, ...] = ((228, 228, 222), (200, 204, 206), (170, 172, 170), (236, 232, 214))
BOAT_HULLS: tuple[Colour, ...] = (*LIGHT_HULLS, (44, 72, 130), (160, 44, 36), (58, 62, 66), (200, 180, 90))
CARGO_DECKS: tuple[Colour, ...] = (
    (140, 62, 46),
    (112, 84, 64),
    (74, 104, 80),
    (150, 150, 144),
    (196, 188, 172),
    (96, 100, 104),
)
HATCH_COLOURS: tuple[Colour, ...] = (
    (196, 192, 180),
    (150, 60, 48),
    (70, 104, 84),
    (116, 128, 150),
    (220, 214, 196),
)
# Faded container paint, as seen through the haze from orbit.
CONTAINER_COLOURS: tuple[Colour, ...] = (
    (150, 66, 56),
    (70, 92, 130),
    (196, 196, 192),
    (120, 124, 126),
    (176, 120, 72),
    (70, 104, 80),
    (168, 156, 100),
    (104, 66, 56),
    (150, 150, 146),
)
SUPERSTRUCTURE: tuple[Colour, ...] = ((236, 234, 226), (222, 218, 200), (208, 210, 212))

# kind -> (probability, min length, max length); lengths in pixels.
KINDS: dict[str, tuple[float, float, float]] = {
    "boat": (0.40, 10.0, 45.0),
    "barge": (0.12, 18.0, 110.0),
    "bulk": (0.15, 60.0, 290.0),
    "tanker": (0.12, 60.0, 290.0),
    "container": (0.11, 80.0, 290.0),
    "ferry": (0.10, 40.0, 180.0),
}


@dataclass(frozen=True)
class ShipSpec:
    """Where a ship is and what it is; everything needed to draw it."""

    cx: float
    cy: float
    heading: float  # radians; bow direction in image coordinates (x right, y down)
    length: float
    width: float
    kind: str
    moving: bool
    bow_length: float
    stern_radius: float
    bow_power: float = 1.8

    def moved(self, cx: float, cy: float) -> ShipSpec:
        """The same ship elsewhere."""
        return ShipSpec(
            cx,
            cy,
            self.heading,
            self.length,
            self.width,
            self.kind,
            self.moving,
            self.bow_length,
            self.stern_radius,
            self.bow_power,
        )


@dataclass
class Sprite:
    """A rendered ship in a patch whose top-left pixel is (x0, y0) in the image (may lie outside it)."""

    x0: int
    y0: int
    colour: np.ndarray  # (h, w, 3) float32, premultiplied by alpha
    alpha: np.ndarray  # (h, w) float32 opacity of the ship
    tall: np.ndarray  # (h, w) float32 opacity of superstructure (casts a longer shadow)
    footprint: np.ndarray  # (h, w) bool: the mask


def sample_spec(
    rng: np.random.Generator,
    cx: float,
    cy: float,
    heading: float,
    *,
    kind: str | None = None,
    max_length: float = 290.0,
    moving: bool | None = None,
) -> ShipSpec:
    """A random ship of `kind` (random when None) centred at (cx, cy)."""
    if kind is None:
        names = list(KINDS)
        p = np.array([KINDS[k][0] for k in names])
        kind = names[int(rng.choice(len(names), p=p / p.sum()))]
    _, lo, hi = KINDS[kind]
    hi = max(min(hi, max_length), 10.0)
    lo = min(lo, hi)
    length = log_uniform(rng, lo, hi)
    ratio = {
        "boat": (0.26, 0.40),
        "barge": (0.22, 0.36),
        "bulk": (0.13, 0.17),
        "tanker": (0.15, 0.19),
        "container": (0.13, 0.16),
        "ferry": (0.15, 0.21),
    }[kind]
    width = max(length * rng.uniform(*ratio), 3.0)
    if kind == "boat":
        bow = length * rng.uniform(0.3, 0.5)
    elif kind == "barge":
        bow = width * rng.uniform(0.15, 0.5)
    else:
        bow = min(width * rng.uniform(1.0, 1.9), 0.35 * length)
    stern = width * (rng.uniform(0.05, 0.15) if kind == "barge" else rng.uniform(0.15, 0.45))
    power = rng.uniform(1.0, 1.3) if kind == "barge" else rng.uniform(1.5, 2.6)
    if moving is None:
        moving = kind != "barge" and rng.random() < 0.6
    return ShipSpec(cx, cy, heading, length, width, kind, moving, bow, stern, power)


def hull_outline(
    length: float, width: float, bow_length: float, stern_radius: float, power: float
) -> np.ndarray:
    """Convex hull polygon (N, 2) in ship coordinates: square-ish stern with rounded corners, pointed bow."""
    half_l, half_w = length / 2.0, width / 2.0
    r = min(stern_radius, half_w * 0.95, length * 0.2)
    x_bow = half_l - bow_length
    t = np.linspace(0.0, 1.0, 12)
    bow_x = x_bow + t * bow_length
    bow_y = half_w * (1.0 - t**power)
    a = np.linspace(0.0, np.pi / 2.0, 6)
    stern_x = -half_l + r - r * np.cos(a)  # from the stern edge round to the starboard side
    stern_y = half_w - r + r * np.sin(a)
    starboard_x = np.concatenate([stern_x, bow_x])
    starboard_y = np.concatenate([stern_y, bow_y])
    # Starboard side runs stern -> bow, port side back bow -> stern (mirrored).
    xs = np.concatenate([starboard_x, starboard_x[::-1]])
    ys = np.concatenate([starboard_y, -starboard_y[::-1]])
    return np.stack([xs, ys], axis=1)


def _frame(spec: ShipSpec) -> tuple[np.ndarray, np.ndarray]:
    forward = np.array([math.cos(spec.heading), math.sin(spec.heading)])
    starboard = np.array([-forward[1], forward[0]])
    return forward, starboard


def to_image(spec: ShipSpec, local: np.ndarray) -> np.ndarray:
    """Ship coordinates (N, 2) -> image coordinates (N, 2)."""
    forward, starboard = _frame(spec)
    return np.array([spec.cx, spec.cy]) + local[:, :1] * forward + local[:, 1:] * starboard


def spec_outline(spec: ShipSpec) -> np.ndarray:
    """The hull polygon of `spec` in ship coordinates."""
    return hull_outline(spec.length, spec.width, spec.bow_length, spec.stern_radius, spec.bow_power)


_SHIFT = 4  # fixed-point bits for cv2.fillPoly: sub-pixel accurate outlines


class _Canvas:
    """Supersampled drawing surface for one ship, addressed in ship coordinates (RGB order)."""

    def __init__(self, spec: ShipSpec, x0: int, y0: int, height: int, width: int, scale: int) -> None:
        self.spec, self.x0, self.y0, self.scale = spec, x0, y0, scale
        self.colour = np.zeros((height * scale, width * scale, 3), np.uint8)
        self.alpha = np.zeros((height * scale, width * scale), np.uint8)
        self.tall = np.zeros((height * scale, width * scale), np.uint8)

    def points(self, local: np.ndarray) -> np.ndarray:
        # Pixel j of the output covers canvas pixels scale*j .. scale*j+scale-1, centred on j.
        p = (to_image(self.spec, local) - (self.x0, self.y0)) * self.scale + (self.scale - 1) / 2.0
        return np.round(p * (1 << _SHIFT)).astype(np.int32).reshape(-1, 1, 2)

    def poly(self, local: np.ndarray, colour: Colour, *, hull: bool = False, tall: bool = False) -> None:
        import cv2

        pts = [self.points(local)]
        cv2.fillPoly(self.colour, pts, tuple(float(c) for c in colour), shift=_SHIFT)
        if hull:
            cv2.fillPoly(self.alpha, pts, 255, shift=_SHIFT)
        if tall:
            cv2.fillPoly(self.tall, pts, 255, shift=_SHIFT)

    def rect(self, xa: float, xb: float, ya: float, yb: float, colour: Colour, *, tall: bool = False) -> None:
        self.poly(np.array([[xa, ya], [xb, ya], [xb, yb], [xa, yb]]), colour, tall=tall)

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(premultiplied colour, alpha, tall alpha) at output resolution, float32."""
        import cv2

        colour = cv2.bitwise_and(self.colour, self.colour, mask=self.alpha)  # nothing outside the hull
        tall = cv2.bitwise_and(self.tall, self.alpha)
        size = (self.alpha.shape[1] // self.scale, self.alpha.shape[0] // self.scale)
        # INTER_AREA on uint8 is exact box averaging up to rounding (1/255): plenty for anti-aliasing.
        colour = cv2.resize(colour, size, interpolation=cv2.INTER_AREA).astype(np.float32)
        alpha = cv2.resize(self.alpha, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        tall = cv2.resize(tall, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        return colour, alpha, tall


def _jitter(rng: np.random.Generator, colour: Colour, amount: float = 0.1) -> Colour:
    k = rng.uniform(1.0 - amount, 1.0 + amount)
    c = np.clip(np.array(colour) * k + rng.normal(0.0, 4.0, 3), 0.0, 255.0)
    return (float(c[0]), float(c[1]), float(c[2]))


def _pick(rng: np.random.Generator, colours: tuple[Colour, ...]) -> Colour:
    return _jitter(rng, colours[int(rng.integers(len(colours)))])


def _shade(colour: Colour, k: float) -> Colour:
    return (min(colour[0] * k, 255.0), min(colour[1] * k, 255.0), min(colour[2] * k, 255.0))


def _deck(c: _Canvas, spec: ShipSpec, rim: float, colour: Colour) -> None:
    """The deck: the hull outline shrunk by the width of the bulwark."""
    inner = hull_outline(
        spec.length - 2 * rim,
        spec.width - 2 * rim,
        max(spec.bow_length - rim, 0.5),
        max(spec.stern_radius - rim, 0.0),
        spec.bow_power,
    )
    c.poly(inner, colour)


def _superstructure(c: _Canvas, rng: np.random.Generator, x_from: float, x_to: float, half_w: float) -> None:
    """Bridge/accommodation block, light, with a darker funnel at its aft end."""
    colour = _pick(rng, SUPERSTRUCTURE)
    c.rect(x_from, x_to, -half_w, half_w, colour, tall=True)
    if rng.random() < 0.7:
        c.rect(x_from + 0.55 * (x_to - x_from), x_to, -half_w, half_w, _shade(colour, 0.92), tall=True)
    if rng.random() < 0.7:
        f = 0.25 * (x_to - x_from)
        c.rect(x_from - 0.2 * f, x_from + f, -0.3 * half_w, 0.3 * half_w, _pick(rng, DARK_HULLS), tall=True)


def _draw_boat(c: _Canvas, spec: ShipSpec, rng: np.random.Generator) -> None:
    hull = _pick(rng, BOAT_HULLS)
    c.poly(spec_outline(spec), hull, hull=True)
    half_l, half_w = spec.length / 2, spec.width / 2
    if spec.length > 14 and rng.random() < 0.8:
        _deck(c, spec, max(0.12 * spec.width, 0.6), _shade(hull, rng.uniform(0.75, 1.15)))
    cabin = _pick(rng, LIGHT_HULLS if rng.random() < 0.6 else ((70, 80, 92), (40, 44, 50)))
    start = rng.uniform(-0.35, 0.0) * spec.length
    c.rect(
        start, start + rng.uniform(0.2, 0.4) * spec.length, -0.55 * half_w, 0.55 * half_w, cabin, tall=True
    )
    if rng.random() < 0.4:  # dark work deck or engine at the stern
        c.rect(-half_l, -half_l + 0.15 * spec.length, -0.6 * half_w, 0.6 * half_w, _shade(hull, 0.6))


def _draw_barge(c: _Canvas, spec: ShipSpec, rng: np.random.Generator) -> None:
    hull = _pick(rng, ((122, 92, 64), (96, 90, 84), (70, 62, 56), (150, 120, 90), (60, 70, 76)))
    c.poly(spec_outline(spec), hull, hull=True)
    half_l, half_w = spec.length / 2, spec.width / 2
    _deck(c, spec, max(0.08 * spec.width, 0.7), _shade(hull, rng.uniform(0.8, 1.3)))
    for _ in range(int(rng.integers(1, 5))):  # machinery, cranes, cargo heaps
        x = rng.uniform(-0.4, 0.3) * spec.length
        h = rng.uniform(0.4, 0.8) * half_w
        y = rng.uniform(-half_w + h, half_w - h) if half_w > h else 0.0
        colour = _pick(rng, ((200, 190, 170), (60, 60, 62), (170, 120, 80), (120, 130, 130)))
        c.rect(x, x + rng.uniform(0.06, 0.2) * spec.length, y - h, y + h, colour, tall=rng.random() < 0.5)
    if rng.random() < 0.5:
        _superstructure(c, rng, -half_l + 0.02 * spec.length, -half_l + 0.12 * spec.length, 0.7 * half_w)


def _draw_bulk(c: _Canvas, spec: ShipSpec, rng: np.random.Generator) -> None:
    hull = _pick(rng, DARK_HULLS)
    c.poly(spec_outline(spec), hull, hull=True)
    half_l, half_w = spec.length / 2, spec.width / 2
    deck = _pick(rng, CARGO_DECKS)
    _deck(c, spec, max(0.05 * spec.width, 0.6), deck)
    start, end = -half_l + 0.2 * spec.length, half_l - 0.9 * spec.bow_length
    n = int(np.clip(round((end - start) / (0.9 * spec.width)), 3, 9))
    pitch = (end - start) / n
    hatch = _pick(rng, HATCH_COLOURS)
    for i in range(n):
        x = start + i * pitch
        c.rect(x + 0.12 * pitch, x + 0.88 * pitch, -0.34 * spec.width, 0.34 * spec.width, hatch)
        if spec.width > 14:  # hatch cover seam
            c.rect(
                x + 0.12 * pitch, x + 0.88 * pitch, -0.02 * spec.width, 0.02 * spec.width, _shade(hatch, 0.7)
            )
    c.rect(half_l - spec.bow_length * 0.9, half_l - spec.bow_length * 0.6, -0.3 * half_w, 0.3 * half_w, deck)
    _superstructure(c, rng, -half_l + 0.03 * spec.length, -half_l + 0.14 * spec.length, 0.8 * half_w)


def _draw_tanker(c: _Canvas, spec: ShipSpec, rng: np.random.Generator) -> None:
    hull = _pick(rng, DARK_HULLS)
    c.poly(spec_outline(spec), hull, hull=True)
    half_l, half_w = spec.length / 2, spec.width / 2
    deck = _pick(rng, ((140, 62, 46), (72, 106, 80), (150, 150, 146), (120, 70, 56)))
    _deck(c, spec, max(0.04 * spec.width, 0.6), deck)
    pipe = _shade(deck, rng.uniform(0.6, 1.5))
    start, end = -half_l + 0.17 * spec.length, half_l - spec.bow_length
    c.rect(start, end, -0.06 * spec.width, 0.06 * spec.width, pipe)
    mid = 0.5 * (start + end) + rng.uniform(-0.05, 0.05) * spec.length
    c.rect(mid - 0.02 * spec.length, mid + 0.02 * spec.length, -0.42 * spec.width, 0.42 * spec.width, pipe)
    for x in np.linspace(start, end, int(rng.integers(4, 9)))[1:-1]:  # tank domes
        c.rect(x - 0.01 * spec.length, x + 0.01 * spec.length, 0.12 * spec.width, 0.22 * spec.width, pipe)
    _superstructure(c, rng, -half_l + 0.03 * spec.length, -half_l + 0.15 * spec.length, 0.8 * half_w)


def _draw_container(c: _Canvas, spec: ShipSpec, rng: np.random.Generator) -> None:
    hull = _pick(rng, DARK_HULLS)
    c.poly(spec_outline(spec), hull, hull=True)
    half_l = spec.length / 2
    _deck(c, spec, max(0.04 * spec.width, 0.6), _pick(rng, ((70, 72, 74), (110, 60, 50), (50, 60, 80))))
    bridge = rng.uniform(0.1, 0.3) * spec.length - half_l
    start, end = -half_l + 0.06 * spec.length, half_l - 0.8 * spec.bow_length
    bay = 0.32 * spec.width
    stacks = int(rng.integers(5, 9))
    fill = rng.uniform(0.5, 1.0)
    x = start
    while x + bay < end:
        if abs(x + bay / 2 - bridge) > 0.08 * spec.length and rng.random() < fill:
            edges = np.linspace(-0.44 * spec.width, 0.44 * spec.width, stacks + 1)
            for ya, yb in itertools.pairwise(edges):
                c.rect(x, x + 0.9 * bay, ya, yb, _pick(rng, CONTAINER_COLOURS))
        x += bay
    _superstructure(c, rng, bridge - 0.05 * spec.length, bridge + 0.05 * spec.length, 0.45 * spec.width)


def _draw_ferry(c: _Canvas, spec: ShipSpec, rng: np.random.Generator) -> None:
    hull = _pick(rng, LIGHT_HULLS)
    c.poly(spec_outline(spec), hull, hull=True)
    half_l = spec.length / 2
    _deck(c, spec, max(0.06 * spec.width, 0.6), _shade(hull, 0.9))
    top = _pick(rng, ((236, 236, 232), (196, 200, 204), (150, 160, 172)))
    aft, fore = -half_l + rng.uniform(0.05, 0.2) * spec.length, half_l - spec.bow_length
    c.rect(aft, fore, -0.36 * spec.width, 0.36 * spec.width, top, tall=True)
    if spec.width > 8:  # skylights / decks in a darker line
        c.rect(aft, fore, -0.06 * spec.width, 0.06 * spec.width, _shade(top, 0.7), tall=True)
    if rng.random() < 0.6:
        c.rect(
            aft + 0.3 * (fore - aft),
            aft + 0.4 * (fore - aft),
            -0.15 * spec.width,
            0.15 * spec.width,
            _pick(rng, ((40, 60, 110), (170, 50, 40), (40, 44, 50))),
            tall=True,
        )


_DRAW = {
    "boat": _draw_boat,
    "barge": _draw_barge,
    "bulk": _draw_bulk,
    "tanker": _draw_tanker,
    "container": _draw_container,
    "ferry": _draw_ferry,
}


def footprint_in_patch(spec: ShipSpec, x0: int, y0: int, height: int, width: int) -> np.ndarray:
    """The mask of `spec` in a patch with top-left (x0, y0): the hull outline filled at full resolution."""
    import cv2

    patch = np.zeros((height, width), np.uint8)
    p = (to_image(spec, spec_outline(spec)) - (x0, y0)) * (1 << _SHIFT)
    cv2.fillPoly(patch, [np.round(p).astype(np.int32).reshape(-1, 1, 2)], 1, shift=_SHIFT)
    return patch.astype(bool)


def patch_box(spec: ShipSpec, margin: int) -> tuple[int, int, int, int]:
    """(x0, y0, height, width) of a patch holding the ship plus `margin` pixels all round."""
    pts = to_image(spec, spec_outline(spec))
    x0 = math.floor(pts[:, 0].min()) - margin
    y0 = math.floor(pts[:, 1].min()) - margin
    x1 = math.ceil(pts[:, 0].max()) + margin + 1
    y1 = math.ceil(pts[:, 1].max()) + margin + 1
    return x0, y0, y1 - y0, x1 - x0


def shadow_margin(spec: ShipSpec) -> int:
    """Room around a ship for the shadow of its superstructure."""
    return 3 + math.ceil(1.0 + 0.05 * spec.length)


def _weather(rng: np.random.Generator, colour: np.ndarray, spec: ShipSpec) -> None:
    """Rust, dirt and uneven light over the flat paint (in place)."""
    grime = fbm(rng, colour.shape[:2], rng.uniform(1.5, 3.0), octaves=2)
    ys, xs = np.mgrid[0 : colour.shape[0], 0 : colour.shape[1]].astype(np.float32)
    side = np.float32(-math.sin(spec.heading)) * xs + np.float32(math.cos(spec.heading)) * ys
    side = (side - side.mean()) / max(spec.width, 1.0)
    light = 1.0 + rng.uniform(0.04, 0.12) * grime + rng.uniform(-0.15, 0.15) * np.clip(side, -1.0, 1.0)
    colour *= light[..., None]


def render_ship(spec: ShipSpec, rng: np.random.Generator) -> Sprite:
    """Draw `spec` (colours and details from `rng`) into a sprite with its mask."""
    x0, y0, height, width = patch_box(spec, shadow_margin(spec))
    scale = 8 if spec.length < 40 else 4
    canvas = _Canvas(spec, x0, y0, height, width, scale)
    _DRAW[spec.kind](canvas, spec, rng)
    colour, alpha, tall = canvas.finish()
    _weather(rng, colour, spec)
    footprint = footprint_in_patch(spec, x0, y0, height, width)
    return Sprite(x0, y0, colour, alpha, tall, footprint)
