"""Training the ship SegNet with Keras 3: model, data pipeline, losses, the train and evaluate commands.

Importing this package is cheap; TensorFlow is loaded only by the modules that need it (``model``,
``losses``, ``pipeline``, ``train``, ...), never by :mod:`training.cli` at import time.
"""
