"""Positions in, net returns and equity out: the whole backtest is a few vector operations.

Timing (WHY it is causal): a strategy's signal at bar t is computed from bars 0..t and
is the exposure it wants from the close of bar t on. The engine therefore holds
signal[t-1] during bar t, earning close[t]/close[t-1] - 1, and pays fees and slippage on
the change of exposure at the close where it trades. No bar's result depends on a later
bar, and a signal can never trade on the close that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Costs:
    fee_bps: float = 1.0  # broker fee per unit of notional traded
    slippage_bps: float = 5.0  # price we lose per unit traded against the close

    @property
    def per_unit(self) -> float:
        return (self.fee_bps + self.slippage_bps) / 10_000.0


@dataclass(frozen=True)
class Simulation:
    position: pd.Series  # exposure held during each bar (0..1)
    gross: pd.Series  # the bar's return before costs
    cost: pd.Series  # costs paid at the bar's close
    net: pd.Series  # gross - cost
    equity: pd.Series  # growth of 1.0


def clean_signal(raw, index: pd.Index) -> pd.Series:
    """Whatever the strategy returned, as a long-only exposure in [0, 1] on our index."""
    if isinstance(raw, pd.Series):
        values = raw.reindex(index)
    else:
        array = np.asarray(raw, dtype=float)
        if array.shape != (len(index),):
            raise ValueError(f"the signal has shape {array.shape}, expected ({len(index)},)")
        values = pd.Series(array, index=index)
    values = pd.to_numeric(values, errors="coerce").astype(float)
    values = values.replace([np.inf, -np.inf], np.nan).fillna(0.0)
    return values.clip(lower=0.0, upper=1.0)


def simulate(close: pd.Series, signal: pd.Series, costs: Costs) -> Simulation:
    close = close.astype(float)
    position = signal.shift(1).fillna(0.0)
    gross = (close.pct_change().fillna(0.0) * position).astype(float)
    # Trades happen at the close of bar t when signal[t] differs from signal[t-1];
    # they are paid at that close, i.e. in bar t's net return.
    traded = signal.diff().abs()
    traded.iloc[0] = abs(signal.iloc[0])
    cost = traded * costs.per_unit
    net = gross - cost
    equity = (1.0 + net).cumprod()
    return Simulation(position=position, gross=gross, cost=cost, net=net, equity=equity)
