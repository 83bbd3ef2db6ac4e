"""MACD: long while the MACD line is above its signal line."""

import numpy as np

from backtest.indicators import as_close, ewm

BARS = "numpy"
GRID = {"fast": [8, 12], "slow": [21, 26, 35], "smooth": [5, 9]}


def signal(bars, fast: int = 12, slow: int = 26, smooth: int = 9):
    if fast >= slow:
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    close = as_close(bars)
    line = ewm(close, span=fast) - ewm(close, span=slow)
    trigger = ewm(line, span=smooth)
    warm = np.arange(len(close)) >= slow + smooth
    return ((line > trigger) & warm).astype(float)
