"""How the viewer draws ships (threshold, minimum size, opacity, layers), as an evented Qt-free model.

Widgets set attributes; anything that draws listens to ``changed(name, value)``. Setting a value equal
to the current one emits nothing, so a slider updated from the model does not echo back.
"""

from __future__ import annotations

from typing import Any, ClassVar

from shipviewer.viewer.catalog import Event

__all__ = ["ViewOptions"]


class ViewOptions:
    """Display options; each assignment to a field is checked, coerced and announced."""

    threshold: float
    min_size: int
    opacity: float
    outline_only: bool
    overlay_visible: bool
    show_prediction: bool
    show_truth: bool

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "threshold": 0.5,
        "min_size": 20,
        "opacity": 0.4,
        "outline_only": False,
        "overlay_visible": True,
        "show_prediction": True,
        "show_truth": True,
    }

    def __init__(self, **values: Any) -> None:
        self.changed: Event
        object.__setattr__(self, "changed", Event())
        for name, default in self.DEFAULTS.items():
            object.__setattr__(self, name, self._coerce(name, values.pop(name, default)))
        if values:
            raise TypeError(f"unknown view option(s): {', '.join(sorted(values))}")

    @classmethod
    def _coerce(cls, name: str, value: Any) -> Any:
        kind = type(cls.DEFAULTS[name])
        if kind is bool:
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        value = kind(value)
        if name in ("threshold", "opacity"):
            value = min(max(value, 0.0), 1.0)
        elif name == "min_size":
            value = max(value, 0)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.DEFAULTS:
            raise AttributeError(f"ViewOptions has no option {name!r}")
        value = self._coerce(name, value)
        if getattr(self, name) == value:
            return
        object.__setattr__(self, name, value)
        self.changed.emit(name, value)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.DEFAULTS}
