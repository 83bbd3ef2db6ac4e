"""Positions in, net returns and equity out: the whole backtest is a few vector operations.

Trusted code: it runs in the worker, never in a sandbox, on the exposure series a
strategy returned and the bars the worker itself fetched.

Timing (WHY it is causal): a strategy's signal at bar t is computed from bars 0..t and
is the exposure it wants from the close of bar t on. The simulation therefore holds
signal[t-1] during bar t, earning close[t]/close[t-1] - 1, and pays fees and slippage on
the change of exposure at the close where it trades. No bar's result depends on a later
bar, and a signal can never trade on the close that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Costs:
    fee_bps: float = 1.0  # broker fee per unit of notional traded
    slippage_bps: float = 5.0  # price we lose per unit traded against the close

    @property
    def per_unit(self) -> float:
        return (self.fee_bps + self.slippage_bps) / 10_000.0


@dataclass(frozen=True)
class Simulation:
    position: np.ndarray  # exposure held during each bar (0..1)
    gross: np.ndarray  # the bar's return before costs
    cost: np.ndarray  # costs paid at the bar's close
    net: np.ndarray  # gross - cost
    equity: np.ndarray  # growth of 1.0


def simulate(close, signal, costs: Costs) -> Simulation:
    close = np.asarray(close, dtype=float)
    signal = np.asarray(signal, dtype=float)
    position = np.concatenate(([0.0], signal[:-1]))
    change = np.concatenate(([0.0], close[1:] / close[:-1] - 1.0))
    gross = change * position
    # Trades happen at the close of bar t when signal[t] differs from signal[t-1];
    # they are paid at that close, i.e. in bar t's net return.
    traded = np.abs(np.diff(signal, prepend=0.0))
    cost = traded * costs.per_unit
    net = gross - cost
    equity = np.cumprod(1.0 + net)
    return Simulation(position=position, gross=gross, cost=cost, net=net, equity=equity)
