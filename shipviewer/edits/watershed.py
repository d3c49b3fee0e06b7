"""Split a blob of touching ships into one ship each, by a marker watershed (``cv2.watershed``).

The seeds are the user's clicks (one inside each ship), or found automatically: the peaks of the blob's
distance transform after the image's own edges inside the blob are cut out of it (two hulls moored side
by side make one wide blob, but the line between them is an edge), weighted by the model's probability
where there is a map. Every pixel of the blob goes to exactly one of the new ships: none is lost, none
is shared, and no other ship is touched. The part with the most pixels keeps the blob's label.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from shipviewer.edits._core import (
    EditError,
    Point,
    as_points,
    check_label,
    check_labels,
    give_to_neighbours,
    label_box,
    next_free_label,
    write_where,
)
from shipviewer.edits.morphology import depth
from shipviewer.edits.undo import Atom

__all__ = ["find_seeds", "watershed_split"]

_SQUARE3 = np.ones((3, 3), np.uint8)


def _edges_inside(image: np.ndarray, ship: np.ndarray) -> np.ndarray:
    """Strong image edges inside the blob (Canny on the blurred crop), away from the blob's outline."""
    grey = cv2.cvtColor(cv2.GaussianBlur(image, (3, 3), 0), cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, 40, 100) > 0
    inner = cv2.erode(ship.view(np.uint8), _SQUARE3, iterations=2).view(bool)
    return edges & inner


def find_seeds(
    ship: np.ndarray,
    image: np.ndarray | None = None,
    probability: np.ndarray | None = None,
    *,
    min_distance: float = 3.0,
    peak_share: float = 0.5,
) -> np.ndarray:
    """Seed blobs for :func:`watershed_split` inside ``ship`` (a bool mask): an int32 image, 0 outside
    seeds, 1..n inside them.

    A seed is a connected patch where the distance to the blob's edge (and to image edges inside it) is
    at least ``peak_share`` of the largest distance in its own part of the blob and ``min_distance``.
    """
    core = ship.copy()
    if image is not None:
        core &= ~_edges_inside(image, ship)
    dist = depth(core, 5)
    if probability is not None:
        p = probability.astype(np.float32) / (255.0 if probability.dtype == np.uint8 else 1.0)
        dist = dist * (0.5 + 0.5 * np.clip(p, 0.0, 1.0))
    count, parts = cv2.connectedComponents(core.view(np.uint8), connectivity=4)
    seeds = np.zeros(ship.shape, np.int32)
    n = 0
    for part in range(1, count):
        inside = parts == part
        peak = float(dist[inside].max())
        if peak < min_distance:
            continue
        high = inside & (dist >= max(peak_share * peak, min_distance))
        k, blobs = cv2.connectedComponents(high.view(np.uint8), connectivity=8)
        for blob in range(1, k):
            n += 1
            seeds[blobs == blob] = n
    return seeds


def watershed_split(
    labels: np.ndarray,
    label: int,
    *,
    seeds: Sequence[Point] | None = None,
    image: np.ndarray | None = None,
    probability: np.ndarray | None = None,
    new_label: int | None = None,
) -> Atom | None:
    """Split ship ``label`` into one ship per seed: the clicked points ``seeds`` (each inside the ship),
    or the seeds :func:`find_seeds` finds when None.

    ``image`` (the image's (H, W, 3) uint8 RGB) guides the split along its edges; ``probability`` (an
    (H, W) map) weights the automatic seeds. New ships are numbered from ``new_label`` (default: one above
    the largest label). Raises :class:`EditError` when fewer than two seeds fall inside the ship.
    """
    check_labels(labels)
    label = check_label(label)
    tight = label_box(labels, label)
    if tight is None:
        raise EditError(f"there is no ship {label} to split")
    box = tight.grow(2, labels.shape)
    region = labels[box.slices]
    ship = region == label
    crop = None if image is None else np.ascontiguousarray(image[box.slices])
    if seeds is not None:
        markers = np.zeros(ship.shape, np.int32)
        n = 0
        for x, y in as_points(seeds).tolist():
            lx, ly = x - box.x0, y - box.y0
            if 0 <= lx < ship.shape[1] and 0 <= ly < ship.shape[0] and ship[ly, lx] and markers[ly, lx] == 0:
                n += 1
                disk = np.zeros(ship.shape, np.uint8)
                cv2.circle(disk, (lx, ly), 1, 1, -1)
                markers[(disk > 0) & ship & (markers == 0)] = n
        if n < 2:
            raise EditError(f"click inside each ship of the blob: {n} of the seeds lie in ship {label}")
    else:
        prob = None if probability is None else probability[box.slices]
        markers = find_seeds(ship, crop, prob)
        n = int(markers.max())
        if n < 2:
            raise EditError(f"no touching ships found in ship {label}: click once inside each of them")
    if crop is None:
        # Without the image, flood by the distance to the blob's edge: the split runs along the necks.
        dist = depth(ship, 5)
        level = (255 - np.clip(dist * (255.0 / max(float(dist.max()), 1.0)), 0, 255)).astype(np.uint8)
        crop = cv2.merge([level, level, level])
        crop[~ship] = 0
    else:
        crop = cv2.GaussianBlur(crop, (3, 3), 0)
        # The outside gets a colour far from the ship's, so the floods stay inside the blob until it is full.
        far = np.where(crop[ship].mean(axis=0) > 127, 0, 255).astype(np.uint8)
        crop[~ship] = far
    flood = markers.copy()
    flood[~ship] = n + 1  # the outside is one more basin: no seed floods around the blob into another
    cv2.watershed(crop, flood)
    parts = np.where(ship, flood, 0)
    parts[parts > n] = 0
    parts[parts < 0] = 0  # the watershed's dividing lines go to a neighbouring part
    give_to_neighbours(parts, ship, 0)
    sizes = np.bincount(parts[ship], minlength=n + 1)
    order = [int(k) for k in np.argsort(-sizes[1:], kind="stable") + 1 if sizes[k] > 0]
    if len(order) < 2:
        raise EditError(f"the watershed found one ship only in ship {label}")
    if new_label is None:
        new_label = next_free_label(labels)
    new_label = max(int(new_label), label + 1)
    lut = np.full(n + 1, label, np.int32)  # a pixel no part reached stays with the blob's label
    for rank, part in enumerate(order):
        lut[part] = label if rank == 0 else new_label + rank - 1
    values = lut[parts]
    return write_where(labels, box, ship, values[ship])
