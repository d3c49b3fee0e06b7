"""What a click on a ship that already has pixels changes: a correction where the click is.

The segmentation (:mod:`.click_segment`) is rerun with every click so far, but a rerun also moves the
outline far from the click, and a labeller's next click then undoes the last one: the simulated labeller
of ``benchmarks/bench_clicks.py`` went round such loops until its 20 clicks were spent (NoC@85 7.0 and
NoC@90 10.5 on ``synth --seed 7`` before, 5.4 / 8.3 with the corrections). So of the rerun's answer only
what touches the click is taken — a positive click only adds, a negative one only takes away — and a
click on a thin strip next to the outline (:func:`fit_click`) also moves the stretch of outline it lies
on (:func:`_nudge`).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from shipviewer.edits.click_types import DEFAULT_OPTIONS, Click, SegmentOptions, inside
from shipviewer.edits.morphology import depth
from shipviewer.edits.undo import Box
from shipviewer.model.grabcut import rim_alpha
from shipviewer.model.seams import hull_strips, seam_between

__all__ = ["correction", "fit_click"]


def correction(
    crop: np.ndarray,
    old: np.ndarray,
    new: np.ndarray,
    free: np.ndarray,
    area: Box,
    click: Click,
    earlier: Sequence[Click],
    options: SegmentOptions,
    *,
    levels: np.ndarray | None = None,
) -> np.ndarray:
    """The pixels of frame ``area`` that a correction ``click`` flips on a ship that was ``old`` and that
    the rerun segmentation makes ``new``: what the rerun added (a positive click) or took away (a
    negative one) where it touches the click — a negative click's within ``correction_reach`` and not
    within ``protect_share`` of the way to a positive click from that click —, and the stretch of
    outline a click next to it moves (:func:`_nudge`; ``levels``, the model's map under the frame as
    uint8 levels, guides it where the colours do not)."""
    x, y = _in_frame(click, area)
    plus = [_in_frame(c, area) for c in earlier if c.positive]
    change = (old != new) & free
    target = _local_change(change & (new if click.positive else old), x, y)
    deep = 0.0 if click.positive else _distance_to(old, x, y)
    if not click.positive and options.seam_floor > 0 and deep >= 3 and click.radius is None:
        # A "not this" deep on the ship, on what a straight seam parts from the positive clicks on it (a
        # tug or barge alongside): what lies beyond the seam goes, whatever the rerun's answer was —
        # unless that is most of the ship.
        part = seam_between(crop, old, plus, (x, y), floor=options.seam_floor)
        if part is not None and part.sum() <= options.most_taken * old.sum():
            return part
    if not click.positive:
        if options.correction_reach > 0:
            target &= _within(options.correction_reach * deep + 8, x, y, target.shape)
        # What lies near a "ship here" stays: the rerun after a "not this" on a hull moored alongside
        # can keep little more than the pixels round the positive click, and take the rest of its hull.
        for px, py in plus if options.protect_share > 0 else []:
            reach = options.protect_share * float(np.hypot(px - x, py - y))
            target &= ~_within(reach, px, py, target.shape)
        if plus and options.most_taken < 1 and target.sum() > options.most_taken * old.sum():
            # Nearly the whole ship would go (a raft whose hulls look alike: the rerun gives all of it
            # to the sea): only what lies nearer to this click than to every "ship here" goes.
            target &= _nearer(x, y, plus, target.shape)
    if not click.positive and options.split_hulls and old[y, x] and plus and click.radius is None:
        target |= _other_hull(crop, old, x, y, plus)
    if click.radius is not None and options.strip_band > 0:
        target &= _band(old, click.positive, options.strip_band * (click.radius + 1) + 1)
    if click.radius is not None and options.nudge_reach > 0:
        others = [_in_frame(c, area) for c in earlier if c.positive != click.positive]
        target |= _nudge(
            crop, old, free, x, y, click, options.nudge_reach, others, levels, options.nudge_sure
        )
    return target


def fit_click(
    labels: np.ndarray, label: int, click: Click, options: SegmentOptions = DEFAULT_OPTIONS
) -> Click:
    """``click`` with the radius it can be sure of on ship ``label`` as it is now: a click on a strip
    next to the outline (a positive one just outside the ship, a negative one just inside) is certain
    only up to about the strip's half-width, its distance to the outline; elsewhere it keeps
    ``options.click_radius``."""
    x, y = click.pixel
    if not inside(click, labels.shape) or (labels[y, x] == label) == click.positive:
        return click  # outside the image, or already what the click says (a no-op)
    if click.positive and not (labels == label).any():
        return click  # a new ship: nothing to be next to
    reach = options.click_radius + 1
    part = labels[max(y - reach, 0) : y + reach + 1, max(x - reach, 0) : x + reach + 1] == label
    other = part if click.positive else ~part
    if not other.any():
        return click
    ys, xs = np.nonzero(other)
    cy, cx = y - max(y - reach, 0), x - max(x - reach, 0)
    distance = float(np.sqrt(((ys - cy) ** 2 + (xs - cx) ** 2).min()))
    radius = max(int(distance) - 1, 0)
    return click if radius >= options.click_radius else Click(click.x, click.y, click.positive, radius)


def _nudge(
    crop: np.ndarray,
    ship: np.ndarray,
    free: np.ndarray,
    x: int,
    y: int,
    click: Click,
    reach: int,
    others: Sequence[tuple[int, int]],
    levels: np.ndarray | None = None,
    sure: float = 0.0,
) -> np.ndarray:
    """The pixels that move the outline out to a positive click just outside it (in to a negative one
    just inside): the strip along the outline, as deep as the click, whose colour is as hull-like as at
    the click (as sea-like, for a negative one) — the clicked pixel's rim alpha, how far its colour lies
    from the local sea's to the local hull's, becomes the threshold — and only the stretch of it that
    runs on from the click, at most ``reach`` pixels away. A click on such a strip says the strip is ship
    (sea), and it runs along the hull, not round the click: on ``synth --seed 7`` the labeller's last
    clicks were mostly on a one-pixel band of rim down a whole side. ``crop`` is the image under
    ``ship``'s frame; ``free`` are the pixels the ship may take; ``others`` the earlier clicks of the
    other kind (in the frame's coordinates), whose alpha bounds the threshold: what one said is sea
    stays sea. ``levels`` (the model's map under the frame, uint8, or None) moves the strip also where
    the map is ``sure`` of ship (of sea: 1 − ``sure``) and at least as sure as at the click: with the
    ground truth as the map, NoC@85 / 90 on ``synth --seed 7`` went from 4.3 / 7.1 to 3.3 / 5.4; with the
    bundled model's, from 5.15 / 7.93 to 5.03 / 7.99."""
    distance = (click.radius or 0) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * distance + 1, 2 * distance + 1))
    pad = distance + 1
    padded = np.pad(ship, pad).view(np.uint8)
    if click.positive:
        band = (cv2.dilate(padded, disc)[pad:-pad, pad:-pad] > 0) & ~ship & free
    else:
        band = ship & ~(cv2.erode(padded, disc)[pad:-pad, pad:-pad] > 0)
    band &= _within(reach, x, y, ship.shape)
    if not band.any():
        return band
    alpha, defined = rim_alpha(crop, ship)
    if not defined[y, x]:
        return np.zeros_like(band)
    at_click = float(alpha[y, x])
    h, w = ship.shape
    against = [
        float(alpha[cy, cx])
        for cx, cy in others
        if 0 <= cx < w
        and 0 <= cy < h
        and defined[cy, cx]
        and (cx - x) ** 2 + (cy - y) ** 2 <= 4 * reach * reach
    ]
    # A hull-like click (a sea-like one, for "not this") takes what lies halfway from its alpha to the
    # even mix. A click on a plain pixel takes what is at least as hull-like (sea-like) as it: on plain
    # sea that is about half the band's pixels, so the stretch runs on as far as they connect. That
    # is uneven on a noisy sea, but it pays: a shorter, even stretch (the band within 4 px, or along
    # the side the click is on) took NoC@85/90 on synth --seed 7 from 5.4 / 8.3 to 6.1 / 9.6 and 5.6 / 9.0.
    if click.positive:
        like = alpha >= max([min(at_click, (at_click + 0.5) / 2), *[a + 1e-3 for a in against]])
    else:
        like = alpha <= min([max(at_click, (at_click + 0.5) / 2), *[a - 1e-3 for a in against]])
    like &= defined
    if levels is not None and sure > 0:
        # Where the colour says nothing (the generous rim of a mask is often sea-coloured), the model's
        # map may: what it is sure of, and at least as sure as at the click, moves too.
        at = int(levels[y, x])
        if click.positive:
            like |= levels >= max(at, round(sure * 255))
        else:
            like |= levels <= min(at, round((1 - sure) * 255))
    return _local_change(band & like, x, y)


def _other_hull(
    crop: np.ndarray, ship: np.ndarray, x: int, y: int, positives: Sequence[tuple[int, int]]
) -> np.ndarray:
    """The hull of ``ship`` moored alongside (a strip of :func:`.seams.hull_strips`) that a "not this"
    at (x, y) lies on, when none of the positive clicks (at least one) lies on it: a raft's neighbour
    goes whole."""
    strips = hull_strips(crop, ship)
    if strips.max() <= 1:
        return np.zeros_like(ship)
    clicked = strips == strips[y, x]
    return np.zeros_like(ship) if _on(clicked, positives) else clicked


def _band(ship: np.ndarray, outside: bool, width: float) -> np.ndarray:
    """The pixels at most ``width`` from ``ship``'s outline: outside it (``outside``) or inside it."""
    if outside:
        return ~ship & (cv2.distanceTransform((~ship).view(np.uint8), cv2.DIST_L2, 3) <= width)
    return ship & (depth(ship) <= width)


def _on(mask: np.ndarray, points: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The (x, y) points that lie on ``mask``."""
    h, w = mask.shape
    return [(x, y) for x, y in points if 0 <= x < w and 0 <= y < h and mask[y, x]]


def _nearer(x: int, y: int, others: Sequence[tuple[int, int]], shape: Sequence[int]) -> np.ndarray:
    """The pixels of a frame of ``shape`` nearer to (x, y) than to each of ``others``."""
    ys, xs = np.mgrid[0 : int(shape[0]), 0 : int(shape[1])]
    mine = (xs - x) ** 2 + (ys - y) ** 2
    out = np.ones((int(shape[0]), int(shape[1])), bool)
    for ox, oy in others:
        out &= mine < (xs - ox) ** 2 + (ys - oy) ** 2
    return out


def _in_frame(click: Click, area: Box) -> tuple[int, int]:
    """The click's pixel in the coordinates of frame ``area``."""
    return click.pixel[0] - area.x0, click.pixel[1] - area.y0


def _distance_to(other: np.ndarray, x: int, y: int) -> float:
    """How far pixel (x, y) lies from the nearest False pixel of ``other`` (the frame's edge counts)."""
    return float(depth(other, 5)[y, x])


def _within(radius: float, x: int, y: int, shape: Sequence[int]) -> np.ndarray:
    """The disc of ``radius`` around (x, y) in a frame of ``shape``."""
    near = np.zeros((int(shape[0]), int(shape[1])), np.uint8)
    cv2.circle(near, (x, y), round(radius), 1, -1)
    return near.view(bool)


def _local_change(change: np.ndarray, x: int, y: int) -> np.ndarray:
    """The parts of ``change`` (8-connected) that hold or touch pixel (x, y), or come within 2 px of it."""
    n, parts = cv2.connectedComponents(change.view(np.uint8), connectivity=8)
    if n <= 1:
        return change
    near = parts[max(y - 2, 0) : y + 3, max(x - 2, 0) : x + 3]
    keep = np.zeros(n, bool)
    keep[np.unique(near)] = True
    keep[0] = False
    return keep[parts]
