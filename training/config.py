"""Every setting of a training run, its checks, and the run folder's config.json.

TensorFlow-free, so the command line can validate arguments before the slow import.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipviewer.airbus.annotations import atomic_write_text

from .errors import ConfigError
from .sizes import FRAME, check_size

CONFIG_JSON = "config.json"
LOSS_NAMES = ("bce_dice", "bce", "dice", "focal", "focal_dice")
STRATEGY_NAMES = ("default", "mirrored", "multiworker")
# Settings a resumed run may change; the others define the model and its data and must stay as they were.
RESUMABLE = frozenset(
    {
        "data",
        "csv",
        "epochs",
        "steps_per_epoch",
        "val_steps",
        "patience",
        "lr_patience",
        "strategy",
        "cpu_devices",
    }
)


BACKENDS = ("tensorflow", "jax", "torch")  # Keras 3 backends a run can train on


@dataclass
class TrainConfig:
    """The settings of ``shipviewer train``; field names match the command-line options."""

    data: str
    out: str
    csv: str | None = None
    epochs: int = 20
    steps_per_epoch: int | None = None  # None: one pass over the training images
    val_steps: int | None = None  # None: the whole validation split
    batch: int = 8  # per replica (device); the global batch is batch × replicas
    crop: int = 256
    lr: float = 1e-3
    seed: int = 0
    val_fraction: float = 0.2
    empty_fraction: float = 0.25
    width: float = 1.0
    batch_norm: bool = False
    gate: bool = False  # a ship/no-ship output trained beside the mask
    gate_weight: float = 0.5  # its share of the loss
    loss: str = "bce_dice"
    ship_bias: float = 0.8
    patience: int = 8  # EarlyStopping on the validation loss
    lr_patience: int = 3  # ReduceLROnPlateau on the validation loss
    strategy: str = "default"
    cpu_devices: int = 0  # >1: split the CPU into that many logical devices (testing distribution)
    init: str | None = None  # a .keras model whose weights the run starts from (fine-tuning)
    val_csv: str | None = None  # validation images from this CSV instead of a split of --csv
    seam: int = 0  # px: touching ships' targets keep this far apart (the model learns to draw the gap)
    decoder_only: bool = False  # train the decoder and mask head only (encoder and gate frozen)
    unpool: bool = False  # the decoder upsamples by max-unpooling (SegNet paper) instead of copying
    backend: str = "tensorflow"  # Keras backend: tensorflow (tf.data, tf.distribute), jax or torch (NumPy)

    def check(self) -> TrainConfig:
        """Raise :class:`ConfigError` for the first setting out of range; return self."""
        positive = {"epochs": self.epochs, "batch": self.batch}
        for name, value in positive.items():
            if value < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        for name, value in (("steps_per_epoch", self.steps_per_epoch), ("val_steps", self.val_steps)):
            if value is not None and value < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        check_size(self.crop, "--crop")
        if self.crop > FRAME:
            raise ConfigError(f"--crop {self.crop} is larger than the {FRAME}×{FRAME} images")
        if not self.lr > 0:
            raise ConfigError(f"--lr must be positive, got {self.lr}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ConfigError(f"--val-fraction must be at least 0 and below 1, got {self.val_fraction}")
        if not 0.0 <= self.empty_fraction <= 1.0:
            raise ConfigError(f"--empty-fraction must be between 0 and 1, got {self.empty_fraction}")
        if not 0.0 <= self.gate_weight <= 100.0:
            raise ConfigError(f"--gate-weight must be between 0 and 100, got {self.gate_weight}")
        if not 0.0 < self.width <= 4.0:
            raise ConfigError(f"--width must be above 0 and at most 4, got {self.width}")
        if not 0.0 <= self.ship_bias <= 1.0:
            raise ConfigError(f"--ship-bias must be between 0 and 1, got {self.ship_bias}")
        if self.loss not in LOSS_NAMES:
            raise ConfigError(f"--loss must be one of {', '.join(LOSS_NAMES)}, got {self.loss!r}")
        if self.strategy not in STRATEGY_NAMES:
            raise ConfigError(f"--strategy must be one of {', '.join(STRATEGY_NAMES)}, got {self.strategy!r}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"--backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.backend != "tensorflow" and (self.strategy != "default" or self.cpu_devices):
            raise ConfigError(
                f"--strategy and --cpu-devices are TensorFlow's: not with --backend {self.backend}"
            )
        if not 0 <= self.seam <= 8:
            raise ConfigError(f"--seam must be between 0 and 8 pixels, got {self.seam}")
        if self.decoder_only and self.init is None:
            raise ConfigError("--decoder-only needs --init MODEL (a trained encoder to keep)")
        if self.seed < 0:
            raise ConfigError(f"--seed must be >= 0, got {self.seed}")
        if self.init is not None and not Path(self.init).is_file():
            raise ConfigError(f"--init {self.init}: no such model file")
        if self.val_csv is not None and not Path(self.val_csv).is_file():
            raise ConfigError(f"--val-csv {self.val_csv}: no such file")
        if self.cpu_devices < 0 or (self.cpu_devices and self.strategy == "default"):
            raise ConfigError("--cpu-devices N needs --strategy mirrored or multiworker and N >= 1")
        return self

    def resumed(self, overrides: dict[str, Any]) -> TrainConfig:
        """This (saved) configuration with the options given again on a ``--resume`` command line."""
        fixed = {
            k: (v, getattr(self, k))
            for k, v in overrides.items()
            if k not in RESUMABLE and v != getattr(self, k)
        }
        if fixed:
            what = ", ".join(
                f"--{k.replace('_', '-')} {new} (the run has {old})" for k, (new, old) in fixed.items()
            )
            raise ConfigError(f"a resumed run keeps its model and data settings; drop {what}")
        return dataclasses.replace(self, **overrides)


def config_path(run_dir: str | os.PathLike[str]) -> Path:
    return Path(run_dir) / CONFIG_JSON


def write_config(run_dir: str | os.PathLike[str], config: TrainConfig, extra: dict[str, Any]) -> Path:
    """Write config.json: ``settings`` (every option) plus the ``extra`` sections (data, preprocessing...)."""
    path = config_path(run_dir)
    document = {"settings": dataclasses.asdict(config), **extra}
    atomic_write_text(path, json.dumps(document, indent=2, sort_keys=False) + "\n")
    return path


def read_config(run_dir: str | os.PathLike[str]) -> tuple[TrainConfig, dict[str, Any]]:
    """The saved settings and the whole document of a run folder's config.json."""
    path = config_path(run_dir)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        settings = document["settings"]
    except FileNotFoundError as exc:
        raise ConfigError(f"nothing to resume: {path} not found (is {path.parent} a training run?)") from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a valid run configuration ({exc})") from exc
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in settings.items() if k in known}), document


def record_validation(run_dir: str | os.PathLike[str], scores: dict[str, Any]) -> bool:
    """Store ``evaluate``'s scores on the run's own validation split in its config.json (``validation``),
    where the ONNX exporter reads them; False when ``run_dir`` holds no run."""
    path = config_path(run_dir)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    document["validation"] = scores
    atomic_write_text(path, json.dumps(document, indent=2) + "\n")
    return True


def read_tf_config(environ: Mapping[str, str] = os.environ) -> tuple[int, int]:
    """(number of workers, this worker's index) from ``TF_CONFIG``, or a clear :class:`ConfigError`."""
    raw = environ.get("TF_CONFIG")
    if not raw:
        raise ConfigError(
            "--strategy multiworker needs the TF_CONFIG environment variable, e.g. "
            '\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
            '"task": {"type": "worker", "index": 0}}\''
        )
    try:
        config = json.loads(raw)
        workers = config["cluster"]["worker"]
        task = config["task"]
        index = int(task["index"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"TF_CONFIG is not valid ({exc}); see `shipviewer train --help`") from exc
    if task.get("type") != "worker" or not 0 <= index < len(workers):
        raise ConfigError(f"TF_CONFIG task must be a worker with an index below {len(workers)}, got {task}")
    return len(workers), index
