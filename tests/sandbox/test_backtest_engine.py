"""The trusted simulation and scorecard against cases computed by hand, and the runner's
cleaning of a strategy's raw output (the one piece of the backtest left in the sandbox)."""

from __future__ import annotations

import pandas as pd
import pytest
from backtest.engine import clean_signal  # noqa: E402

from engine.discovery.metrics import scorecard
from engine.discovery.simulation import Costs, simulate


def test_hand_computed_case():
    # Closes 100 -> 110 -> 99 -> 99 -> 108.9; the strategy wants to be long at the
    # closes of bars 0 and 1, flat from bar 2 on. 10 bps per unit traded, no slippage.
    close = pd.Series([100.0, 110.0, 99.0, 99.0, 108.9])
    signal = pd.Series([1.0, 1.0, 0.0, 0.0, 0.0])
    sim = simulate(close, signal, Costs(fee_bps=10.0, slippage_bps=0.0))
    # Held during bars 1 and 2 (the signal of the bar before), never during the +10% of bar 4.
    assert sim.position.tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]
    # Buy at the close of bar 0 (cost 0.001), +10%, -10% and the sale at bar 2's close.
    assert sim.net.tolist() == pytest.approx([-0.001, 0.10, -0.101, 0.0, 0.0])
    card = scorecard(sim.net, signal)
    total = 0.999 * 1.10 * 0.899 - 1.0
    assert card["total_return"] == pytest.approx(total, abs=1e-6)
    assert card["max_drawdown"] == pytest.approx(0.899 - 1.0, abs=1e-6)
    assert card["trades"] == 1
    assert card["win_rate"] == 0.0
    assert card["exposure"] == pytest.approx(0.4)
    mean = sum([-0.001, 0.10, -0.101, 0.0, 0.0]) / 5
    assert card["sharpe"] == pytest.approx(mean / sim.net.std(ddof=1) * 252**0.5, abs=1e-5)


def test_a_winning_trade_counts_as_a_win():
    close = pd.Series([100.0, 100.0, 120.0, 120.0])
    signal = pd.Series([0.0, 1.0, 0.0, 0.0])
    sim = simulate(close, signal, Costs(fee_bps=0.0, slippage_bps=0.0))
    card = scorecard(sim.net, signal)
    assert card["trades"] == 1 and card["win_rate"] == 1.0
    assert card["total_return"] == pytest.approx(0.2)


def test_signal_is_clipped_and_cleaned():
    index = pd.RangeIndex(4)
    cleaned = clean_signal([2.0, -1.0, float("nan"), 0.5], index)
    assert cleaned.tolist() == [1.0, 0.0, 0.0, 0.5]
    with pytest.raises(ValueError, match="shape"):
        clean_signal([1.0, 0.0], index)
