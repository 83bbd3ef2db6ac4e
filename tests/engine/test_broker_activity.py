"""BrokerActivities.place_order called directly (no workflow) against the real Mockoon broker.

Every error the activity raises must be one Temporal retries (the order is idempotent by
client_order_id); a 4xx is the broker saying no and comes back as a REJECTED result.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from temporalio.exceptions import ApplicationError

from engine.activities.broker import BrokerActivities
from engine.activities.http import ServiceClients
from engine.broker_contracts import OrderRequest, OrderStatus
from engine.workflows.trading_agent import ORDER_RETRY
from tests.engine.conftest import BROKER_CASH


class FaultyClients(ServiceClients):
    """Real HTTP clients that send `X-Harness-Fault: <mode>` on the next order POST only
    (the armed fault counter would be consumed by the activity's lookup first)."""

    def __init__(self, timeout_s: float, *modes: str) -> None:
        super().__init__(timeout_s)
        self.pending = list(modes)

    def get(self, base_url: str) -> httpx.AsyncClient:
        client = super().get(base_url)
        if self._inject not in client.event_hooks["request"]:
            client.event_hooks["request"].append(self._inject)
        return client

    async def _inject(self, request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.endswith("/orders") and self.pending:
            request.headers["X-Harness-Fault"] = self.pending.pop(0)


def assert_retryable(error: ApplicationError) -> None:
    assert not error.non_retryable, error
    assert error.type not in ORDER_RETRY.non_retryable_error_types, error


@pytest.fixture
def http(engine_settings):
    with httpx.Client(base_url=engine_settings.mockoon_url, timeout=10) as client:
        client.post("/__harness/reset", json={"cash": BROKER_CASH}).raise_for_status()
        yield client
        client.delete("/__harness/faults")


@pytest.fixture
async def activities(engine_settings):
    made: list[BrokerActivities] = []

    def make(clients: ServiceClients | None = None, timeout_s: float = 5.0) -> BrokerActivities:
        settings = engine_settings.model_copy(update={"http_timeout_s": timeout_s})
        made.append(BrokerActivities(settings, clients or ServiceClients(timeout_s)))
        return made[-1]

    yield make
    for broker in made:
        await broker._clients.aclose()


def order(side: str = "buy", quantity: int = 10, limit_price: float = 12.34) -> OrderRequest:
    coid = f"test-activity-{uuid.uuid4().hex[:8]}-t1-AAPL"
    return OrderRequest(
        client_order_id=coid, symbol="AAPL", side=side, quantity=quantity, limit_price=limit_price
    )


def stored(http: httpx.Client, request: OrderRequest) -> list[dict]:
    listed = http.get("/v2/orders", params={"limit": 500, "direction": "asc"}).json()
    return [o for o in listed if o["client_order_id"] ==
            request.client_order_id]


async def test_places_and_fills_at_the_limit_then_reuses_the_same_order(http, activities):
    broker, request = activities(), order(quantity=7, limit_price=12.34)
    first = await broker.place_order(request)
    assert first.status == OrderStatus.FILLED and not first.reused
    assert (first.filled_quantity, first.filled_price) == (7, 12.34)

    again = await broker.place_order(request)
    assert again.reused and again.status == OrderStatus.FILLED
    assert again.broker_order_id == first.broker_order_id
    assert len(stored(http, request)) == 1


async def test_a_lost_answer_raises_retryably_and_the_retry_returns_the_stored_order(
    http, activities
):
    broker, request = activities(FaultyClients(5.0, "lost")), order()
    with pytest.raises(ApplicationError) as raised:
        await broker.place_order(request)
    assert_retryable(raised.value)
    assert len(stored(http, request)) == 1, "the lost order was stored anyway"

    retry = await broker.place_order(request)
    assert retry.status == OrderStatus.FILLED and retry.reused
    assert retry.broker_order_id == stored(http, request)[0]["id"]
    assert len(stored(http, request)) == 1


@pytest.mark.parametrize("mode", ["500", "503"])
async def test_a_5xx_raises_a_retryable_error_and_stores_nothing(http, activities, mode):
    http.put("/__harness/faults", json={"mode": mode, "count": 1}).raise_for_status()
    broker, request = activities(), order()
    with pytest.raises(ApplicationError, match=mode) as raised:
        await broker.place_order(request)
    assert_retryable(raised.value)
    assert stored(http, request) == []
    assert (await broker.place_order(request)).status == OrderStatus.FILLED


@pytest.mark.parametrize(
    ("request_", "status", "message"),
    [
        (order(side="sell", quantity=5), 403, "insufficient qty available"),
        (order(quantity=0), 422, "qty must be a positive number"),
    ],
    ids=["sell-more-than-held", "zero-quantity"],
)
async def test_a_4xx_is_a_rejected_result_with_the_brokers_message(
    http, activities, request_, status, message
):
    result = await activities().place_order(request_)
    assert result.status == OrderStatus.REJECTED and not result.reused
    assert f"({status})" in result.reason and message in result.reason, result.reason
    assert stored(http, request_) == []


async def test_a_stall_beyond_the_client_timeout_raises_and_the_retry_places_one_order(
    http, activities
):
    broker, request = activities(FaultyClients(1.0, "stall"), timeout_s=1.0), order()
    with pytest.raises(ApplicationError, match="timed out") as raised:
        await broker.place_order(request)
    assert_retryable(raised.value)

    # The broker finishes the stalled request after the client gave up: the order lands.
    deadline = time.monotonic() + 15
    while not stored(http, request) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    retry = await broker.place_order(request)
    assert retry.status == OrderStatus.FILLED and retry.reused
    assert len(stored(http, request)) == 1
