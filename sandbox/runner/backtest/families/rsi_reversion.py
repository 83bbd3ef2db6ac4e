"""RSI reversion: buy when RSI falls below `low`, sell when it rises above `high`."""

import numpy as np

from backtest.indicators import as_close, diff, ewm, ffill

BARS = "numpy"
GRID = {"period": [7, 14, 21], "low": [25, 30], "high": [60, 70]}


def signal(bars, period: int = 14, low: float = 30, high: float = 70):
    delta = diff(as_close(bars))
    gain = ewm(np.clip(delta, 0.0, None), alpha=1.0 / period)
    loss = ewm(-np.clip(delta, None, 0.0), alpha=1.0 / period)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + gain / np.where(loss == 0.0, np.nan, loss))
    rsi = np.where(np.isnan(rsi), 50.0, rsi)
    # Enter on oversold, hold until overbought: a state carried forward bar by bar.
    state = np.where(rsi < low, 1.0, np.where(rsi > high, 0.0, np.nan))
    state[:period] = 0.0
    return ffill(state, 0.0)
