"""MACD: long while the MACD line is above its signal line."""

import pandas as pd

GRID = {"fast": [8, 12], "slow": [21, 26, 35], "smooth": [5, 9]}


def signal(bars: pd.DataFrame, fast: int = 12, slow: int = 26, smooth: int = 9) -> pd.Series:
    if fast >= slow:
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    close = bars["close"]
    line = close.ewm(span=fast, adjust=False).mean() - close.ewm(span=slow, adjust=False).mean()
    trigger = line.ewm(span=smooth, adjust=False).mean()
    warm = pd.Series(range(len(close)), index=close.index) >= slow + smooth
    return ((line > trigger) & warm).astype(float)
