"""SMA cross: long while the fast simple moving average is above the slow one."""

from backtest.indicators import as_close, sma

BARS = "numpy"
GRID = {"fast": [5, 10, 20], "slow": [30, 50, 100]}


def signal(bars, fast: int = 10, slow: int = 50):
    if fast >= slow:
        raise ValueError(f"fast ({fast}) must be shorter than slow ({slow})")
    close = as_close(bars)
    return (sma(close, fast) > sma(close, slow)).astype(float)
