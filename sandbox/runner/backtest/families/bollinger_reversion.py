"""Bollinger reversion: buy below the lower band, sell at the middle band."""

import numpy as np

from backtest.indicators import as_close, ffill, rolling_std, sma

BARS = "numpy"
GRID = {"window": [10, 20, 40], "width": [1.5, 2.0, 2.5]}


def signal(bars, window: int = 20, width: float = 2.0):
    close = as_close(bars)
    mid = sma(close, window)
    band = rolling_std(close, window, ddof=0) * width
    state = np.where(close < mid - band, 1.0, np.where(close > mid, 0.0, np.nan))
    state[np.isnan(mid)] = 0.0
    return ffill(state, 0.0)
