"""Time-series momentum: long while the return over `lookback` bars exceeds `threshold`."""

import pandas as pd

GRID = {"lookback": [20, 60, 120, 250], "threshold": [0.0, 0.05]}


def signal(bars: pd.DataFrame, lookback: int = 60, threshold: float = 0.0) -> pd.Series:
    close = bars["close"]
    past = close / close.shift(lookback) - 1.0
    return (past > threshold).astype(float)
