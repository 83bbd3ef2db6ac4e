"""Bollinger reversion: buy below the lower band, sell at the middle band."""

import numpy as np
import pandas as pd

GRID = {"window": [10, 20, 40], "width": [1.5, 2.0, 2.5]}


def signal(bars: pd.DataFrame, window: int = 20, width: float = 2.0) -> pd.Series:
    close = bars["close"]
    mid = close.rolling(window, min_periods=window).mean()
    band = close.rolling(window, min_periods=window).std(ddof=0) * width
    enter = close < mid - band
    leave = close > mid
    state = pd.Series(np.where(enter, 1.0, np.where(leave, 0.0, np.nan)), index=close.index)
    state[mid.isna()] = 0.0
    return state.ffill().fillna(0.0)
