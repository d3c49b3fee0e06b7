"""Work-arounds for bugs in the Qt bindings, applied once when the Qt subpackage is imported.

PySide6 6.12.0 returns ``None`` from void methods, and ``True``/``False`` from ``Signal.emit``, without
taking a new reference: harmless on Python 3.12+, where those objects are immortal (PEP 683), fatal on
Python 3.10/3.11, where each call drops a reference the caller never had. A viewer makes thousands of
such calls a minute, and after about 5,000 the interpreter aborts with ``none_dealloc`` or
``bool_dealloc``. On those Pythons we give the three singletons the huge reference count that 3.12
gives them, which is what makes them immortal there; nothing else changes.
"""

from __future__ import annotations

import ctypes
import sys

IMMORTAL_REFS = 1 << 40  # far beyond what any run can drop; still far from overflow


def _refcount_field(obj: object) -> ctypes.c_ssize_t:
    return ctypes.c_ssize_t.from_address(id(obj))


def protect_singletons() -> bool:
    """On Python < 3.12, make None, True and False immortal; returns whether anything was changed.

    The object layout is checked first: the field read must hold the object's reference count as
    ``sys.getrefcount`` sees it, or nothing is written.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    changed = False
    for obj in (None, True, False):
        field = _refcount_field(obj)
        # getrefcount reports one more than the field: its own argument.
        if abs(field.value - (sys.getrefcount(obj) - 1)) > 2:
            return changed
        if field.value < IMMORTAL_REFS:
            field.value += IMMORTAL_REFS
            changed = True
    return changed
