"""``--strategy default|mirrored|multiworker``: where the replicas of a training run live.

- ``default``: one device (the first GPU if any, else the CPU).
- ``mirrored``: ``tf.distribute.MirroredStrategy``, one replica per GPU of this host, gradients all-reduced.
- ``multiworker``: ``tf.distribute.MultiWorkerMirroredStrategy`` across hosts; every host runs the same
  command with its own ``TF_CONFIG`` (the cluster's ``host:port`` list and this worker's index). Worker 0 is
  the chief: it alone writes the run folder; the others write to a scratch folder that is removed.

A strategy must be created before TensorFlow runs any op, so :func:`make_cluster` comes first in a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from .config import read_tf_config
from .errors import ConfigError


@dataclass(frozen=True)
class Cluster:
    """The strategy and this process's place in the cluster."""

    strategy: tf.distribute.Strategy
    name: str
    n_workers: int = 1
    worker_index: int = 0

    @property
    def is_chief(self) -> bool:
        return self.worker_index == 0

    @property
    def replicas(self) -> int:
        return int(self.strategy.num_replicas_in_sync)

    def describe(self) -> str:
        if self.name == "default":
            devices = ", ".join(
                d.name for d in tf.config.list_logical_devices() if d.device_type in ("GPU", "CPU")
            )
            return (
                f"strategy default: one replica; devices {devices} (TensorFlow picks the first GPU if any)"
                + unused_gpu_note()
            )
        devices = ", ".join(self.strategy.extended.worker_devices)
        where = f"worker {self.worker_index} of {self.n_workers}, " if self.n_workers > 1 else ""
        return (
            f"strategy {self.name}: {where}{self.replicas} replica(s) in sync; this process runs on {devices}"
        )


def unused_gpu_note() -> str:
    """A warning when this machine has an NVIDIA GPU that this TensorFlow cannot use (the CPU-only wheel of
    the ``train`` extra), with the install that fixes it; empty otherwise."""
    import shutil

    if tf.config.list_physical_devices("GPU"):
        return ""
    if not (Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi")):
        return ""
    return (
        "\nwarning: this machine has an NVIDIA GPU, but this TensorFlow has no GPU support, so training runs "
        "on the CPU; on Linux: pip uninstall tensorflow-cpu && pip install -e '.[train-gpu]'"
    )


def split_cpu(n_devices: int) -> list[str]:
    """Present the CPU as ``n_devices`` logical devices (to exercise distribution without GPUs)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n_devices)
    return [f"/cpu:{i}" for i in range(n_devices)]


def make_cluster(name: str, cpu_devices: int = 0) -> Cluster:
    """Create the strategy ``name``; call before any other TensorFlow work in the process."""
    if name == "default":
        return Cluster(tf.distribute.get_strategy(), name)
    if name == "mirrored":
        devices = split_cpu(cpu_devices) if cpu_devices > 1 else None
        if devices is None and not tf.config.list_physical_devices("GPU"):
            print("note: no GPU found; --strategy mirrored runs one replica on the CPU")
        cross_device = tf.distribute.ReductionToOneDevice() if devices else None
        return Cluster(tf.distribute.MirroredStrategy(devices=devices, cross_device_ops=cross_device), name)
    if name == "multiworker":
        from .multiworker_fix import patch_reduction

        n_workers, index = read_tf_config()
        if cpu_devices > 1:
            split_cpu(cpu_devices)
        patch_reduction()
        return Cluster(tf.distribute.MultiWorkerMirroredStrategy(), name, n_workers, index)
    raise ConfigError(f"unknown strategy {name!r}")
