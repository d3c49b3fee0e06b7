"""Keras → ONNX export with proven parity, and int8 quantization (needs the ``train`` extra)."""
