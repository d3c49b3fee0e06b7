"""Keras-side rewrites that make the ONNX graph lean, and ONNX-side tidying after tf2onnx."""

from __future__ import annotations

from typing import Any

import numpy as np

from shipviewer.model.metadata import GATE_OUTPUT, GATE_THRESHOLD_INPUT


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
    output_names: tuple[str, ...] | None = None,
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
    names = output_names or (output_name,)
    if len(names) != len(graph.output):
        raise ValueError(f"the graph has {len(graph.output)} output(s), {len(names)} name(s) given")
    renames = {graph.input[0].name: input_name} | {o.name: n for o, n in zip(graph.output, names)}
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
    for output, name in zip(graph.output, names):
        output.name = name
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


def _producers(graph: Any) -> dict[str, Any]:
    return {name: node for node in graph.node for name in node.output}


def _ancestors(graph: Any, tensor: str) -> set[int]:
    """Indices of the nodes that ``tensor`` depends on (the main graph only)."""
    producers = _producers(graph)
    index = {id(node): i for i, node in enumerate(graph.node)}
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        node = producers.get(stack.pop())
        if node is None or index[id(node)] in seen:
            continue
        seen.add(index[id(node)])
        stack.extend(name for name in node.input if name)
    return seen


def gate_decoder(proto: Any, threshold: float, mask_output: str = "probability") -> int:
    """Run the decoder only for a batch whose ship/no-ship output reaches ``threshold``.

    The nodes that the mask needs and the gate does not (the decoder: ~90 % of the SegNet's arithmetic)
    move into the ``then`` branch of an ONNX ``If``; the ``else`` branch returns zeros of the mask's shape.
    The condition is ``max(ship) >= gate_threshold``, where ``gate_threshold`` is a graph input with
    ``threshold`` as its default: feed -1 to always decode (the full map for the viewer), 2 never. Works
    on fp32 and on quantized (QDQ) graphs alike. Returns the number of nodes moved.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = proto.graph
    outputs = [o.name for o in graph.output]
    if GATE_OUTPUT not in outputs or mask_output not in outputs:
        raise ValueError(f"the graph needs outputs {mask_output!r} and {GATE_OUTPUT!r}, has {outputs}")
    if any(node.op_type == "If" for node in graph.node):
        raise ValueError("the graph already has an If node (gated twice?)")
    gate_side = _ancestors(graph, GATE_OUTPUT)
    decoder = sorted(_ancestors(graph, mask_output) - gate_side)
    if not decoder:
        raise ValueError("the mask needs no node that the gate does not: nothing to gate")
    moved = [graph.node[i] for i in decoder]
    kept = [node for i, node in enumerate(graph.node) if i not in set(decoder)]
    used_by_kept = {name for node in kept for name in node.input}
    moved_inputs = {name for node in moved for name in node.input}
    initializers = list(graph.initializer)
    inner_init = [t for t in initializers if t.name in moved_inputs and t.name not in used_by_kept]
    inner_names = {t.name for t in inner_init}

    decoded = f"{mask_output}_decoded"
    for node in moved:
        node.output[:] = [decoded if name == mask_output else name for name in node.output]
    mask_type = next(o for o in graph.output if o.name == mask_output).type.tensor_type
    rank = len(mask_type.shape.dim)
    if rank not in (3, 4):
        raise ValueError(f"expected an (N, H, W) or (N, H, W, 1) mask output, got rank {rank}")
    then_out = helper.make_tensor_value_info(decoded, TensorProto.FLOAT, [None] * rank)
    then_branch = helper.make_graph(
        [_copy(node) for node in moved], "decoder", [], [then_out], initializer=inner_init
    )

    image = graph.input[0].name
    zeros_nodes = [
        helper.make_node("Shape", [image], ["gate_image_shape"]),
        helper.make_node("Gather", ["gate_image_shape", "gate_mask_axes"], ["gate_mask_nhw"], axis=0),
        helper.make_node("Concat", ["gate_mask_nhw", "gate_mask_tail"], ["gate_mask_shape"], axis=0),
        helper.make_node(
            "ConstantOfShape",
            ["gate_mask_shape"],
            ["probability_skipped"],
            value=numpy_helper.from_array(np.zeros(1, np.float32)),
        ),
    ]
    axes = [0, 2, 3]  # (N, H, W) of the NCHW image, then a channel of 1 for an (N, H, W, 1) mask
    tail = [1] if rank == 4 else []
    else_out = helper.make_tensor_value_info("probability_skipped", TensorProto.FLOAT, [None] * rank)
    else_branch = helper.make_graph(
        zeros_nodes,
        "skip_decoder",
        [],
        [else_out],
        initializer=[
            numpy_helper.from_array(np.array(axes, np.int64), "gate_mask_axes"),
            numpy_helper.from_array(np.array(tail, np.int64), "gate_mask_tail"),
        ],
    )
    condition = [
        helper.make_node("ReduceMax", [GATE_OUTPUT], ["gate_max"], keepdims=0),
        helper.make_node("GreaterOrEqual", ["gate_max", GATE_THRESHOLD_INPUT], ["gate_open"]),
        helper.make_node(
            "If",
            ["gate_open"],
            [mask_output],
            then_branch=then_branch,
            else_branch=else_branch,
            name="gate_if",
        ),
    ]
    del graph.node[:]
    graph.node.extend([*kept, *condition])
    keep_init = [t for t in initializers if t.name not in inner_names]
    del graph.initializer[:]
    graph.initializer.extend(keep_init)
    graph.initializer.append(numpy_helper.from_array(np.array(threshold, np.float32), GATE_THRESHOLD_INPUT))
    graph.input.append(helper.make_tensor_value_info(GATE_THRESHOLD_INPUT, TensorProto.FLOAT, []))
    inner_value_info = {name for node in moved for name in node.output}
    kept_info = [v for v in graph.value_info if v.name not in inner_value_info]
    del graph.value_info[:]
    graph.value_info.extend(kept_info)
    return len(moved)


def _copy(node: Any) -> Any:
    from onnx import NodeProto

    copy = NodeProto()
    copy.CopyFrom(node)
    return copy


def is_gated(proto: Any) -> bool:
    """Whether the graph has the gated decoder of :func:`gate_decoder`."""
    return any(node.op_type == "If" and node.name == "gate_if" for node in proto.graph.node)


def gate_only_nodes(proto: Any, mask_output: str = "probability") -> list[str]:
    """Names of the nodes that only the ship/no-ship output needs (the gate head), in an ungated graph."""
    graph = proto.graph
    only = sorted(_ancestors(graph, GATE_OUTPUT) - _ancestors(graph, mask_output))
    return [graph.node[i].name for i in only]


def ungate(proto: Any, mask_output: str = "probability") -> float:
    """Undo :func:`gate_decoder`: the decoder back in the main graph, no If, no threshold input.

    Returns the threshold the graph held (quantization works on the plain graph, and the exporter gates the
    result again with it)."""
    from onnx import numpy_helper

    graph = proto.graph
    gate = next((n for n in graph.node if n.op_type == "If" and n.name == "gate_if"), None)
    if gate is None:
        raise ValueError("the graph has no gated decoder")
    then_branch = next(a.g for a in gate.attribute if a.name == "then_branch")
    decoded = then_branch.output[0].name
    threshold_init = next(t for t in graph.initializer if t.name == GATE_THRESHOLD_INPUT)
    threshold = float(numpy_helper.to_array(threshold_init))
    condition = {"gate_max", "gate_open"}
    kept = [n for n in graph.node if n is not gate and not set(n.output) & condition]
    inner = [_copy(n) for n in then_branch.node]
    for node in inner:
        node.output[:] = [mask_output if name == decoded else name for name in node.output]
    del graph.node[:]
    graph.node.extend([*kept, *inner])
    keep_init = [t for t in graph.initializer if t.name != GATE_THRESHOLD_INPUT]
    del graph.initializer[:]
    graph.initializer.extend([*keep_init, *then_branch.initializer])
    inputs = [i for i in graph.input if i.name != GATE_THRESHOLD_INPUT]
    del graph.input[:]
    graph.input.extend(inputs)
    return threshold
