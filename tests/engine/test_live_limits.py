"""Live limits: every check reads the limits in the agent's memory, the ones set_limits sets.

Each limit is tightened and loosened on the memory the workflow keeps, and the verdict of
the very check the workflow runs (`memory.check`) follows. The workflow-level path
(`set_limits` raising `max_quantity` past the start-time limit) is in test_limits_workflow.
"""

from __future__ import annotations

import pytest

from engine.contracts import AgentConfig
from engine.models import Headline, Portfolio, RiskLimits, Side
from engine.portfolio import apply_fill
from engine.workflows import memory as mem
from tests.engine.guardrail_cases import intent
from tests.engine.test_daily_limits import CALENDAR, context

BUY = intent(quantity=100)  # $10,000 of AAPL at $100
CASES = [  # field, tight, loose, intent, what the tight limit says
    ("max_order_notional", 5_000.0, 25_000.0, BUY, "per-order limit"),
    ("max_position_pct", 0.01, 1.0, BUY, "above the 1.0% limit"),
    ("max_daily_notional", 5_000.0, 60_000.0, BUY, "daily notional limit"),
    ("daily_loss_limit_pct", 0.0005, 0.5, BUY, "daily loss limit"),
    ("max_quantity", 10, 100_000, BUY, "10-share limit"),
    ("limit_band_pct", 0.03, 0.05, intent(quantity=10, limit_price=96.0), "outside the"),
    ("approval_notional", 1_000.0, 20_000.0, intent(quantity=20), "approval threshold"),
    ("approval_min_confidence", 0.9, 0.0, intent(quantity=20, confidence=0.5),
     "approval threshold"),
    ("allowed_symbols", ["IBM"], ["AAPL", "IBM"], BUY, "not on the allowed list"),
    ("restricted_terms", ["fraud"], [], BUY, "restricted term"),
]


def agent_after_a_fall():
    """100 AAPL bought at $100, $1M cash; the day opens at $100 and AAPL falls to $92."""
    memory = mem.fresh(AgentConfig(), CALENDAR)
    memory.prices = {"AAPL": 100.0}
    memory.portfolio = apply_fill(Portfolio(cash=1_010_000.0), "AAPL", Side.BUY, 100, 100.0)
    fallen = context(1, "d1", 92.0)
    fallen.headlines = {"AAPL": [Headline(id="1", symbol="AAPL", date="d1", sentiment=-0.5,
                                          headline="AAPL fraud probe widens")]}
    mem.observe(memory, memory.clock.model_copy(update={"tick": 0}), fallen)
    assert memory.day.start_equity == 1_010_000.0  # a loss of $800 today: 0.08%
    return memory


@pytest.mark.parametrize(("field", "tight", "loose", "trade", "says"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_limit_takes_effect_when_set_and_when_lifted(field, tight, loose, trade, says):
    memory = agent_after_a_fall()
    base = RiskLimits(approval_notional=1e6, max_order_notional=1e6, max_daily_notional=1e7,
                      max_position_pct=1.0, daily_loss_limit_pct=1.0, restricted_terms=[])
    memory.limits = base.model_copy(update={field: tight})
    tightened = mem.check(memory, trade)
    assert any(says in r for r in tightened.reasons), tightened.reasons
    memory.limits = base.model_copy(update={field: loose})
    loosened = mem.check(memory, trade)
    assert not any(says in r for r in loosened.reasons), loosened.reasons
