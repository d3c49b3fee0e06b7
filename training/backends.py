"""Training on a Keras backend other than TensorFlow (JAX, PyTorch): one process, one device, the device that
framework picks (its first GPU when it sees one). The TensorFlow path and its tf.distribute strategies are
in :mod:`.distribute`; this is the stand-in :func:`training.train` uses for the others."""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import keras

from .config import BACKENDS

__all__ = ["LocalCluster", "backend_devices", "backend_version"]


class _OneDevice:
    """What :class:`training.train` asks of a strategy, for a backend that has none."""

    num_replicas_in_sync = 1

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        yield


@dataclass
class LocalCluster:
    """One process on one device: the shape of :class:`training.distribute.Cluster` without TensorFlow."""

    name: str = "default"
    n_workers: int = 1
    worker_index: int = 0

    def __post_init__(self) -> None:
        self.strategy = _OneDevice()

    @property
    def is_chief(self) -> bool:
        return True

    @property
    def replicas(self) -> int:
        return 1

    def describe(self) -> str:
        return f"Keras backend {keras.backend.backend()}: one replica on {backend_devices()}"

    @staticmethod
    def input_workers() -> int:
        """Threads that make the NumPy batches (decoding, cropping, augmenting release the GIL in OpenCV)."""
        return max(1, min(8, (os.cpu_count() or 2) - 1))


def backend_devices() -> str:
    """The devices the current backend computes on, as it names them."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return ", ".join(f"{d.platform}:{d.id}" for d in jax.devices())
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return f"cuda:0 ({torch.cuda.get_device_name(0)}) of {torch.cuda.device_count()} GPU(s)"
        return "cpu (torch sees no CUDA GPU)"
    if backend == "tensorflow":
        import tensorflow as tf

        return ", ".join(d.name for d in tf.config.list_logical_devices())
    return backend


def backend_version() -> str:
    """The version of the framework behind the current backend."""
    backend = keras.backend.backend()  # named after its package
    if backend not in BACKENDS:
        return "unknown"
    return str(getattr(importlib.import_module(backend), "__version__", "unknown"))
