"""What the viewer remembers between runs (QSettings): recent folders, window state, options, model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from shipviewer.viewer.view_options import ViewOptions

MAX_RECENT = 10
REMEMBERED_OPTIONS = ("opacity", "outline_only", "overlay_visible", "show_prediction", "show_truth")


def default_cache_dir() -> Path:
    """Where probability maps are cached: the platform's user cache folder for this application."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(location or Path.home() / ".cache" / "shipviewer") / "probabilities"


class ViewerSettings:
    """Typed access to a QSettings store (pass one in tests to keep the user's own settings untouched)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()

    def _get(self, key: str, default: Any = None) -> Any:
        return self.store.value(key, default)

    # --- recent folders ----------------------------------------------------------------------------------
    def recent_folders(self) -> list[str]:
        value = self._get("recent/folders", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value or [] if v]

    def add_recent_folder(self, folder: str | os.PathLike[str]) -> list[str]:
        folder = os.path.abspath(folder)
        recent = [folder, *[f for f in self.recent_folders() if f != folder]][:MAX_RECENT]
        self.store.setValue("recent/folders", recent)
        return recent

    def clear_recent_folders(self) -> None:
        self.store.setValue("recent/folders", [])

    # --- window ------------------------------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        geometry, state = self._get("window/geometry"), self._get("window/state")
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    # --- options, model, dialogs -------------------------------------------------------------------------
    def load_options(self, options: ViewOptions) -> None:
        for name in REMEMBERED_OPTIONS:
            value = self._get(f"options/{name}")
            if value is not None:
                setattr(options, name, value)

    def save_options(self, options: ViewOptions) -> None:
        for name in REMEMBERED_OPTIONS:
            self.store.setValue(f"options/{name}", getattr(options, name))

    @property
    def device(self) -> str:
        return str(self._get("model/device", "auto"))

    @device.setter
    def device(self, value: str) -> None:
        self.store.setValue("model/device", value)

    @property
    def flip_tta(self) -> bool:
        """Whether the model runs with flip test-time augmentation (Model ▸ Flip Test-Time Augmentation)."""
        return str(self._get("model/flip_tta", "false")).lower() in ("true", "1")

    @flip_tta.setter
    def flip_tta(self, value: bool) -> None:
        self.store.setValue("model/flip_tta", bool(value))

    @property
    def refine_outlines(self) -> bool | None:
        """Model ▸ Refine Outlines from the Image as the user last set it; None until they do (then each
        model's metadata decides)."""
        raw = str(self._get("model/refine_outlines", "")).lower()  # (a bool, or its text in an .ini)
        return None if raw not in ("true", "false", "1", "0") else raw in ("true", "1")

    @refine_outlines.setter
    def refine_outlines(self, value: bool) -> None:
        self.store.setValue("model/refine_outlines", bool(value))

    @property
    def model_path(self) -> str:
        """The model the user opened last ('' for the bundled default)."""
        return str(self._get("model/path", "") or "")

    @model_path.setter
    def model_path(self, value: str) -> None:
        self.store.setValue("model/path", value)

    @property
    def last_dir(self) -> str:
        return str(self._get("dialogs/last_dir", "") or str(Path.home()))

    @last_dir.setter
    def last_dir(self, value: str) -> None:
        self.store.setValue("dialogs/last_dir", value)

    @property
    def last_export_dir(self) -> str:
        """The folder of the last export ('' before the first one)."""
        return str(self._get("dialogs/last_export_dir", "") or "")

    @last_export_dir.setter
    def last_export_dir(self, value: str) -> None:
        self.store.setValue("dialogs/last_export_dir", value)
        self.store.sync()

    @property
    def hint_dismissed(self) -> bool:
        """Whether the first-launch hint was dismissed (it is never shown again)."""
        return str(self._get("hints/first_launch_done", "false")).lower() == "true"

    @hint_dismissed.setter
    def hint_dismissed(self, value: bool) -> None:
        self.store.setValue("hints/first_launch_done", "true" if value else "false")
        self.store.sync()

    def sync(self) -> None:
        self.store.sync()
