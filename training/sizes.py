"""Image sizes the SegNet takes, without importing TensorFlow: sides are multiples of 32, frames 768×768."""

from __future__ import annotations

from .errors import SizeError

N_POOLINGS = 5
SIZE_MULTIPLE = 2**N_POOLINGS
FRAME = 768  # the Airbus images; others are brought to this size


def check_size(size: int, what: str = "size") -> int:
    """``size`` if the SegNet can take it (a positive multiple of 32), else :class:`SizeError`."""
    if size < SIZE_MULTIPLE or size % SIZE_MULTIPLE:
        lower = max(size // SIZE_MULTIPLE * SIZE_MULTIPLE, SIZE_MULTIPLE)
        raise SizeError(
            f"{what} {size} is not a multiple of {SIZE_MULTIPLE}: "
            f"the SegNet halves the image {N_POOLINGS} times "
            f"(try {lower} or {lower + SIZE_MULTIPLE})"
        )
    return size
