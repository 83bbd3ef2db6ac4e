"""A workaround for a reference-counting bug in PySide6 6.12.0 (measured here): every
`Signal.emit()` drops one reference to True, and every beginInsertRows()/endInsertRows()
(and begin/endResetModel) one to None, without ever having taken it. On Python 3.11 these
singletons are ordinary objects: after a few thousand emits True's count reaches zero and
the interpreter aborts ("Fatal Python error: bool_dealloc"), which a window that polls its
agent twice a second would reach within the hour.

Python 3.12 makes these objects immortal; here we do the same by hand, once, before Qt
runs: a 2**40 head start on their reference counts (never reached at any emit rate). An
over-counted singleton is harmless: it is never meant to be freed. Remove this module when
the pinned PySide6 no longer has the bug (tests/app/test_pyside_refcounts.py shows it).
"""

from __future__ import annotations

import ctypes
import sys

HEAD_START = 1 << 40
_done = False


def immortalize_singletons() -> None:
    global _done
    if _done or sys.version_info >= (3, 12):  # 3.12+: already immortal
        return
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object: a Py_ssize_t at its address.
        ctypes.c_ssize_t.from_address(id(singleton)).value += HEAD_START
    _done = True
