"""The model: ONNX inference, its metadata, probability → ships, the probability cache, batch predict."""
