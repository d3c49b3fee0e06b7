"""A narrow workaround so Keras 3 ``fit`` runs under ``MultiWorkerMirroredStrategy``.

Keras 3 (checked up to 3.15, TF backend) breaks with more than one worker in two places
(keras-team/keras#20585): ``fit`` reduces a whole (x, y) batch structure with ``strategy.reduce`` to learn
its shapes, and each step reduces scalar losses with ``axis=0``; the collective reducer rejects both.
Shapes need no cross-worker reduction at all (every worker's batch has the same shape), and scalar
results are reduced with ``axis=None``. Both patches are applied only when ``--strategy multiworker`` is
chosen and only where Keras still has the functions they replace; remove this module once Keras is fixed.
"""

from __future__ import annotations

import types
from typing import Any

import keras
import tensorflow as tf


def _trainer_module() -> Any:
    from keras.src.backend.tensorflow import trainer

    return trainer


def patch_reduction() -> bool:
    """Make the per-step reduction of scalar results work across workers; True if patched."""
    trainer = _trainer_module()
    original = getattr(trainer, "reduce_per_replica", None)
    is_multi_worker = getattr(trainer, "_collective_all_reduce_multi_worker", None)
    if original is None or is_multi_worker is None or getattr(original, "_shipviewer_patched", False):
        return False

    def reduce_per_replica(values: Any, strategy: tf.distribute.Strategy, reduction: str) -> Any:
        if reduction in ("auto", "mean") and is_multi_worker(strategy):
            return tf.nest.map_structure(
                lambda v: (
                    strategy.reduce("MEAN", v, axis=None)
                    if isinstance(v, tf.distribute.DistributedValues)
                    else v
                ),
                values,
            )
        return original(values, strategy, reduction)

    reduce_per_replica._shipviewer_patched = True  # type: ignore[attr-defined]
    trainer.reduce_per_replica = reduce_per_replica
    return True


def _local_batch(strategy: tf.distribute.Strategy, batch: Any) -> Any:
    """The first local replica's part of a distributed batch (shapes only are needed)."""
    return tf.nest.map_structure(
        lambda v: (
            strategy.experimental_local_results(v)[0] if isinstance(v, tf.distribute.DistributedValues) else v
        ),
        batch,
    )


def patch_model(model: keras.Model) -> None:
    """Replace this model's symbolic build step so it does not all-reduce a batch of data."""
    if not hasattr(model, "_maybe_symbolic_build") or not hasattr(model, "_symbolic_build"):
        return

    def maybe_symbolic_build(self: keras.Model, iterator: Any = None, data_batch: Any = None) -> None:
        if self._distribute_strategy is None:
            return
        if iterator is not None:
            for _, _, it in iterator:
                data_batch = _local_batch(self.distribute_strategy, next(it))
                break
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    model._maybe_symbolic_build = types.MethodType(maybe_symbolic_build, model)
