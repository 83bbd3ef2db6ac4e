"""The strategy's raw output as an exposure series: the one thing the sandbox returns.

numpy only: pandas is imported (lazily) only when a strategy hands back a pandas Series.
The simulation and the scorecard are not here: the worker computes them
(engine/discovery/scoring.py) from this series, outside the strategy's process.
"""

from __future__ import annotations

import sys

import numpy as np


def clean_signal(raw, index) -> np.ndarray:
    """Whatever the strategy returned, as a long-only exposure in [0, 1] per bar.
    `index`: the bars (anything with a length). A pandas Series is aligned on bar numbers
    (as the DataFrame it was computed from is numbered) and its non-numbers become 0."""
    n = len(index)
    pandas = sys.modules.get("pandas")  # loaded only if the strategy itself uses pandas
    if pandas is not None and isinstance(raw, pandas.Series):
        values = pandas.to_numeric(raw.reindex(range(n)), errors="coerce").to_numpy(dtype=float)
    else:
        values = np.asarray(raw, dtype=float)
        if values.shape != (n,):
            raise ValueError(f"the signal has shape {values.shape}, expected ({n},)")
    values = np.where(np.isfinite(values), values, 0.0)
    return np.clip(values, 0.0, 1.0)
