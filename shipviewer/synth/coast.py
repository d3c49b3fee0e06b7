"""Where the land is: natural coastlines (beach, surf, shallow water) and harbours (straight quays, piers)."""

from __future__ import annotations

import math

import numpy as np

from shipviewer.synth.industry import CONCRETE
from shipviewer.synth.land import Berth, Coast, land_colour, sand_colour
from shipviewer.synth.noise import fbm, log_uniform, smoothstep
from shipviewer.synth.pixels import lerp, scale
from shipviewer.synth.sea import SHALLOW_COLOURS

Point = tuple[float, float]


def _projection(shape: tuple[int, int], normal: np.ndarray, centre: Point) -> np.ndarray:
    """Signed distance along `normal` from `centre`, per pixel."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    return (xs - np.float32(centre[0])) * np.float32(normal[0]) + (ys - np.float32(centre[1])) * np.float32(
        normal[1]
    )


def _offset_for_fraction(field: np.ndarray, fraction: float) -> float:
    """The level below which about `fraction` of the pixels of `field` lie (from a subsample: fast)."""
    return float(np.quantile(field[::4, ::4], fraction))


def _pier(
    colour: np.ndarray,
    land: np.ndarray,
    base: np.ndarray,
    out: np.ndarray,
    length: float,
    half_w: float,
    tone: tuple,
) -> list[Berth]:
    """Draw one pier (land mask and colour) from `base` along `out`; return its two long sides as berths."""
    import cv2

    side = np.array([-out[1], out[0]])
    root = base - out * 20.0
    tip = base + out * length
    rect = np.array([root + side * half_w, tip + side * half_w, tip - side * half_w, root - side * half_w])
    pts = [np.round(rect * 16).astype(np.int32).reshape(-1, 1, 2)]
    cv2.fillPoly(land, pts, 1.0, shift=4)
    cv2.fillPoly(colour, pts, tone, shift=4)
    edge = tuple(float(c) * 0.75 for c in tone)
    cv2.polylines(colour, pts, True, edge, 1, lineType=cv2.LINE_AA, shift=4)
    berths = []
    for sign in (1.0, -1.0):
        start = base + side * sign * half_w
        berths.append(
            Berth(
                (float(start[0]), float(start[1])),
                (float(out[0]), float(out[1])),
                (float(side[0] * sign), float(side[1] * sign)),
                float(length),
            )
        )
    return berths


def _harbour(
    rng: np.random.Generator, shape: tuple[int, int], colour: np.ndarray
) -> tuple[np.ndarray, list[Berth]]:
    """Straight quay with piers; returns (land, berths) and paints piers into `colour`."""
    h, w = shape
    phi = rng.uniform(0.0, 2.0 * np.pi)
    normal = np.array([math.cos(phi), math.sin(phi)])
    along = np.array([-normal[1], normal[0]])
    centre = (w / 2.0, h / 2.0)
    proj = _projection(shape, normal, centre)
    level = _offset_for_fraction(proj, rng.uniform(0.12, 0.45))
    land = smoothstep(level - proj, -0.7, 0.7)
    quay = np.array(centre) + normal * level
    berths = [
        Berth(
            (float((quay - along * 1200)[0]), float((quay - along * 1200)[1])),
            (float(along[0]), float(along[1])),
            (float(normal[0]), float(normal[1])),
            2400.0,
        )
    ]
    tone = CONCRETE[int(rng.integers(len(CONCRETE)))]
    n_piers = int(rng.integers(1, 5))
    for tau in np.sort(rng.uniform(-0.45, 0.45, n_piers)) * math.hypot(h, w):
        base = quay + along * tau
        tilt = rng.normal(0.0, 0.15) if rng.random() < 0.4 else 0.0
        out = normal * math.cos(tilt) + along * math.sin(tilt)
        berths += _pier(colour, land, base, out, log_uniform(rng, 60.0, 320.0), rng.uniform(4.0, 16.0), tone)
    if rng.random() < 0.3:  # breakwater parallel to the quay
        base = quay + normal * rng.uniform(150.0, 350.0) - along * rng.uniform(100.0, 500.0)
        berths += _pier(colour, land, base, along, rng.uniform(300.0, 900.0), rng.uniform(4.0, 10.0), tone)[
            1:
        ]
    return land, berths


def _natural(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Irregular coastline; bays and islands come from the noise."""
    phi = rng.uniform(0.0, 2.0 * np.pi)
    normal = np.array([math.cos(phi), math.sin(phi)])
    field = _projection(shape, normal, (shape[1] / 2.0, shape[0] / 2.0))
    field += fbm(rng, shape, rng.uniform(120.0, 350.0), octaves=5, persistence=0.55) * rng.uniform(
        20.0, 110.0
    )
    level = _offset_for_fraction(field, rng.uniform(0.08, 0.55))
    return smoothstep(level - field, -0.8, 0.8)


def distance_inside(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance of each nonzero pixel of `mask` to the nearest zero pixel."""
    import cv2

    return cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)


def _beach(rng: np.random.Generator, colour: np.ndarray, land: np.ndarray) -> np.ndarray:
    """A band of sand along the shore."""
    # Width varies along the shore: distance inland measured against a noisy width.
    width = rng.uniform(4.0, 30.0) * np.clip(
        1.0 + 0.7 * fbm(rng, land.shape, rng.uniform(40.0, 120.0)), 0.1, 2.5
    )
    relative = distance_inside(land > 0.5) / width
    band = (1.0 - smoothstep(relative, 0.5, 1.0)) * rng.uniform(0.6, 1.0)
    sand = sand_colour(rng)
    return lerp(colour, band, sand)


def shore_water(rng: np.random.Generator, sea: np.ndarray, land: np.ndarray, natural: bool) -> np.ndarray:
    """`sea` with a shallow-water tint near land, plus surf on natural shores."""
    offshore = distance_inside(land < 0.5)
    shallow = SHALLOW_COLOURS[int(rng.integers(len(SHALLOW_COLOURS)))]
    reach = rng.uniform(15.0, 120.0) if natural else rng.uniform(5.0, 30.0)
    tint = np.exp(-offshore / reach) * (rng.uniform(0.3, 0.8) if natural else rng.uniform(0.0, 0.3))
    sea = lerp(sea, tint, shallow)
    if natural and rng.random() < 0.6:
        foam = np.exp(-offshore / rng.uniform(1.5, 4.0)) * np.clip(
            0.6 + 0.5 * fbm(rng, land.shape, 6.0), 0, 1
        )
        sea = lerp(sea, foam * rng.uniform(0.4, 0.9), (225.0, 225.0, 225.0))
    return sea


def quay_shadow(rng: np.random.Generator, sea: np.ndarray, land: np.ndarray) -> np.ndarray:
    """`sea` darkened where quays and piers cast their shadow on it."""
    import cv2

    angle, reach = rng.uniform(0.0, 2.0 * np.pi), rng.uniform(1.5, 4.0)
    m = np.array([[1.0, 0.0, reach * math.cos(angle)], [0.0, 1.0, reach * math.sin(angle)]])
    shadow = cv2.warpAffine(land, m, (land.shape[1], land.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    return scale(sea, 1.0 - rng.uniform(0.2, 0.45) * shadow)


def make_coast(rng: np.random.Generator, shape: tuple[int, int], harbour: bool) -> Coast:
    """Land (with piers) and its colours for a coastal or harbour scene."""
    colour = land_colour(rng, shape, harbour)
    if harbour:
        land, berths = _harbour(rng, shape, colour)
        worn = 1.0 + 0.06 * fbm(rng, shape, rng.uniform(2.0, 4.0), octaves=3)  # worn concrete, rust, dirt
        colour = scale(colour, worn)
    else:
        land, berths = _natural(rng, shape), []
        if rng.random() < 0.7:
            colour = _beach(rng, colour, land)
    return Coast(land, colour, berths, natural=not harbour)
