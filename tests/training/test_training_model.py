"""The SegNet builder reproduces the seed notebook's layers, names them the same way every time, and
rejects sizes it cannot take."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from training.errors import SizeError
from training.model import build_segnet
from training.sizes import check_size


def convs(model: keras.Model) -> list[keras.layers.Conv2D]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def test_default_model_is_the_seed_segnet() -> None:
    model = build_segnet()
    layers = convs(model)
    encoder, decoder, head = layers[:5], layers[5:-1], layers[-1]
    assert [c.filters for c in encoder] == [32, 32, 64, 64, 512]
    assert [c.filters for c in decoder] == [512, 512, 64, 64, 64, 64, 32, 32, 32, 32]
    for conv in encoder + decoder:
        assert conv.kernel_size == (3, 3)
        assert conv.padding == "same"
        assert conv.activation.__name__ == "relu"
    assert (head.filters, head.kernel_size, head.activation.__name__) == (1, (1, 1), "sigmoid")
    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    ups = [layer for layer in model.layers if isinstance(layer, keras.layers.UpSampling2D)]
    assert [p.pool_size for p in pools] == [(2, 2)] * 5
    assert [u.size for u in ups] == [(2, 2)] * 5
    assert not [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    # Each encoder conv is followed by its pool, each upsampling by two convs.
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["Conv2D", "MaxPooling2D"] * 5 + ["UpSampling2D", "Conv2D", "Conv2D"] * 5 + ["Conv2D"]
    assert model.input_shape == (None, None, None, 3)
    assert model.compute_output_shape((1, 768, 768, 3)) == (1, 768, 768, 1)
    # encoder 360,992 + decoder 4,719,616 + 331,904 + 73,856 + 27,712 + 18,496 + head 33
    assert model.count_params() == 5_532_609


def test_layer_names_are_deterministic() -> None:
    first = [layer.name for layer in build_segnet(width=0.125).layers]
    second = [layer.name for layer in build_segnet(width=0.125).layers]
    assert first == second
    assert first[:3] == ["image", "enc1_conv", "enc1_pool"]
    assert first[-3:] == ["dec5_1_conv", "dec5_2_conv", "probability"]


def test_width_multiplier_and_batch_norm() -> None:
    model = build_segnet(width=0.125, batch_norm=True)
    assert [c.filters for c in convs(model)[:5]] == [4, 4, 8, 8, 64]
    assert all(not c.use_bias for c in convs(model)[:-1])
    names = [layer.name for layer in model.layers]
    assert names[1:5] == ["enc1_conv", "enc1_bn", "enc1_relu", "enc1_pool"]
    out = model(np.zeros((1, 64, 96, 3), np.float32))
    assert tuple(out.shape) == (1, 64, 96, 1)


@pytest.mark.parametrize("size", [0, 31, 100, 250])
def test_sizes_not_multiple_of_32_are_refused(size: int) -> None:
    with pytest.raises(SizeError, match="multiple of 32"):
        check_size(size, "--crop")
    if size:
        with pytest.raises(SizeError, match="multiple of 32"):
            build_segnet(size)


def test_fixed_input_size() -> None:
    assert check_size(768) == 768
    assert build_segnet(256, width=0.125).input_shape == (None, 256, 256, 3)


def _unpool_reference(before: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Max-unpooling by hand: each value of ``x`` goes to the positions of its 2×2 block where the
    encoder's activations (``before``) had their maxima, weighted by the share of channels that had it."""
    n, h, w, c = before.shape
    blocks = before.reshape(n, h // 2, 2, w // 2, 2, c)
    hit = blocks == blocks.max(axis=(2, 4), keepdims=True)
    share = hit.mean(axis=-1).reshape(n, h, w, 1)
    return np.repeat(np.repeat(x, 2, axis=1), 2, axis=2) * share


def test_unpool_places_values_where_the_encoder_pooled_its_maxima() -> None:
    from training.model import _unpooled

    rng = np.random.default_rng(0)
    before_in = keras.Input((8, 8, 4))
    x_in = keras.Input((4, 4, 3))
    pooled = keras.layers.MaxPooling2D(2)(before_in)
    probe = keras.Model([before_in, x_in], _unpooled(x_in, before_in, pooled, 1))
    before = rng.random((2, 8, 8, 4)).astype(np.float32)
    before[:, :2, :2, :] = 0.0  # a block the ReLU zeroed: every position keeps the value
    x = rng.random((2, 4, 4, 3)).astype(np.float32)
    out = probe.predict([before, x], verbose=0)
    np.testing.assert_allclose(out, _unpool_reference(before, x), atol=1e-6)
    np.testing.assert_allclose(out[:, :2, :2], np.repeat(np.repeat(x[:, :1, :1], 2, 1), 2, 2), atol=1e-6)


def test_unpool_variant_shares_every_trained_layer_and_loads_without_custom_objects(tmp_path) -> None:
    from training.model import has_unpool

    plain = build_segnet(width=0.125, gate=True)
    unpooled = build_segnet(width=0.125, gate=True, unpool=True)
    assert has_unpool(unpooled) and not has_unpool(plain)
    trained = {w.path: tuple(w.shape) for w in unpooled.trainable_weights}
    assert trained == {w.path: tuple(w.shape) for w in plain.trainable_weights}
    frozen = [layer.name for layer in unpooled.layers if layer.weights and not layer.trainable]
    assert frozen == [f"unpool{s}_share" for s in range(1, 6)]
    # The seed's layers, in the seed's order: only the upsampling changed.
    assert [c.name for c in convs(plain)] == [
        c.name for c in convs(unpooled) if not c.name.startswith("unpool")
    ]
    path = tmp_path / "unpool.keras"
    unpooled.save(path)
    again = keras.models.load_model(path, compile=False)
    x = np.random.default_rng(1).random((1, 64, 64, 3)).astype(np.float32)
    for a, b in zip(unpooled.predict(x, verbose=0), again.predict(x, verbose=0), strict=True):
        np.testing.assert_array_equal(a, b)
    assert again.compute_output_shape((1, 768, 768, 3))[0] == (1, 768, 768, 1)
