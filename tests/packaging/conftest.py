"""Offscreen Qt for the icon test (before any Qt import), as in tests/app."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
