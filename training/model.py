"""The seed notebook's SegNet, rebuilt in Keras 3 with deterministic layer names.

Encoder: five stages of one 3×3 conv + ReLU (32, 32, 64, 64, 512 filters) and a 2×2 max pool. Decoder: five
stages of 2× nearest-neighbour upsampling and two 3×3 conv + ReLU. Head: a 1-filter 1×1 conv with a sigmoid,
the per-pixel ship probability. With ``gate=True`` a second output, ``ship``, says whether the image holds
a ship at all (the Airbus winners' ship/no-ship classifier): global max and average pooling of the
encoder's last features, a small dense layer and a sigmoid. Spatial size is left open (``None``) so the
same weights train on crops and run on full 768×768 frames; every side must be a multiple of 32 (five
poolings).

With ``unpool=True`` each decoder stage upsamples as the SegNet paper does, where the encoder's max
pooling took its maxima (max-unpooling), instead of copying each value into its 2×2 block (see
:func:`_unpooled`).
"""

from __future__ import annotations

import keras
from keras import layers

from shipviewer.model.metadata import GATE_OUTPUT

from .sizes import N_POOLINGS, check_size

ENCODER_FILTERS: tuple[int, ...] = (32, 32, 64, 64, 512)
# The notebook text gives no decoder widths: we mirror the encoder, stage by stage.
DECODER_FILTERS: tuple[int, ...] = (512, 64, 64, 32, 32)
DECODER_CONVS_PER_STAGE = 2
assert len(ENCODER_FILTERS) == len(DECODER_FILTERS) == N_POOLINGS
# Batch-norm running statistics follow the weights closely (Keras' 0.99 lags for hundreds of steps, and
# a short CPU run then predicts with statistics of a network that no longer exists).
BN_MOMENTUM = 0.9
INPUT_NAME = "image"
OUTPUT_NAME = "probability"
GATE_NAME = GATE_OUTPUT  # the ONNX output keeps the Keras layer's name
GATE_UNITS = 64
# How far below its block's maximum an activation still counts as the maximum, in max-unpooling.
UNPOOL_EPS = 1e-3
UNPOOL_PREFIX = "unpool"


def scaled(filters: int, width: float) -> int:
    """Filters of a layer at width multiplier ``width`` (at least 1)."""
    return max(1, round(filters * width))


def _conv(x: keras.KerasTensor, filters: int, name: str, batch_norm: bool) -> keras.KerasTensor:
    """3×3 conv + ReLU; with batch norm the ReLU moves after the normalisation and the conv loses its bias."""
    if not batch_norm:
        return layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def _unpooled(
    x: keras.KerasTensor, before: keras.KerasTensor, pooled: keras.KerasTensor, stage: int
) -> keras.KerasTensor:
    """Max-unpooling of ``x`` with the positions the encoder's pooling of ``before`` into ``pooled`` chose.

    ONNX's MaxUnpool needs the pooling's indices, which Keras does not expose on every backend, and the
    paper's decoder has as many channels as the encoder stage it unpools with — ours (the mirrored widths)
    does not. So the position is recovered by comparison and shared across channels: a pixel is a maximum
    of its channel when it equals the upsampled pooled value (``relu(1 + (a - max) / eps)`` is 1 there and
    0 a little below), and the channels' mean of that indicator weights the upsampled ``x``. Where the
    encoder saw a clear edge the value goes to the side of the edge it came from; where its activations
    were all zero (ReLU), every position of the block keeps it, as nearest upsampling does. Built from
    Keras' own layers only, so the ``.keras`` file loads on every backend without custom objects; the
    channel mean is a frozen 1×1 convolution (named ``unpool*``, so ``--decoder-only`` keeps it frozen).
    """
    name = f"{UNPOOL_PREFIX}{stage}"
    channels = int(before.shape[-1])
    gap = layers.Subtract(name=f"{name}_gap")([before, layers.UpSampling2D(2, name=f"{name}_spread")(pooled)])
    hit = layers.ReLU(name=f"{name}_hit")(
        layers.Rescaling(1.0 / UNPOOL_EPS, offset=1.0, name=f"{name}_near")(gap)
    )
    share = layers.Conv2D(
        1,
        1,
        use_bias=False,
        kernel_initializer=keras.initializers.Constant(1.0 / channels),
        trainable=False,
        name=f"{name}_share",
    )(hit)
    up = layers.UpSampling2D(2, name=f"dec{stage}_up")(x)
    return layers.Multiply(name=name)([up, share])


def build_segnet(
    input_size: int | None = None,
    *,
    width: float = 1.0,
    batch_norm: bool = False,
    gate: bool = False,
    unpool: bool = False,
    name: str = "segnet",
) -> keras.Model:
    """Build the SegNet; the defaults reproduce the seed notebook's model exactly.

    ``input_size``: None (any multiple of 32, the default) or a fixed side, checked. ``width`` multiplies
    every layer's filters (0.125 gives a toy model for tests). ``batch_norm`` inserts a BatchNormalization
    after each 3×3 conv. Layer names are fixed: ``enc{1..5}_conv``/``_pool``, ``dec{1..5}_up``,
    ``dec{i}_{1,2}_conv`` and the head ``probability``; the input is ``image`` (float32 RGB in [0, 1],
    see :mod:`training.preprocess`), the output (N, H, W, 1) float32. With ``gate`` the model has two
    outputs, ``[probability, ship]``, the second (N, 1): layers ``gate_max``, ``gate_mean``, ``gate_dense``
    and ``ship``, reading the pooled output of ``enc5``. ``unpool`` adds, per decoder stage ``s``, the
    weightless-but-for-a-frozen-mean layers ``unpool{s}_*`` (see :func:`_unpooled`); every trained
    layer keeps its name and shape, so weights move between the two variants.
    """
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    if input_size is not None:
        check_size(input_size, "input size")
    inputs = keras.Input((input_size, input_size, 3), name=INPUT_NAME)
    x = inputs
    stages: list[tuple[keras.KerasTensor, keras.KerasTensor]] = []  # (before pooling, pooled) per stage
    for stage, filters in enumerate(ENCODER_FILTERS, start=1):
        before = _conv(x, scaled(filters, width), f"enc{stage}", batch_norm)
        x = layers.MaxPooling2D(2, name=f"enc{stage}_pool")(before)
        stages.append((before, x))
    features = x
    for stage, filters in enumerate(DECODER_FILTERS, start=1):
        if unpool:
            before, pooled = stages[N_POOLINGS - stage]
            x = _unpooled(x, before, pooled, stage)
        else:
            x = layers.UpSampling2D(2, name=f"dec{stage}_up")(x)
        for conv in range(1, DECODER_CONVS_PER_STAGE + 1):
            x = _conv(x, scaled(filters, width), f"dec{stage}_{conv}", batch_norm)
    outputs = layers.Conv2D(1, 1, activation="sigmoid", name=OUTPUT_NAME)(x)
    if not gate:
        return keras.Model(inputs, outputs, name=name)
    return keras.Model(inputs, [outputs, gate_head(features)], name=name)


def gate_head(features: keras.KerasTensor, units: int = GATE_UNITS) -> keras.KerasTensor:
    """The ship/no-ship head on (N, h, w, C) encoder features: (N, 1) probability that a ship is present.

    Max pooling answers "is there a ship-like spot anywhere", average pooling gives the scene's context
    (coast, harbour, cloud) that tells a pier from a hull.
    """
    pooled = layers.Concatenate(name="gate_pool")(
        [
            layers.GlobalMaxPooling2D(name="gate_max")(features),
            layers.GlobalAveragePooling2D(name="gate_mean")(features),
        ]
    )
    hidden = layers.Dense(units, activation="relu", name="gate_dense")(pooled)
    return layers.Dense(1, activation="sigmoid", name=GATE_NAME)(hidden)


def has_gate(model: keras.Model) -> bool:
    """Whether ``model`` has the ship/no-ship output (a second output named ``ship``)."""
    return len(model.outputs) == 2 and any(layer.name == GATE_NAME for layer in model.layers)


def has_unpool(model: keras.Model) -> bool:
    """Whether ``model`` upsamples by max-unpooling (``build_segnet(unpool=True)``)."""
    return any(layer.name.startswith(UNPOOL_PREFIX) for layer in model.layers)


def summary_text(model: keras.Model) -> str:
    """The Keras summary as one string (for the training log)."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *_, **__: lines.append(line), line_length=100)
    return "\n".join(lines)
