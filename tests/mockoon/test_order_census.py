"""The order census catches a client_order_id the broker took twice even after pruning took
the first copy away, which one listing at the end cannot; and it says when orders went by
unseen, so a count of 0 duplicates is never a guess."""

from __future__ import annotations

import asyncio

from engine.order_census import OrderCensus
from tests.mockoon.test_broker import order
from tests.runtime.helpers import wait_until_async

AGENT = "/v1/trading/accounts/agent-c"


def _open(api) -> None:
    api.post("/__harness/reset", json={"cash": 1_000_000, "keep": 1}).raise_for_status()
    api.post("/v1/accounts", json={"id": "agent-c", "cash": 1_000_000}).raise_for_status()


def _place(api, coid: str) -> None:
    api.post(f"{AGENT}/orders", json=order(coid, qty=1)).raise_for_status()


def _held(api) -> list[str]:
    return [o["client_order_id"] for o in api.get("/__harness/state").json()["orders"]]


async def test_a_duplicate_whose_first_copy_was_pruned_is_still_counted(api):
    _open(api)
    census = OrderCensus(str(api.base_url), "run-")
    await census.sample()
    _place(api, "run-t1")
    await census.sample()
    for n in range(2, 5):  # keep 1: run-t1 is pruned by these
        _place(api, f"run-t{n}")
        await census.sample()
    assert "run-t1" not in _held(api)
    _place(api, "run-t1")  # accepted again: the broker no longer holds the first one
    await census.sample()

    assert _held(api).count("run-t1") == 1, "one listing at the end sees it once"
    assert census.twice == ["run-t1"] and census.duplicates == 1
    assert census.seen == 5 and census.unseen == 0


async def test_orders_placed_and_pruned_between_samples_are_counted_unseen(api):
    _open(api)
    census = OrderCensus(str(api.base_url), "run-")
    await census.sample()
    for n in range(1, 6):
        _place(api, f"run-u{n}")
    _place(api, "other-1")  # another agent's order counts towards what was numbered
    await census.sample()
    assert census.unseen == 6 - len(_held(api)), (census.unseen, _held(api))
    assert census.unseen > 0 and census.duplicates == 0


async def test_as_a_context_it_samples_all_along_and_once_more_at_the_end(api):
    _open(api)
    async with OrderCensus(str(api.base_url), "run-", every_s=0.05) as census:
        for n in range(1, 4):
            await asyncio.to_thread(_place, api, f"run-v{n}")
            # Until a background sample saw it (keep 1: the next order prunes it).
            await wait_until_async(lambda n=n: census.seen == n, 10, f"the census to see {n}")
    assert census.seen == 3 and census.unseen == 0 and census.duplicates == 0
