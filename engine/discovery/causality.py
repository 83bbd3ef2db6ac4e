"""Does a model-written strategy look ahead? Its signal on fewer bars must be the same.

A causal strategy decides bar t from bars 0..t, so run again on the first `cut` bars
only, its signal there is bar for bar what it was in the full run. A strategy that peeks
at later bars (close.shift(-1), a mean over the whole history) changes where the future
it used was cut off, and wins backtests it could never trade. The families are checked
by their tests (tests/sandbox/test_strategy_families.py); code the model writes is
checked here, in a second sandbox that holds only the first `cut` bars (so nothing in
it can read the rest). The cut is derived from the candidate's label: deterministic, and
unknown to the strategy.
"""

from __future__ import annotations

import hashlib

import numpy as np

# Where the cut may fall, as fractions of the bars: late enough to compare most of them.
EARLIEST, LATEST = 0.55, 0.9


def cut_point(bars: int, label: str) -> int:
    span = max(1, int(bars * (LATEST - EARLIEST)))
    offset = int.from_bytes(hashlib.sha256(label.encode()).digest()[:4], "big") % span
    return int(bars * EARLIEST) + offset


def first_difference(full: np.ndarray, prefix: np.ndarray) -> int | None:
    """The first bar where the run on fewer bars disagrees with the full run, or None."""
    differs = np.flatnonzero(np.abs(full[:len(prefix)] - prefix) > 1e-9)
    return int(differs[0]) if differs.size else None
