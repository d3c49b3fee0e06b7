"""Change the post-processing advice stored in an ONNX model's metadata, without exporting it again.

Usage: python scripts/set_metadata.py MODEL.onnx KEY=VALUE [KEY=VALUE ...]

KEY is a field of ``shipviewer.model.metadata.ModelMetadata`` (``threshold``, ``min_size``,
``refine_outlines``, ``split_touching``, ``gate_threshold``, ``validation_f2``, ...); each value is checked
by the same parser the inference session uses, and the file is replaced atomically only once the new file
opens in onnxruntime. ``gate_threshold`` is also the default of a gated graph's ``gate_threshold`` input
(what a plain onnxruntime caller gets): both change together. How the graph is fed (layout, pixel scale,
size multiple, precision) is the exporter's to say, not this script's.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipviewer.model.metadata import GATE_THRESHOLD_INPUT, PREFIX, ModelMetadata

FIXED = {"input_layout", "pixel_scale", "pixel_offset", "size_multiple", "precision"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("settings", nargs="+", metavar="KEY=VALUE")
    args = parser.parse_args()

    import numpy as np
    import onnx
    from onnx import numpy_helper

    from shipviewer.model.inference import InferenceSession

    known = {f.name for f in fields(ModelMetadata)}
    proto = onnx.load(str(args.model))
    props = {p.key: p.value for p in proto.metadata_props}
    for setting in args.settings:
        key, sep, value = setting.partition("=")
        if not sep or key not in known:
            parser.error(f"{setting!r}: expected KEY=VALUE with KEY one of {', '.join(sorted(known))}")
        if key in FIXED:
            parser.error(f"{key} is how the graph is fed: export the model again to change it")
        props[PREFIX + key] = value
    before = ModelMetadata.from_props({p.key: p.value for p in proto.metadata_props})
    after = ModelMetadata.from_props(props)  # raises for a value the session could not read
    if after.gate_threshold != before.gate_threshold:
        defaults = [t for t in proto.graph.initializer if t.name == GATE_THRESHOLD_INPUT]
        if not defaults or after.gate_threshold is None:
            parser.error("gate_threshold: this model has no gated decoder whose threshold could change")
        defaults[0].CopyFrom(
            numpy_helper.from_array(np.array(after.gate_threshold, np.float32), GATE_THRESHOLD_INPUT)
        )
    del proto.metadata_props[:]
    for key, value in props.items():
        proto.metadata_props.add(key=key, value=value)
    target = args.model.resolve()  # a link to a model: the model it points at is changed
    fd, scratch = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(proto.SerializeToString())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(scratch, stat.S_IMODE(target.stat().st_mode))  # mkstemp made it owner-only
        check = InferenceSession(scratch, device="cpu")
        if check.metadata != after:
            raise RuntimeError("the saved metadata does not read back as written")
        if after.gate_threshold is not None and check.has_gate:
            saved = onnx.load(scratch).graph.initializer
            default = next((t for t in saved if t.name == GATE_THRESHOLD_INPUT), None)
            held = None if default is None else float(numpy_helper.to_array(default))
            if held is not None and held != np.float32(after.gate_threshold):
                raise RuntimeError("the graph's gate threshold does not read back as written")
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    for f in fields(ModelMetadata):
        old, new = getattr(before, f.name), getattr(after, f.name)
        if old != new:
            print(f"{args.model.name}: {f.name} {old!r} -> {new!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
