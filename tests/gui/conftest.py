"""Fixtures for the viewer's GUI tests: isolated settings, a tiny real ONNX model, real image files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("onnx")

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

from tests.onnx_models import channel_mean_model


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[None]:
    """Nothing a test does reaches the user's settings or cache folders."""
    QStandardPaths.setTestModeEnabled(True)
    QCoreApplication.setOrganizationName("ShipViewerTests")
    QCoreApplication.setApplicationName("ShipViewerTests")
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "qsettings"))
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "qsettings"))
    yield


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat)


def write_model(path: Path, name: str, threshold: float = 0.5, min_size: int = 4) -> Path:
    meta = {
        "shipviewer.name": name,
        "shipviewer.threshold": str(threshold),
        "shipviewer.min_size": str(min_size),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    return channel_mean_model(path, metadata=meta)


@pytest.fixture
def model(tmp_path: Path) -> Path:
    """Probability = mean of RGB / 255: bright blobs on a dark sea are ships."""
    return write_model(tmp_path / "models" / "mean.onnx", "mean-test")


def scene(h: int = 96, w: int = 96, blobs: tuple[tuple[int, int, int, int], ...] = ()) -> np.ndarray:
    """A dark RGB image with bright rectangles (y, x, height, width)."""
    rgb = np.full((h, w, 3), 20, np.uint8)
    for y, x, bh, bw in blobs:
        rgb[y : y + bh, x : x + bw] = 240
    return rgb


def save(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 and image.shape[2] == 3 else image
    params = [cv2.IMWRITE_JPEG_QUALITY, 98] if path.suffix == ".jpg" else []
    ok, data = cv2.imencode(path.suffix, bgr, params)
    assert ok
    data.tofile(path)
    return path


@pytest.fixture
def blob_folder(tmp_path: Path) -> Path:
    """a.png: 2 ships, b.png: 1 ship, c.jpg: none, sub/d.png: 3 ships."""
    folder = tmp_path / "images"
    save(folder / "a.png", scene(blobs=((10, 10, 8, 20), (60, 50, 10, 10))))
    save(folder / "b.png", scene(blobs=((40, 40, 12, 12),)))
    save(folder / "c.jpg", scene())
    save(folder / "sub" / "d.png", scene(blobs=((5, 5, 6, 6), (30, 30, 6, 6), (70, 70, 6, 6))))
    return folder


@pytest.fixture
def make_window(qtbot, settings: QSettings, tmp_path: Path) -> Iterator[Callable[..., object]]:
    from shipviewer._qt.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(store: QSettings | None = None, *, resize: bool = True, **kwargs: object) -> MainWindow:
        window = MainWindow(
            settings=store or settings, cache_dir=tmp_path / "cache", device="cpu", threads=1, **kwargs
        )
        if resize:
            window.resize(1000, 700)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.shutdown()
        window.deleteLater()
    qtbot.wait(1)
