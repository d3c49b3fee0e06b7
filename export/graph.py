"""Keras-side rewrites that make the ONNX graph lean, and ONNX-side tidying after tf2onnx."""

from __future__ import annotations

from typing import Any


def nearest_upsampling_layer() -> type:
    """A Keras layer equal to ``UpSampling2D(2, interpolation="nearest")`` that converts to one ONNX
    ``Resize``. Keras 3's UpSampling2D lowers to Tile/Reshape with a Transpose per stage instead.
    """
    import keras
    import tensorflow as tf

    class NearestUpsample(keras.layers.Layer):
        def __init__(self, factor: int = 2, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x: Any) -> Any:
            shape = tf.shape(x)
            return tf.image.resize(x, (shape[1] * self.factor, shape[2] * self.factor), method="nearest")

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "factor": self.factor}

    return NearestUpsample


def export_ready_clone(model: Any) -> Any:
    """A copy of ``model`` with every 2× nearest UpSampling2D swapped for :func:`nearest_upsampling_layer`,
    sharing nothing but copied weights; outputs are identical."""
    import keras

    upsample = nearest_upsampling_layer()

    def clone(layer: Any) -> Any:
        if isinstance(layer, keras.layers.UpSampling2D):
            config = layer.get_config()
            size = tuple(config.get("size", (2, 2)))
            if config.get("interpolation", "nearest") == "nearest" and size[0] == size[1]:
                return upsample(factor=int(size[0]), name=layer.name)
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def tidy_graph(proto: Any, input_name: str = "image", output_name: str = "probability") -> Any:
    """Give the graph's input and output plain names, and make nearest ``Resize`` nodes use the
    non-deprecated ``asymmetric``/``floor`` mapping (for integer upscaling it picks the same pixels)."""
    from onnx import helper

    graph = proto.graph
    renames = {graph.input[0].name: input_name, graph.output[0].name: output_name}
    for node in graph.node:
        node.input[:] = [renames.get(n, n) for n in node.input]
        node.output[:] = [renames.get(n, n) for n in node.output]
        if node.op_type == "Resize":
            attrs = {a.name: a for a in node.attribute}
            mode = attrs.get("mode")
            if mode is not None and helper.get_attribute_value(mode) == b"nearest":
                for name in ("coordinate_transformation_mode", "nearest_mode"):
                    if name in attrs:
                        node.attribute.remove(attrs[name])
                node.attribute.extend(
                    [
                        helper.make_attribute("coordinate_transformation_mode", "asymmetric"),
                        helper.make_attribute("nearest_mode", "floor"),
                    ]
                )
    graph.input[0].name = input_name
    graph.output[0].name = output_name
    return proto


def count_ops(proto: Any, op_type: str) -> int:
    return sum(1 for node in proto.graph.node if node.op_type == op_type)
