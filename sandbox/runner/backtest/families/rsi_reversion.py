"""RSI reversion: buy when RSI falls below `low`, sell when it rises above `high`."""

import numpy as np
import pandas as pd

GRID = {"period": [7, 14, 21], "low": [25, 30], "high": [60, 70]}


def signal(bars: pd.DataFrame, period: int = 14, low: float = 30, high: float = 70) -> pd.Series:
    close = bars["close"]
    delta = close.diff()
    gain = delta.clip(lower=0.0).ewm(alpha=1.0 / period, adjust=False).mean()
    loss = (-delta.clip(upper=0.0)).ewm(alpha=1.0 / period, adjust=False).mean()
    rsi = 100.0 - 100.0 / (1.0 + gain / loss.replace(0.0, np.nan))
    rsi = rsi.fillna(50.0)
    # Enter on oversold, hold until overbought: a state carried forward bar by bar.
    wanted = np.where(rsi < low, 1.0, np.where(rsi > high, 0.0, np.nan))
    state = pd.Series(wanted, index=close.index)
    state.iloc[:period] = 0.0
    return state.ffill().fillna(0.0)
