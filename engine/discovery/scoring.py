"""The trusted scorer: every figure of a candidate, from its exposure series and the bars.

WHY here and not in the sandbox: code in the strategy's process can print any scorecard,
or replace the scorer before it runs. So the sandbox hands back only what the strategy
computes (its exposure per bar, checked by engine.discovery.exposure), and the worker,
which runs no strategy code, simulates and scores it on the bars it fetched itself.
"""

from __future__ import annotations

import math

import numpy as np

from engine.discovery.metrics import scorecard
from engine.discovery.simulation import Costs, simulate

EQUITY_POINTS = 120


def score(dates: list[str], close: np.ndarray, signal: np.ndarray, *, split: float,
          fee_bps: float, slippage_bps: float, equity_points: int = EQUITY_POINTS) -> dict:
    """The scorecard of `signal` (one exposure in [0, 1] per bar, oldest first) on the
    bars `dates`/`close`: the full run, in-sample, out-of-sample and its walk-forward
    folds, the latest signal and a sampled equity curve."""
    sim = simulate(close, signal, Costs(float(fee_bps), float(slippage_bps)))
    cut = int(len(close) * float(split))
    return {
        "first_date": str(dates[0]),
        "last_date": str(dates[-1]),
        "split_date": str(dates[cut]),
        "full": scorecard(sim.net, signal),
        "in_sample": scorecard(sim.net[:cut], signal[:cut]),
        "out_of_sample": scorecard(sim.net[cut:], signal[cut:]),
        "walk_forward": walk_forward(sim.net[cut:], signal[cut:]),
        "signal_now": round(float(signal[-1]), 6),
        "equity": sample_curve(dates, sim.equity, equity_points),
    }


def walk_forward(net: np.ndarray, signal: np.ndarray, folds: int = 3) -> list[dict]:
    """The out-of-sample stretch cut into consecutive folds: is the edge stable over time,
    or one lucky spell? (Parameters are fixed per candidate, so no refit per fold.)"""
    size = len(net) // folds
    if size < 20:
        return []
    return [
        {k: v for k, v in scorecard(net[i * size:(i + 1) * size],
                                    signal[i * size:(i + 1) * size]).items()
         if k in ("bars", "total_return", "sharpe", "max_drawdown")}
        for i in range(folds)
    ]


def sample_curve(dates: list[str], equity: np.ndarray, points: int) -> list[list]:
    """At most `points` [date, equity] pairs, always including the last bar."""
    n = len(equity)
    step = max(1, math.ceil(n / max(2, points)))
    picks = list(range(0, n, step))
    if picks[-1] != n - 1:
        picks.append(n - 1)
    return [[str(dates[i]), round(float(equity[i]), 6)] for i in picks]
