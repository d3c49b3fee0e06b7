"""The vocabulary of click-to-segment: a click, the knobs, and the (box, mask) regions it passes around.

Kept apart from :mod:`.click_segment` (the segmentation) and :mod:`.click_corrections` (what a click
on an existing ship changes) so both can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shipviewer.edits.undo import Box

__all__ = ["DEFAULT_OPTIONS", "FALLBACKS", "Click", "PriorCache", "Region", "SegmentOptions", "inside"]

FALLBACKS = ("grabcut", "flood")


@dataclass(frozen=True)
class Click:
    """A click at image point (x, y) (pixel centres at integers); ``positive``: "this is ship".

    ``radius``: how far around it the click is certain (None: ``SegmentOptions.click_radius``, and the
    pixels of its own colour nearby); :func:`.click_corrections.fit_click` narrows it for a click next
    to the outline.
    """

    x: float
    y: float
    positive: bool = True
    radius: int | None = None

    @property
    def pixel(self) -> tuple[int, int]:
        return round(self.x), round(self.y)


@dataclass(frozen=True)
class SegmentOptions:
    """Knobs of :func:`segment_clicks` (the defaults are what ``benchmarks/bench_clicks.py`` measured)."""

    min_probability: float = 0.25  # below this at a click, the model "has nothing there"
    relative_floor: float = 0.5  # the model prior reaches down to this share of the click's probability
    absolute_floor: float = 0.15
    model_reach: int = 256  # the model prior is looked for this far from the click (pixels)
    fallback: str = "grabcut"  # without the model: "grabcut" or "flood"
    max_side: int = 96  # GrabCut works on the window shrunk to this many pixels at most
    iterations: int = 3
    margin: float = 0.3  # window = prior's box widened by this share of its size...
    min_margin: int = 10  # ...and at least this many pixels
    click_radius: int = 2  # radius of a click's hard constraint (pixels at full size)...
    click_reach: int = 12  # ...widened to the pixels of the click's own colour this close to it
    click_tolerance: int = 5  # (Lab units per channel)
    rim_alpha: float = 0.3  # 0 turns the rim step off
    split_hulls: bool = True  # the model prior of a click on a raft is the clicked hull's strip...
    # ...and of a click on a boat the model drew as one blob with the pier it lies at, the part beyond
    # a straight seam this many times as strong as the blob's median line (0: off).
    prior_seam: float = 2.0
    # A prior's pixels deeper than this share of its deepest point are certainly ship (0: off), unless a
    # negative click lies on the prior.
    core: float = 0.6
    close: int = 2  # GrabCut's answer closed with a disc of this radius, holes filled (0: off)
    # A click on a thin strip next to the outline (``Click.radius`` set) changes the ship only this many
    # times its distance to the outline (+ 1 px) from it: a click on a missed pixel of rim said nothing
    # of the sea beyond, yet the rerun could add a spill there (0: no limit).
    strip_band: float = 1.5
    nudge_reach: int = 64  # a click next to the outline moves it at most this far along (pixels; 0: off)
    # ...over the colours like the click's, and where the model's map is this sure of ship (1 − this, of
    # sea, for "not this") and at least as sure as at the click (0: colours only).
    nudge_sure: float = 0.9
    # A negative click on a ship takes pixels at most this many times its depth in the spill (its
    # distance to the outline) + 8 px away, so a rerun cannot drop a whole hull (0: no limit).
    correction_reach: float = 8.0
    # ...nor any pixel this share of the way (or less) from a positive click to it (0: off)...
    protect_share: float = 0.3
    # ...and when it would take more than this share of the ship, only what lies nearer to it than to
    # every positive click (1: off).
    most_taken: float = 0.75
    # A "not this" deep on the ship takes what a straight seam at least this many times as strong as
    # the blob's median line parts from the positive clicks (:func:`shipviewer.model.seams.seam_between`;
    # 0: off).
    seam_floor: float = 2.0

    def __post_init__(self) -> None:
        if self.fallback not in FALLBACKS:
            raise ValueError(f"fallback must be one of {FALLBACKS}, got {self.fallback!r}")
        if self.max_side < 16:
            raise ValueError(f"max_side must be at least 16, got {self.max_side}")


DEFAULT_OPTIONS = SegmentOptions()
Region = tuple[Box, np.ndarray]  # a box and a bool mask of its shape
PriorCache = dict[tuple[int, int, bool, SegmentOptions], Region | None]  # (x, y, with a map, options)


def inside(click: Click, shape: Sequence[int]) -> bool:
    """Whether the click's pixel lies in a frame of ``shape`` (H, W)."""
    x, y = click.pixel
    return 0 <= x < int(shape[1]) and 0 <= y < int(shape[0])
