"""The scorecard of one stretch of a simulation (the whole run, in-sample, out-of-sample).
Trusted code: the worker runs it on a checked exposure series, never the sandbox."""

from __future__ import annotations

import math

import numpy as np

BARS_PER_YEAR = 252


def scorecard(net, signal) -> dict:
    """Figures of a stretch of net daily returns and the signal that produced them.

    A trade is a round trip: entering exposure from flat until flat again (an open
    trade at the end counts, marked to the last close). Win rate is over those.
    """
    net = np.asarray(net, dtype=float)
    n = len(net)
    equity = np.cumprod(1.0 + net)
    total = float(equity[-1] - 1.0) if n else 0.0
    years = n / BARS_PER_YEAR
    cagr = (1.0 + total) ** (1.0 / years) - 1.0 if years > 0 and total > -1.0 else -1.0
    std = float(net.std(ddof=1)) if n > 1 else 0.0
    mean = float(net.mean()) if n else 0.0
    sharpe = mean / std * math.sqrt(BARS_PER_YEAR) if std > 1e-12 else 0.0
    downside = net[net < 0.0]
    # Sortino's downside deviation: root mean square of the negative returns over all bars.
    dd_dev = math.sqrt(float((downside**2).sum()) / n) if n else 0.0
    sortino = mean / dd_dev * math.sqrt(BARS_PER_YEAR) if dd_dev > 1e-12 else 0.0
    max_dd = float((equity / np.maximum.accumulate(equity) - 1.0).min()) if n else 0.0
    held = np.asarray(signal, dtype=float) > 0.0
    trades = _round_trips(net, held)
    return {
        "bars": n,
        "total_return": _r(total),
        "cagr": _r(cagr),
        "sharpe": _r(sharpe),
        "sortino": _r(sortino),
        "max_drawdown": _r(max_dd),
        "win_rate": _r(sum(1 for t in trades if t > 0.0) / len(trades)) if trades else 0.0,
        "trades": len(trades),
        "exposure": _r(float(_held_during(held).mean())) if n else 0.0,
    }


def _held_during(held: np.ndarray) -> np.ndarray:
    """Whether a position is held during each bar: the signal of the bar before."""
    return np.concatenate(([False], held[:-1])) if len(held) else held


def _round_trips(net: np.ndarray, held: np.ndarray) -> list[float]:
    """The compounded net return of each spell of exposure (position held from the bar
    after the entry signal through the bar after the exit signal, which pays the exit)."""
    in_market = _held_during(held)
    exits = (~held) & in_market  # the bar where the position is closed
    trades: list[float] = []
    growth = None
    for inside, wanted, leaving, ret in zip(in_market.tolist(), held.tolist(),
                                            exits.tolist(), net.tolist(), strict=True):
        if inside or (growth is None and wanted):
            growth = (1.0 if growth is None else growth) * (1.0 + ret)
        if growth is not None and leaving:
            trades.append(growth - 1.0)
            growth = None
    if growth is not None:
        trades.append(growth - 1.0)
    return trades


def _r(value: float) -> float:
    return 0.0 if not np.isfinite(value) else round(float(value), 6)
