"""Time-series momentum: long while the return over `lookback` bars exceeds `threshold`."""

from backtest.indicators import as_close, shift

BARS = "numpy"
GRID = {"lookback": [20, 60, 120, 250], "threshold": [0.0, 0.05]}


def signal(bars, lookback: int = 60, threshold: float = 0.0):
    close = as_close(bars)
    past = close / shift(close, lookback) - 1.0  # NaN (never long) until `lookback` bars
    return (past > threshold).astype(float)
