"""Does a model-written strategy look ahead? Its signal before a cut must not care what
comes after it.

A causal strategy decides bar t from bars 0..t. So run it again on bars that agree with
the real ones up to a cut and differ after it; its signal before the cut must be, bar for
bar, what it was in the full run. Three such runs, each in its own sandbox (nothing in
one can read the real bars after the cut):

- the bars before the cut alone (a strategy that reads the whole history, such as a mean
  over every bar, changes everywhere);
- the real bars with the future replaced by a steep rally, and
- by a steep crash.

Why the two made-up futures: removing the future alone misses a strategy whose peek
happened to agree with "no data" at that cut (close.shift(-1) > close is 0 on the last
bar either way when the price fell), about one cut in two for a one-bar peek on AAPL.
A peek at the price ahead, with any threshold, reads 1 in one of a rally and a crash and
0 in the other, so at least one differs from the real run, whatever the real future was.

The cut is derived from the candidate's label: deterministic, and unknown to the
strategy. What this cannot see: a strategy that peeks only after the latest possible cut.
The families are checked by their tests (tests/sandbox/test_strategy_families.py).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

# Where the cut may fall, as fractions of the bars: late enough to compare most of them.
EARLIEST, LATEST = 0.55, 0.95
# The made-up futures move 10% a bar for 30 bars, then stay: a 20-fold move either way,
# far beyond any threshold a strategy sets on the price ahead, and still finite prices.
STEP, STEPS = 0.10, 30
PRICES = ("o", "h", "l", "c")


@dataclass(frozen=True)
class Variant:
    """Bars that agree with the real ones before the cut; `what` says what became of
    the rest ("removed", "replaced by a rally")."""

    what: str
    bars: list[dict]


def cut_point(bars: int, label: str) -> int:
    span = max(1, int(bars * (LATEST - EARLIEST)))
    offset = int.from_bytes(hashlib.sha256(label.encode()).digest()[:4], "big") % span
    return min(bars - 1, int(bars * EARLIEST) + offset)


def variants(bars: list[dict], cut: int) -> list[Variant]:
    """The three runs a causal strategy must agree with before `cut`."""
    return [Variant("removed", bars[:cut]),
            Variant("replaced by a rally", _future(bars, cut, +1)),
            Variant("replaced by a crash", _future(bars, cut, -1))]


def _future(bars: list[dict], cut: int, sign: int) -> list[dict]:
    """The real bars up to `cut`, then a path from the last close that moves STEP a bar
    in `sign`'s direction. Each bar keeps its date, volume and its open/high/low in the
    same proportion to its close (high stays above low)."""
    anchor = bars[cut - 1]["c"]
    out = list(bars[:cut])
    for j, bar in enumerate(bars[cut:], start=1):
        close = anchor * math.exp(sign * STEP * min(j, STEPS))
        scale = close / bar["c"] if bar["c"] else 0.0
        out.append({**bar, **{k: round(bar[k] * scale, 6) for k in PRICES}})
    return out


def first_difference(full: np.ndarray, prefix: np.ndarray) -> int | None:
    """The first bar where the run on fewer bars disagrees with the full run, or None."""
    differs = np.flatnonzero(np.abs(full[:len(prefix)] - prefix) > 1e-9)
    return int(differs[0]) if differs.size else None
