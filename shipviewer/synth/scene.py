"""One synthetic frame: water, maybe land or a harbour, maybe ships, maybe clouds, then the camera."""

from __future__ import annotations

import math

import numpy as np

from shipviewer.synth.atmosphere import add_clouds, add_haze, lighting, optics
from shipviewer.synth.coast import make_coast, quay_shadow, shore_water
from shipviewer.synth.hazards import add_hazards
from shipviewer.synth.pixels import lerp
from shipviewer.synth.placement import Fleet, draw_fleet, place_free, place_moored
from shipviewer.synth.sea import pick_sea_style, render_sea

# Scene kinds and their probabilities with / without ships. Ships are seen more often near harbours.
SCENES = ("open", "coast", "harbour")
SCENE_P_SHIPS = (0.58, 0.17, 0.25)
SCENE_P_EMPTY = (0.70, 0.20, 0.10)


def _free_count(rng: np.random.Generator) -> int:
    """Ships at sea per image with ships: mostly one or two, sometimes a crowd (anchorage)."""
    if rng.random() < 0.06:
        return int(rng.integers(4, 11))
    return min(int(rng.geometric(0.55)), 6)


def _atmosphere(rng: np.random.Generator, img: np.ndarray, has_ships: bool) -> np.ndarray:
    if rng.random() < (0.15 if has_ships else 0.25):
        img = add_clouds(rng, img, max_opacity=rng.uniform(0.3, 0.6 if has_ships else 0.95))
    roll = rng.random()
    if roll < 0.04 and not has_ships:
        img = add_haze(rng, img, rng.uniform(0.85, 0.97))  # overcast: almost nothing to see
    elif roll < 0.2:
        img = add_haze(rng, img, rng.uniform(0.05, 0.4))
    return img


def _pcg64(rng: np.random.Generator) -> np.random.PCG64:
    """The bit generator of ``rng`` (``np.random.default_rng`` and :func:`image_rng` make PCG64 ones)."""
    bits = rng.bit_generator
    if not isinstance(bits, np.random.PCG64):
        raise TypeError(
            f"hard scenes need a PCG64 generator (np.random.default_rng), got {type(bits).__name__}"
        )
    return bits


def render_image(
    rng: np.random.Generator,
    *,
    ship_probability: float = 0.22,
    shape: tuple[int, int] = (768, 768),
    hard: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """One scene: (RGB uint8 image HxWx3, int32 label image HxW with ship k -> k, 0 = background).

    ``hard`` adds the hard negatives of :mod:`shipviewer.synth.hazards` (rocks, whitecaps), drawn from a
    side stream of ``rng`` (a jumped copy, which leaves ``rng`` where it was), so the scene is otherwise
    the one without them, but for ships that would have sat on a rock, and the sun, which the rocks' shadows
    and the ships' share."""
    has_ships = bool(rng.random() < ship_probability)
    p = np.array(SCENE_P_SHIPS if has_ships else SCENE_P_EMPTY)
    scene = SCENES[int(rng.choice(len(SCENES), p=p))]
    style = pick_sea_style(rng)
    img = render_sea(rng, shape, style)
    water: np.ndarray = np.ones(shape, np.float32)
    berths = []
    if scene != "open":
        coast = make_coast(rng, shape, harbour=scene == "harbour")
        img = shore_water(rng, img, coast.land, coast.natural)
        if not coast.natural:
            img = quay_shadow(rng, img, coast.land)
        img = lerp(img, coast.land, coast.colour)
        water = 1.0 - coast.land
        berths = coast.berths
    hazard_sun = None
    if hard:
        side = np.random.Generator(_pcg64(rng).jumped())
        angle = side.uniform(0.0, 2.0 * np.pi)
        hazard_sun = (math.cos(angle), math.sin(angle))
        img, hazards = add_hazards(side, img, water, hazard_sun)
        water = water * (1.0 - hazards.rocks)
    fleet = Fleet(water, np.zeros(shape, np.int32))
    if has_ships:
        if scene == "harbour":
            place_moored(rng, fleet, berths, int(rng.integers(1, 8)))
        place_free(rng, fleet, _free_count(rng) if scene != "harbour" else int(rng.integers(0, 3)))
        if not fleet.ships:
            place_free(rng, fleet, 1, tries=200)
        sun_angle = rng.uniform(0.0, 2.0 * np.pi)
        sun = hazard_sun or (math.cos(sun_angle), math.sin(sun_angle))
        draw_fleet(rng, img, fleet, sun=sun, wake_strength=rng.uniform(0.15, 0.6))
    img = lighting(rng, _atmosphere(rng, img, has_ships))
    return optics(rng, img), fleet.labels
