"""Choosing where ships go: free on open water, or moored along quays and piers (side by side, touching).

Every accepted ship gets the next label; its mask is checked before anything is drawn: inside water, not
overlapping an earlier ship, big enough where clipped by the frame, and one 4-connected blob.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from shipviewer.synth.effects import composite_ship, render_wake
from shipviewer.synth.land import Berth
from shipviewer.synth.ships import ShipSpec, footprint_in_patch, patch_box, render_ship, sample_spec

MIN_VISIBLE_PIXELS = 20
MOORED_KINDS = ("barge", "boat", "bulk", "tanker", "container", "ferry")
MOORED_WEIGHTS = (0.3, 0.25, 0.15, 0.1, 0.1, 0.1)


@dataclass
class Fleet:
    """Ships accepted so far for one image, and the label image they fill."""

    water: np.ndarray  # HxW float32, 1 = water
    labels: np.ndarray  # HxW int32
    ships: list[ShipSpec] = field(default_factory=list)

    def fits(self, spec: ShipSpec, separation: int) -> tuple[slice, slice, np.ndarray] | None:
        """(rows, cols, mask within them) if `spec` may be added, else None."""
        import cv2

        h_img, w_img = self.labels.shape
        x0, y0, h, w = patch_box(spec, separation + 1)
        ya, xa, yb, xb = max(y0, 0), max(x0, 0), min(y0 + h, h_img), min(x0 + w, w_img)
        if ya >= yb or xa >= xb:
            return None
        full = footprint_in_patch(spec, x0, y0, h, w)
        mask = full[ya - y0 : yb - y0, xa - x0 : xb - x0]
        visible = int(mask.sum())
        if visible < max(MIN_VISIBLE_PIXELS, 0.2 * int(full.sum())):
            return None
        rows, cols = slice(ya, yb), slice(xa, xb)
        if (self.water[rows, cols][mask] < 0.5).any():
            return None
        guard = mask
        if separation > 0:
            kernel = np.ones((2 * separation + 1, 2 * separation + 1), np.uint8)
            guard = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
        if (self.labels[rows, cols][guard] != 0).any():
            return None
        if cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)[0] != 2:
            return None
        return rows, cols, mask

    def add(self, spec: ShipSpec, separation: int) -> bool:
        """Accept `spec` if it fits; its pixels get the next label."""
        found = self.fits(spec, separation)
        if found is None:
            return False
        rows, cols, mask = found
        self.ships.append(spec)
        self.labels[rows, cols][mask] = len(self.ships)
        return True


def place_free(rng: np.random.Generator, fleet: Fleet, count: int, *, tries: int = 25) -> None:
    """Up to `count` ships anywhere on open water, partly outside the frame now and then."""
    h, w = fleet.labels.shape
    for _ in range(count):
        spec = sample_spec(rng, 0.0, 0.0, rng.uniform(0.0, 2.0 * np.pi))
        for _ in range(tries):
            pad = 0.3 * spec.length if rng.random() < 0.15 else -0.3 * spec.length
            cx = rng.uniform(-pad, w + pad) if w + 2 * pad > 0 else w / 2
            cy = rng.uniform(-pad, h + pad) if h + 2 * pad > 0 else h / 2
            if fleet.add(spec.moved(float(cx), float(cy)), separation=3):
                break


def _berth_point(rng: np.random.Generator, berth: Berth, shape: tuple[int, int]) -> float | None:
    """A distance along `berth` whose point lies inside the frame, or None."""
    for _ in range(20):
        t = rng.uniform(0.0, berth.length)
        x = berth.start[0] + berth.direction[0] * t
        y = berth.start[1] + berth.direction[1] * t
        if 0 <= x < shape[1] and 0 <= y < shape[0]:
            return float(t)
    return None


def _moored_spec(rng: np.random.Generator, berth: Berth, t: float, offset: float, kind: str) -> ShipSpec:
    """A ship lying alongside `berth` at distance `t`, its side `offset` pixels off the berth edge."""
    heading = math.atan2(berth.direction[1], berth.direction[0]) + (np.pi if rng.random() < 0.5 else 0.0)
    spec = sample_spec(
        rng, 0.0, 0.0, heading, kind=kind, max_length=min(290.0, berth.length + 40), moving=False
    )
    away = offset + spec.width / 2
    cx = berth.start[0] + berth.direction[0] * t + berth.normal[0] * away
    cy = berth.start[1] + berth.direction[1] * t + berth.normal[1] * away
    return spec.moved(float(cx), float(cy))


def _moor_one(
    rng: np.random.Generator, fleet: Fleet, berth: Berth, t: float, offset: float, kind: str
) -> ShipSpec | None:
    """Try a moored ship, easing it off by a pixel at a time if it overlaps the quay or its neighbour."""
    spec = _moored_spec(rng, berth, t, offset, kind)
    for step in range(4):
        shifted = spec.moved(spec.cx + berth.normal[0] * step, spec.cy + berth.normal[1] * step)
        if fleet.add(shifted, separation=0):
            return shifted
    return None


def place_moored(rng: np.random.Generator, fleet: Fleet, berths: list[Berth], count: int) -> None:
    """About `count` ships alongside berths; some rafted two or three abreast (touching, not overlapping)."""
    if not berths:
        return
    placed = 0
    for _ in range(4 * count):
        if placed >= count:
            break
        berth = berths[int(rng.integers(len(berths)))]
        t = _berth_point(rng, berth, fleet.labels.shape)
        if t is None:
            continue
        kind = MOORED_KINDS[int(rng.choice(len(MOORED_KINDS), p=np.array(MOORED_WEIGHTS)))]
        offset = rng.uniform(0.5, 3.0)
        for _ in range(1 + (int(rng.integers(1, 3)) if rng.random() < 0.4 else 0)):
            spec = _moor_one(rng, fleet, berth, t, offset, kind)
            if spec is None:
                break
            placed += 1
            offset += spec.width + rng.uniform(0.0, 1.0)  # next one rafted alongside
            t += rng.normal(0.0, 0.1 * spec.length)


def draw_fleet(
    rng: np.random.Generator, img: np.ndarray, fleet: Fleet, *, sun: tuple[float, float], wake_strength: float
) -> None:
    """Wakes first (so no wake is drawn over another ship), then shadows and ships."""
    for spec in fleet.ships:
        if spec.moving:
            render_wake(img, spec, rng, strength=wake_strength, water=fleet.water)
    shadow = rng.uniform(0.3, 0.65)
    for spec in fleet.ships:
        composite_ship(img, render_ship(spec, rng), spec, sun, shadow)
