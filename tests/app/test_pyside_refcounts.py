"""The PySide6 refcount bug and its workaround (app/pyside_refcounts.py)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from app.pyside_refcounts import HEAD_START, immortalize_singletons


class Emitter(QObject):
    ping = Signal(str)


def test_signals_and_inserts_no_longer_count_down_to_a_crash(qapp):
    immortalize_singletons()
    assert sys.getrefcount(True) > HEAD_START // 2
    assert sys.getrefcount(None) > HEAD_START // 2
    emitter = Emitter()
    before = sys.getrefcount(True)
    for _ in range(20_000):  # more than True's whole count without the workaround
        emitter.ping.emit("x")
    # Whatever the binding does per emit (6.12.0: one reference lost), True survives.
    assert before - sys.getrefcount(True) <= 20_000
    assert sys.getrefcount(True) > HEAD_START // 2
