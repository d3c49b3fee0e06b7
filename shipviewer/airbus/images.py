"""Finding and reading images, with errors that name the file and say what is wrong with it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

__all__ = ["IMAGE_EXTENSIONS", "ImageError", "find_images", "read_image", "write_image"]

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"})


class ImageError(ValueError):
    """An image file that cannot be used; the message names the file and the reason."""


def is_image_name(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def find_images(paths: Iterable[str | os.PathLike[str]], *, recursive: bool = True) -> Iterator[Path]:
    """Image files named or found under the given paths, folders walked in sorted order.

    Hidden folders (such as ``.shipviewer``) are skipped; missing paths and unreadable folders raise
    :class:`ImageError` / ``PermissionError`` only for paths named directly.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, recursive)
        elif path.is_file():
            yield path
        else:
            raise ImageError(f"{path}: no such file or folder")


def _walk(folder: Path, recursive: bool) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except PermissionError as exc:
        raise ImageError(f"{folder}: folder cannot be read (permission denied)") from exc
    subfolders = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir():
                subfolders.append(Path(entry.path))
            elif entry.is_file() and is_image_name(entry.name):
                yield Path(entry.path)
        except OSError:
            continue
    if recursive:
        for sub in subfolders:
            try:
                yield from _walk(sub, recursive)
            except ImageError:
                continue  # an unreadable subfolder is skipped, the rest still found


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """Any decoded image as C-ordered (H, W, 3) uint8 RGB.

    Grayscale is repeated over three channels, alpha is dropped, 16-bit is scaled to 8-bit over the
    full range, float images in [0, 1] are scaled by 255, bool masks become 0/255.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 2, 3, 4) or 0 in image.shape[:2]:
        raise ValueError(
            f"expected an (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) image, got shape {image.shape}"
        )
    if image.dtype == np.uint8:
        pass
    elif image.dtype == np.bool_:
        image = image.astype(np.uint8) * 255
    elif image.dtype == np.uint16:
        image = ((image.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif np.issubdtype(image.dtype, np.floating):
        peak = float(np.nanmax(image)) if image.size else 0.0
        scale = 255.0 if peak <= 1.0 else 1.0
        image = np.clip(np.nan_to_num(image) * scale, 0, 255).round().astype(np.uint8)
    elif np.issubdtype(image.dtype, np.integer):
        image = np.clip(image, 0, 255).astype(np.uint8)
    else:
        raise ValueError(f"unsupported image data type {image.dtype}")
    channels = image.shape[2]
    if channels in (1, 2):
        image = np.repeat(image[:, :, :1], 3, axis=2)
    elif channels == 4:
        image = image[:, :, :3]
    return np.ascontiguousarray(image)


def unreadable(exc: OSError, kind: str) -> str:
    """Why a file could not be opened, in words (``kind``: what it should have been, "an image")."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return f"is a folder, not {kind}"
    if isinstance(exc, PermissionError):
        return "cannot be read (permission denied)"
    return f"cannot be read ({exc.strerror or exc})"


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """An image as (H, W, 3) uint8 RGB; grayscale, alpha and 16-bit files are converted."""
    import cv2

    path = Path(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ImageError(f"{path}: {unreadable(exc, 'an image')}") from exc
    if data.size == 0:
        raise ImageError(f"{path}: empty file (0 bytes)")
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageError(f"{path}: not a readable image (corrupt or unsupported format)")
    if image.ndim == 3 and image.shape[2] >= 3:
        code = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
        image = cv2.cvtColor(image, code)
    return as_rgb_uint8(image)


def write_image(path: str | os.PathLike[str], rgb: np.ndarray, *, quality: int = 95) -> None:
    """Write an RGB image (format from the extension) through a temporary file and a rename."""
    import cv2

    path = Path(path)
    ext = path.suffix.lower() or ".png"
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext in (".jpg", ".jpeg") else []
    ok, encoded = cv2.imencode(ext, cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise ImageError(f"{path}: cannot encode an image as {ext}")
    temp = path.with_name(f".{path.name}.tmp")
    encoded.tofile(temp)
    os.replace(temp, path)
