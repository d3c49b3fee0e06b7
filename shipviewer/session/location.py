"""Where a folder's session store lives: ``FOLDER/.shipviewer/session.sqlite``, or for a folder we cannot
write to (and for the bundled samples), the user data directory
(``…/shipviewer/sessions/<hash of the folder path>/session.sqlite``).

The data directory follows each platform's convention (what ``platformdirs`` would say, without the
dependency): ``$XDG_DATA_HOME`` or ``~/.local/share`` on Linux, ``~/Library/Application Support`` on
macOS, ``%LOCALAPPDATA%`` on Windows. ``$SHIPVIEWER_DATA_DIR`` overrides it (tests, portable installs).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

__all__ = ["STORE_DIR", "STORE_FILE", "has_session", "locate_store", "user_data_dir"]

APP = "shipviewer"
STORE_DIR = ".shipviewer"
STORE_FILE = "session.sqlite"


def user_data_dir() -> Path:
    """The per-user folder for ShipViewer's own data on this platform."""
    override = os.environ.get("SHIPVIEWER_DATA_DIR")
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA") or str(home / "AppData" / "Local")
        return Path(base) / APP
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / APP


def _marked_read_only(folder: Path) -> bool:
    """A folder whose mode lets nobody write (``r-xr-xr-x``) is read-only by intent, even for root,
    who could write there anyway: we do not leave a ``.shipviewer`` folder in a shared data set."""
    try:
        return not folder.stat().st_mode & 0o222
    except OSError:
        return True


def _can_write(directory: Path) -> bool:
    """True when files can be created in ``directory`` (tried for real: permissions, read-only mounts)."""
    if not directory.exists() and _marked_read_only(directory.parent):
        return False
    try:
        directory.mkdir(exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", dir=directory)
    except OSError:
        return False
    os.close(fd)
    Path(probe).unlink(missing_ok=True)
    return True


def _shipped(folder: Path) -> bool:
    """Whether ``folder`` is one of the files that ship with ShipViewer (the bundled samples): those are
    never written to, even where the install is writable, so every user and test starts from them clean."""
    import resources

    try:
        return folder.resolve().is_relative_to(Path(resources.__file__).resolve().parent)
    except OSError:
        return False


def folder_key(folder: Path) -> str:
    """A short stable name for a folder: blake2b of its resolved path."""
    return hashlib.blake2b(str(folder.resolve()).encode("utf-8"), digest_size=8).hexdigest()


def has_session(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` has a session store already (in it, or in the user data folder)."""
    folder = Path(folder)
    if (folder / STORE_DIR / STORE_FILE).is_file():
        return True
    try:
        key = folder_key(folder)
    except OSError:
        return False
    return (user_data_dir() / "sessions" / key / STORE_FILE).is_file()


def locate_store(folder: str | os.PathLike[str]) -> Path:
    """The session file for ``folder``: in the folder when it is writable, else in the user data directory.

    A store left in a folder that has since become read-only is copied (once) to the data directory, so
    its work carries on there.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: no such folder")
    local = folder / STORE_DIR
    writable = not (local / STORE_FILE).exists() or os.access(local / STORE_FILE, os.W_OK)
    if not _shipped(folder) and _can_write(local) and writable:
        return local / STORE_FILE
    fallback = user_data_dir() / "sessions" / folder_key(folder)
    fallback.mkdir(parents=True, exist_ok=True)
    target = fallback / STORE_FILE
    (fallback / "folder.txt").write_text(str(folder.resolve()) + "\n", encoding="utf-8")
    if not target.exists() and (local / STORE_FILE).is_file():
        _copy_database(local / STORE_FILE, target)
    return target


def _copy_database(source: Path, target: Path) -> None:
    """Copy a (possibly WAL-mode, read-only) SQLite file with the backup API."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
