"""Tiny real ONNX models for tests, built with the onnx package (no TensorFlow needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def channel_mean_model(
    path: Path,
    *,
    layout: str = "NHWC",
    metadata: dict[str, str] | None = None,
    out_channels: int = 1,
    in_channels: int = 3,
    fixed_hw: tuple[int, int] | None = None,
) -> Path:
    """A model whose 'probability' is the mean of the input channels (so it is easy to predict)."""
    import onnx
    from onnx import TensorProto, helper

    h, w = fixed_hw if fixed_hw else ("H", "W")
    axis = 3 if layout == "NHWC" else 1
    in_shape = ["N", h, w, in_channels] if layout == "NHWC" else ["N", in_channels, h, w]
    out_shape = ["N", h, w, out_channels] if layout == "NHWC" else ["N", out_channels, h, w]
    nodes = [helper.make_node("ReduceMean", ["image", "axes"], ["mean"], keepdims=1)]
    initializers = [helper.make_tensor("axes", TensorProto.INT64, [1], [axis])]
    if out_channels == 1:
        nodes.append(helper.make_node("Identity", ["mean"], ["prob"]))
    else:
        nodes.append(helper.make_node("Concat", ["mean"] * out_channels, ["prob"], axis=axis))
    graph = helper.make_graph(
        nodes,
        "channel_mean",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, out_shape)],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="tests")
    model.ir_version = 9
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def expected_mean(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32).mean(axis=2) / 255.0
