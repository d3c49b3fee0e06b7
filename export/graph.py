"""Keras-side rewrites that make the ONNX graph lean, and ONNX-side tidying after tf2onnx."""

from __future__ import annotations

from typing import Any

import numpy as np


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


def upsample_factors(model: Any) -> list[int]:
    """The factor of every :func:`nearest_upsampling_layer` of ``model`` (an :func:`export_ready_clone`)."""
    return [int(layer.factor) for layer in model.layers if type(layer).__name__ == "NearestUpsample"]


def tidy_graph(
    proto: Any,
    input_name: str = "image",
    output_name: str = "probability",
    upsample_factor: int | None = None,
) -> Any:
    """Give the graph's input and output plain names, and make nearest ``Resize`` nodes use the
    non-deprecated ``asymmetric``/``floor`` mapping (for integer upscaling it picks the same pixels).

    With ``upsample_factor`` (every nearest upsampling of the model uses it), each ``Resize`` takes the
    constant scales (1, 1, f, f) instead of sizes computed at run time from the input's shape: the
    Shape/Slice/Mul/Concat chain that computes them goes, and so do the Transpose and DequantizeLinear
    nodes that chain drags into an int8 graph. Sizes stay dynamic.
    """
    from onnx import helper, numpy_helper

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
    if upsample_factor is not None and count_ops(proto, "Resize"):
        scales = "upsample_scales"
        graph.initializer.append(
            numpy_helper.from_array(np.array([1, 1, upsample_factor, upsample_factor], np.float32), scales)
        )
        for node in graph.node:
            if node.op_type == "Resize":
                node.input[:] = [node.input[0], "", scales]
        drop_unused(graph)
    return proto


def drop_unused(graph: Any) -> None:
    """Remove the nodes whose outputs nothing reads, then the initializers nothing reads."""
    while True:
        wanted = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
        dead = [node for node in graph.node if not any(name in wanted for name in node.output)]
        if not dead:
            break
        for node in dead:
            graph.node.remove(node)
    wanted = {name for node in graph.node for name in node.input}
    for init in [i for i in graph.initializer if i.name not in wanted]:
        graph.initializer.remove(init)


def count_ops(proto: Any, op_type: str) -> int:
    return sum(1 for node in proto.graph.node if node.op_type == op_type)


PAD_NODE = "pad_input_channels"


def pad_input_channels(proto: Any, channels: int = 4) -> str | None:
    """Give the convolution that reads the graph input ``channels`` input channels instead of 3: a ``Pad``
    adds zero channels and the kernel gets matching zero weights, so the result is unchanged.

    For int8 only: onnxruntime's uint8 convolution on x86 (AVX2) runs a 3-channel input ~1.7× slower than
    a 4-channel one. Returns the Pad node's name, or None when the graph does not start with such a conv.
    """
    from onnx import helper, numpy_helper

    graph = proto.graph
    source = graph.input[0].name
    conv = next((n for n in graph.node if n.op_type == "Conv" and n.input[0] == source), None)
    weights = {i.name: i for i in graph.initializer}
    if conv is None or conv.input[1] not in weights:
        return None
    kernel = numpy_helper.to_array(weights[conv.input[1]])
    if kernel.ndim != 4 or kernel.shape[1] >= channels:
        return None
    padded = np.zeros((kernel.shape[0], channels, *kernel.shape[2:]), kernel.dtype)
    padded[:, : kernel.shape[1]] = kernel
    weights[conv.input[1]].CopyFrom(numpy_helper.from_array(padded, conv.input[1]))
    pads = f"{PAD_NODE}_pads"
    graph.initializer.append(
        numpy_helper.from_array(np.array([0, 0, 0, 0, 0, channels - kernel.shape[1], 0, 0], np.int64), pads)
    )
    padded_input = f"{source}_{channels}ch"
    pad = helper.make_node("Pad", [source, pads], [padded_input], name=PAD_NODE, mode="constant")
    conv.input[0] = padded_input
    graph.node.insert(list(graph.node).index(conv), pad)
    return PAD_NODE


def pin_resize_layout(proto: Any) -> int:
    """Put an identity ``Reshape`` (shape 0, 0, 0, 0: keep every dimension) before each ``Resize``.

    For int8 only: onnxruntime runs quantized convolutions in NHWC and would move a nearest ``Resize``
    between them into NHWC too, where its uint8 kernel is a generic single-threaded loop (~12 ms for one
    384→768 upsampling here, against ~0.3 ms for its NCHW 2× kernel). The Reshape stops that move, so the
    Resize stays NCHW between two cheap Transposes. Returns how many Resize nodes were pinned.
    """
    from onnx import helper, numpy_helper

    graph = proto.graph
    keep = "keep_all_dimensions"
    nodes, pinned = [], 0
    for node in graph.node:
        if node.op_type == "Resize":
            pinned_input = f"{node.input[0]}_pinned"
            nodes.append(
                helper.make_node("Reshape", [node.input[0], keep], [pinned_input], name=f"{node.name}_pin")
            )
            node.input[0] = pinned_input
            pinned += 1
        nodes.append(node)
    if pinned:
        graph.initializer.append(numpy_helper.from_array(np.zeros(4, np.int64), keep))
        del graph.node[:]
        graph.node.extend(nodes)
    return pinned
