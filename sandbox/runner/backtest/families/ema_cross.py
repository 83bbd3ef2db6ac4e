"""EMA cross: long while the fast exponential moving average is above the slow one."""

import pandas as pd

GRID = {"fast": [8, 12, 20], "slow": [26, 50, 100]}


def signal(bars: pd.DataFrame, fast: int = 12, slow: int = 26) -> pd.Series:
    if fast >= slow:
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    close = bars["close"]
    # adjust=False is the recursive EMA: each value uses only earlier bars.
    fast_ma = close.ewm(span=fast, adjust=False).mean()
    slow_ma = close.ewm(span=slow, adjust=False).mean()
    warm = pd.Series(range(len(close)), index=close.index) >= slow
    return ((fast_ma > slow_ma) & warm).astype(float)
