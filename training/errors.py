"""User-facing errors of the training package: ``ValueError``s whose message says what to do."""

from __future__ import annotations


class TrainingError(ValueError):
    """A problem with the user's input to ``train`` or ``evaluate``."""


class DataError(TrainingError):
    """The data folder or CSV cannot be used (missing files, wrong columns, no images found)."""


class ConfigError(TrainingError):
    """A setting is out of range, or does not agree with the run being resumed."""


class SizeError(ConfigError):
    """An image or crop size the SegNet cannot take (it must be a multiple of 32)."""
