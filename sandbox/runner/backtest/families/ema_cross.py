"""EMA cross: long while the fast exponential moving average is above the slow one."""

import numpy as np

from backtest.indicators import as_close, ewm

BARS = "numpy"
GRID = {"fast": [8, 12, 20], "slow": [26, 50, 100]}


def signal(bars, fast: int = 12, slow: int = 26):
    if fast >= slow:
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    close = as_close(bars)
    # The recursive EMA (pandas' adjust=False): each value uses only earlier bars.
    warm = np.arange(len(close)) >= slow
    return ((ewm(close, span=fast) > ewm(close, span=slow)) & warm).astype(float)
