"""Touching ships apart: split a blob of the thresholded probability map where it holds several ship cores.

Ships moored side by side merge into one blob once the map is thresholded. Each blob is split by OpenCV's
watershed, seeded by its *cores*: the parts of the blob where the model is most sure (probability at least
``core``) that lie deep inside it (distance to the blob's edge at least ``depth`` of the blob's deepest
point). A blob with one core stays whole; a blob with two becomes two ships that share no pixel and lose
none. Parts that touch along a short line are joined again (``contact``): ships moored side by side touch
along their length, while a long hull that the model is unsure of at its middle would be cut across its
narrow width, so it stays one ship.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fill_seams", "split_blobs"]


def split_blobs(
    mask: np.ndarray,
    probability: np.ndarray,
    *,
    core: float = 0.9,
    depth: float = 0.5,
    min_core: int = 30,
    contact: float = 1.0,
    connectivity: int = 8,
) -> np.ndarray:
    """Instance labels (int32, 0 = background, 1..k) of ``mask``: each connected blob, split by watershed
    between its cores. Every pixel of ``mask`` gets a label; a blob with fewer than two cores of at least
    ``min_core`` pixels keeps one label."""
    import cv2

    mask = np.ascontiguousarray(mask, dtype=np.uint8)
    n_blobs, blobs, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=connectivity)
    out = np.zeros(mask.shape, np.int32)
    next_label = 1
    for blob in range(1, n_blobs):
        x, y, w, h = (int(v) for v in stats[blob, :4])
        pad = 2
        y0, x0 = max(y - pad, 0), max(x - pad, 0)
        y1, x1 = min(y + h + pad, mask.shape[0]), min(x + w + pad, mask.shape[1])
        region = blobs[y0:y1, x0:x1] == blob
        target = out[y0:y1, x0:x1]
        markers = _cores(region, probability[y0:y1, x0:x1], core, depth, min_core)
        n_cores = int(markers.max())
        if n_cores < 2:
            target[region] = next_label
            next_label += 1
            continue
        relief = np.clip(probability[y0:y1, x0:x1] * 255, 0, 255).astype(np.uint8)
        seeds = markers.copy()
        seeds[~region] = n_cores + 1  # the outside floods as its own basin and is thrown away
        cv2.watershed(cv2.merge([relief, relief, relief]), seeds)
        seeds[seeds == -1] = 0  # watershed lines: given to a neighbouring ship below
        _fill_lines(seeds, region, n_cores)
        parts = _join_short_contacts(np.where(region, seeds, 0), n_cores, contact)
        for k in np.unique(parts[region]):
            target[region & (parts == k)] = next_label
            next_label += 1
    return out


def fill_seams(labels: np.ndarray, seam: int) -> np.ndarray:
    """Give back the gap a model trained with ``--seam`` leaves between touching ships (``2 × seam`` px wide
    in its training masks): a background pixel that lies between two different ships — one on each side
    within ``2 × seam`` px along a row, a column or a diagonal — joins the nearer one. Elsewhere nothing
    changes, so a lone ship's outline, and the ends of two ships side by side, stay the model's.
    ``labels``: int32 instances, changed in place and returned."""

    if seam <= 0 or labels.max() < 2:
        return labels
    reach = 2 * seam
    h, w = labels.shape
    padded = np.pad(labels, reach)
    gap = np.zeros(labels.shape, bool)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ahead = np.zeros(labels.shape, np.int32)
        behind = np.zeros(labels.shape, np.int32)
        for k in range(1, reach + 1):
            for sign, found in ((1, ahead), (-1, behind)):
                y0, x0 = reach + sign * k * dy, reach + sign * k * dx
                seen = padded[y0 : y0 + h, x0 : x0 + w]
                np.copyto(found, seen, where=found == 0)
        gap |= (ahead > 0) & (behind > 0) & (ahead != behind)
    gap &= labels == 0
    if not gap.any():
        return labels
    _give_nearest_label(labels, labels > 0, gap)
    return labels


def _join_short_contacts(parts: np.ndarray, n: int, contact: float) -> np.ndarray:
    """Merge neighbouring parts whose shared border is shorter than ``contact`` × √(smaller part's area)."""
    areas = np.bincount(parts.ravel(), minlength=n + 1)
    lengths: dict[tuple[int, int], int] = {}
    for a, b in ((parts[:, :-1], parts[:, 1:]), (parts[:-1, :], parts[1:, :])):
        touching = (a != b) & (a > 0) & (b > 0)
        for i, j in zip(a[touching].tolist(), b[touching].tolist()):
            key = (min(i, j), max(i, j))
            lengths[key] = lengths.get(key, 0) + 1
    root = list(range(n + 1))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    for (i, j), length in lengths.items():
        if length < contact * np.sqrt(min(areas[i], areas[j])):
            root[find(j)] = find(i)
    mapping = np.array([find(k) for k in range(n + 1)], np.int32)
    return mapping[parts]


def _cores(
    region: np.ndarray, probability: np.ndarray, core: float, depth: float, min_core: int
) -> np.ndarray:
    """Connected components of the sure, deep part of a blob (int32 labels 1..n, components under
    ``min_core`` pixels dropped)."""
    import cv2

    distance = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3)
    sure = region & (probability >= core) & (distance >= depth * float(distance.max()))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(sure.astype(np.uint8), connectivity=4)
    markers = np.zeros(region.shape, np.int32)
    kept = 0
    for k in range(1, n):
        if stats[k, cv2.CC_STAT_AREA] >= min_core:
            kept += 1
            markers[labels == k] = kept
    return markers


def _fill_lines(seeds: np.ndarray, region: np.ndarray, n_cores: int) -> None:
    """Give each blob pixel left unlabelled (on a watershed line, or flooded from outside) to the ship of
    its nearest labelled pixel, so no pixel of the blob is lost."""

    inside = (seeds >= 1) & (seeds <= n_cores) & region
    missing = region & ~inside
    if not missing.any():
        return
    _give_nearest_label(seeds, inside, missing)


def _give_nearest_label(labels: np.ndarray, known: np.ndarray, targets: np.ndarray) -> None:
    """``labels[targets]`` = the label of the nearest ``known`` pixel (in place)."""
    import cv2

    # distanceTransformWithLabels: for each pixel, the index of the nearest zero pixel of its input.
    source = np.where(known, 0, 1).astype(np.uint8)
    _, nearest = cv2.distanceTransformWithLabels(source, cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(known)
    by_index = np.zeros(int(nearest.max()) + 1, np.int32)
    by_index[nearest[ys, xs]] = labels[ys, xs]
    labels[targets] = by_index[nearest[targets]]
