"""Rebuild a Keras SegNet from an exported fp32 ONNX file (no batch norm: tf2onnx folded it into the convs).

The bundled model was shipped as ONNX only; this gives back an equivalent ``.keras`` file that
``shipviewer train --init`` (and the viewer's improve-model loop) can fine-tune. The convolutions are read
in graph order, which is the SegNet's layer order; their kernels go from ONNX (out, in, kh, kw) to Keras
(kh, kw, in, out). The script checks that Keras and onnxruntime agree on the bundled samples.

    python scripts/keras_from_onnx.py resources/models/shipviewer-segnet.onnx --width 0.5 --out model.keras
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("onnx", type=Path)
    parser.add_argument("--width", type=float, required=True, help="the width the model was trained at")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import onnx
    from onnx import numpy_helper

    from export.onnx_export import default_parity_images, keras_probabilities
    from shipviewer.model.inference import InferenceSession
    from training.model import build_segnet

    proto = onnx.load(str(args.onnx))
    weights = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    model = build_segnet(width=args.width, batch_norm=False)
    layers = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    if len(layers) != len(convs):
        raise SystemExit(
            f"{args.onnx}: {len(convs)} convolutions, the SegNet at width {args.width} has {len(layers)}"
        )
    for layer, node in zip(layers, convs):
        kernel = weights[node.input[1]].transpose(2, 3, 1, 0)
        bias = weights[node.input[2]] if len(node.input) > 2 else np.zeros(kernel.shape[-1], np.float32)
        if tuple(layer.kernel.shape) != kernel.shape:
            raise SystemExit(f"{layer.name}: ONNX kernel {kernel.shape}, Keras {tuple(layer.kernel.shape)}")
        layer.set_weights([kernel, bias.reshape(-1)])
    session = InferenceSession(args.onnx, device="cpu")
    worst = 0.0
    for image in default_parity_images():
        h, w = (s - s % 32 for s in image.shape[:2])
        batch = np.ascontiguousarray(image[None, :h, :w])
        worst = max(
            worst,
            float(
                np.abs(keras_probabilities(model, batch, session.metadata) - session.run_batch(batch)).max()
            ),
        )
    if worst > 1e-4:
        raise SystemExit(f"Keras and ONNX differ by up to {worst:.2e}: not written")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"{args.out}: {model.count_params():,} parameters; max |keras - onnx| = {worst:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
