"""Finding images under folders in batches, so a viewer can show the first ones while the rest are found.

``scan`` is a plain generator: a background thread iterates it and hands each batch to the UI. Files are
picked by extension (and, for names without an extension, by content); ``sniff_image`` then checks the
first bytes of each file so that empty and non-image files can be marked before anyone opens them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shipviewer.airbus.images import IMAGE_EXTENSIONS

__all__ = ["OpenRequest", "ScanBatch", "scan", "sniff_image", "sort_paths"]

SEGMENTED_SUFFIX = "_segmented.png"  # overlays written by `shipviewer predict`; not inputs

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"II+\x00", 0, "TIFF"),
    (b"MM\x00+", 0, "TIFF"),
    (b"BM", 0, "BMP"),
    (b"WEBP", 8, "WebP"),
)


@dataclass
class ScanBatch:
    """Images found since the previous batch (in walk order), and folders or files that could not be used."""

    images: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class OpenRequest:
    """Paths a user opened or dropped, sorted by what they are for."""

    images: list[str] = field(default_factory=list)  # folders and image files
    annotations: list[str] = field(default_factory=list)  # Airbus CSVs
    models: list[str] = field(default_factory=list)  # ONNX models

    def __bool__(self) -> bool:
        return bool(self.images or self.annotations or self.models)


def sort_paths(paths: Iterable[str | os.PathLike[str]]) -> OpenRequest:
    """Folders and images to browse, CSVs to load as annotations, ``.onnx`` files to load as the model."""
    request = OpenRequest()
    for raw in paths:
        path = os.fspath(raw)
        suffix = os.path.splitext(path)[1].lower()
        if suffix == ".csv" and not os.path.isdir(path):
            request.annotations.append(path)
        elif suffix == ".onnx" and not os.path.isdir(path):
            request.models.append(path)
        else:
            request.images.append(path)
    return request


def image_format(head: bytes) -> str | None:
    """The image format named by a file's first bytes (JPEG, PNG, TIFF, BMP, WebP), or None."""
    for magic, offset, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if name == "WebP" and not head.startswith(b"RIFF"):
                continue
            return name
    return None


def sniff_image(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be an image (missing, unreadable, empty, not an image format); None if it may be.

    Reads at most 16 bytes; a file that passes can still be corrupt further in (found when decoded).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return "no such file (deleted?)"
    except IsADirectoryError:
        return "is a folder, not an image"
    except PermissionError:
        return "cannot be read (permission denied)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not head:
        return "empty file (0 bytes)"
    if image_format(head) is None:
        return "not an image (the content is not JPEG, PNG, TIFF, BMP or WebP)"
    return None


def _wanted(name: str, folder: str) -> bool:
    if name.endswith(SEGMENTED_SUFFIX):
        return False
    dot = name.rfind(".")
    if dot > 0:
        return name[dot:].lower() in IMAGE_EXTENSIONS
    # A file without an extension is taken when its content says it is an image.
    return sniff_image(os.path.join(folder, name)) is None


def scan(
    paths: Iterable[str | os.PathLike[str]],
    *,
    recursive: bool = True,
    first_batch: int = 64,
    batch_size: int = 2048,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[ScanBatch]:
    """Image files named in ``paths`` or found under its folders, in batches.

    Folders are walked depth-first, entries sorted by name, hidden entries skipped. The first batch is
    small so a viewer can show something at once. A missing path or an unreadable folder is reported in
    ``problems`` and the walk goes on. Files named directly are yielded even when their name does not
    look like an image (the viewer marks them after :func:`sniff_image`). ``cancelled`` is polled
    between folders and batches.
    """
    stop = cancelled or (lambda: False)
    pending = ScanBatch()
    limit = max(1, first_batch)

    def flush() -> Iterator[ScanBatch]:
        nonlocal pending, limit
        if pending.images or pending.problems:
            yield pending
            pending = ScanBatch()
            limit = max(1, batch_size)

    for raw in paths:
        if stop():
            return
        path = Path(raw)
        if path.is_dir():
            stack = [str(path)]
            while stack and not stop():
                folder = stack.pop()
                files, subfolders, problem = _list_folder(folder)
                if problem:
                    pending.problems.append(problem)
                for file in files:
                    pending.images.append(file)
                    if len(pending.images) >= limit:
                        yield from flush()
                        if stop():
                            return
                if recursive:
                    stack.extend(reversed(subfolders))
        elif path.exists():
            pending.images.append(str(path))
        else:
            pending.problems.append(f"{path}: no such file or folder")
        if len(pending.images) >= limit:
            yield from flush()
    yield from flush()


def _list_folder(folder: str) -> tuple[list[str], list[str], str | None]:
    """(image files, subfolders, problem) of one folder, both lists sorted by name.

    Plain string work only: a Path object per entry would triple the time for a 100,000-file folder.
    """
    files: list[str] = []
    subfolders: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                try:
                    if entry.is_file():
                        files.append(name)
                    elif entry.is_dir():
                        subfolders.append(name)
                except OSError:
                    continue
    except PermissionError:
        return [], [], f"{folder}: folder cannot be read (permission denied)"
    except FileNotFoundError:
        return [], [], f"{folder}: folder no longer exists"
    except OSError as exc:
        return [], [], f"{folder}: folder cannot be read ({exc.strerror or exc})"
    files.sort()
    subfolders.sort()
    prefix = os.path.join(folder, "")
    return (
        [prefix + name for name in files if _wanted(name, folder)],
        [prefix + name for name in subfolders],
        None,
    )
