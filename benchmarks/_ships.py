"""Realistic ship masks for the benchmarks: rotated elongated hulls 10-300 px long with pointed bows."""

from __future__ import annotations

import cv2
import numpy as np

SHAPE = (768, 768)


def hull_polygon(rng: np.random.Generator, length: float | None = None) -> np.ndarray:
    """Corner points (x, y) of one hull somewhere in the frame."""
    length = rng.uniform(10, 300) if length is None else length
    width = max(3.0, length * rng.uniform(0.12, 0.25))
    angle = rng.uniform(0, np.pi)
    cx, cy = rng.uniform(0, SHAPE[1]), rng.uniform(0, SHAPE[0])
    half_l, half_w = length / 2, width / 2
    hull = np.array(
        [
            [-half_l, -half_w],
            [half_l - width, -half_w],
            [half_l, 0],
            [half_l - width, half_w],
            [-half_l, half_w],
        ]
    )
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return hull @ rot.T + [cx, cy]


def draw(points: np.ndarray) -> np.ndarray:
    mask = np.zeros(SHAPE, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def ship_mask(rng: np.random.Generator) -> np.ndarray:
    return draw(hull_polygon(rng))
