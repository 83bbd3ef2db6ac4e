"""SMA cross: long while the fast simple moving average is above the slow one."""

import pandas as pd

GRID = {"fast": [5, 10, 20], "slow": [30, 50, 100]}


def signal(bars: pd.DataFrame, fast: int = 10, slow: int = 50) -> pd.Series:
    if fast >= slow:
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    close = bars["close"]
    fast_ma = close.rolling(fast, min_periods=fast).mean()
    slow_ma = close.rolling(slow, min_periods=slow).mean()
    return (fast_ma > slow_ma).astype(float)
