"""The embedded broker fills a limit order only when it is marketable at the bar the agent
placed it at: a buy 2% under the close rests, is cancelled at its deadline and costs nothing.
The model is the TEST DOUBLE of the chat-completions service, scripted to bid low."""

from __future__ import annotations

import uuid

from engine.broker_contracts import OrderStatus
from engine.models import RiskLimits
from tests.engine.conftest import DOUBLE_MODEL, agent_config, assert_book_is_broker, orders_for
from tests.engine.test_order_outcomes import first_order

START = "2004-01-02"


def close_at_start(broker) -> float:
    index = broker.get("/v2/calendar").json()["dates"].index(START)
    bar = broker.get("/v2/stocks/AAPL/bars/latest", params={"index": index}).json()["bar"]
    return float(bar["c"])


async def test_a_buy_under_the_market_rests_and_is_cancelled_unfilled(
    harness, chat_double, broker
):
    low = round(close_at_start(broker) * 0.98, 2)
    scripted = chat_double.intent
    chat_double.intent = {"symbol": "AAPL", "side": "buy", "quantity": 10, "limit_price": low,
                          "confidence": 0.9, "rationale": "double: bid 2% under the close"}
    config = agent_config(max_ticks=1, start_date=START, model=DOUBLE_MODEL,
                          fill_deadline_s=1.0, limits=RiskLimits(approval_notional=1e9))
    workflow_id = f"test-marketable-{uuid.uuid4().hex[:6]}"
    try:
        await harness.start_agent(config, workflow_id)
        summary = await harness.result(workflow_id)
    finally:
        chat_double.intent = scripted
    order = await first_order(harness, workflow_id)
    assert order.status == OrderStatus.REJECTED and order.filled_quantity == 0, order
    assert "not filled within 1s; cancelled" in order.reason
    [placed] = orders_for(broker, workflow_id)
    assert (placed["status"], placed["filled_qty"]) == ("canceled", "0")
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"
