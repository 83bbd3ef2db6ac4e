"""A broker change counts once the journal holds it: the sink answers what it holds, and
an order or an account the journal never got is made again after the runtime restarts.

The regression behind it: the runtime's process was SIGKILLed 0.3 s after the broker
had filled an order and before its journal callback arrived; the restored broker had
forgotten the order the workflow had booked, and the agent paused on the difference.
The supervisors' journals are reached through `_journal`, as the runtime's workers reach
them through the URL it gives them (engine/runtime/worker_process.py).
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx
import pytest
from temporalio.exceptions import ApplicationError

import engine.activities.broker_journaled as journaled
from engine.activities.broker import BrokerActivities
from engine.broker_contracts import (
    OpenAccountRequest,
    OrderRequest,
    OrderStatus,
    SnapshotRequest,
)
from engine.config import Settings
from engine.runtime.broker_journal import JournalSink
from engine.runtime.supervisor import Supervisor


def order_request(account: str, quantity: int = 10) -> OrderRequest:
    return OrderRequest(client_order_id=f"{account}-t1-AAPL", symbol="AAPL", side="buy",
                        quantity=quantity, limit_price=12.5, account_id=account)


def entry(seq: int, coid: str, status: str, filled: str) -> bytes:
    return (f'{{"seq":{seq},"accounts":{{"a":{{"id":"a"}}}},"positions":{{}},'
            f'"orders":[{{"seq":1,"client_order_id":"{coid}","status":"{status}",'
            f'"filled_qty":"{filled}"}}]}}').encode()


def test_a_reader_waits_for_the_entry_and_the_newest_entry_wins(tmp_path: Path) -> None:
    sink = JournalSink(tmp_path).start()
    try:
        base = sink.url
        with httpx.Client(timeout=10) as http:
            assert http.get(f"{base}/orders/c1").status_code == 404
            assert http.get(f"{base}/accounts/a").status_code == 404
            answers: list[httpx.Response] = []
            reader = threading.Thread(target=lambda: answers.append(http.get(
                f"{base}/orders/c1", params={"status": "filled", "filled_qty": "5",
                                             "wait": "8"})))
            reader.start()
            sink.append(entry(3, "c1", "new", "0"))  # not yet what the reader waits for
            sink.append(entry(7, "c1", "filled", "5"))
            reader.join(10)
            assert answers and answers[0].status_code == 200
            assert answers[0].json()["status"] == "filled"
            sink.append(entry(5, "c1", "new", "0"))  # a late callback of an older change
            held = http.get(f"{base}/orders/c1").json()
            assert held["status"] == "filled"
            assert http.get(f"{base}/orders/c1", params={"status": "new"}).status_code == 404
            assert http.get(f"{base}/accounts/a").json() == {"id": "a"}
            assert http.get(f"{base}/orders/c1", params={"wait": "soon"}).status_code == 404
    finally:
        sink.stop()
    again = JournalSink(tmp_path).start()  # the file outlives the process: so does the index
    try:
        with httpx.Client(timeout=10) as http:
            assert http.get(f"{again.url}/orders/c1").json()["filled_qty"] == "5"
    finally:
        again.stop()


async def test_an_order_completes_once_journaled_and_fails_while_it_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journaled, "JOURNAL_WAIT_S", 0.5)
    with Supervisor(tmp_path / "home", headless=True, with_worker=False) as supervisor:
        url = supervisor.info.mockoon_url
        settings = Settings(mockoon_url=url, broker_journal_url=supervisor._journal.url)
        elsewhere = JournalSink(tmp_path / "elsewhere").start()  # hears of nothing
        broker = BrokerActivities(settings)
        deaf = BrokerActivities(settings.model_copy(update={"broker_journal_url": elsewhere.url}))
        # A broker of its own (a paper account) journals nothing here: nothing to wait for.
        own = BrokerActivities(settings.model_copy(
            update={"broker_url": url, "broker_journal_url": elsewhere.url}))
        account = f"journal-{uuid.uuid4().hex[:8]}"
        try:
            assert (await broker.open_account(OpenAccountRequest(account_id=account,
                                                                 cash=10_000))).opened
            with pytest.raises(ApplicationError) as not_yet:
                await deaf.place_order(order_request(account))
            assert not_yet.value.type == journaled.NOT_JOURNALED
            assert not not_yet.value.non_retryable
            # The retry, told of the journal that does hear: the same order, settled.
            result = await broker.place_order(order_request(account))
            assert result.status == OrderStatus.FILLED and result.reused
            assert (await own.place_order(order_request(account))).reused
        finally:
            elsewhere.stop()
            for made in (broker, deaf, own):
                await made._clients.aclose()


async def test_an_order_the_journal_never_got_is_placed_again_after_a_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journaled, "JOURNAL_WAIT_S", 0.5)
    home, account = tmp_path / "home", f"lost-{uuid.uuid4().hex[:8]}"
    with Supervisor(home, headless=True, with_worker=False) as first:
        broker = BrokerActivities(Settings(mockoon_url=first.info.mockoon_url,
                                           broker_journal_url=first._journal.url))
        try:
            await broker.open_account(OpenAccountRequest(account_id=account, cash=10_000))
            # The runtime's process dies after the broker's answer, before its callback:
            # the journal goes first. The broker fills the order; the journal never hears.
            first._journal.stop()
            with pytest.raises(ApplicationError) as lost:
                await broker.place_order(order_request(account))
            assert lost.value.type == journaled.NOT_JOURNALED
        finally:
            await broker._clients.aclose()
    with Supervisor(home, headless=True, with_worker=False) as second:
        broker = BrokerActivities(Settings(mockoon_url=second.info.mockoon_url,
                                           broker_journal_url=second._journal.url))
        try:
            # The activity's retry: the restored broker has forgotten it, so it is placed
            # anew under the same client_order_id, once, and the books meet again.
            result = await broker.place_order(order_request(account))
            assert result.status == OrderStatus.FILLED and not result.reused
            snapshot = await broker.broker_snapshot(SnapshotRequest(
                account_id=account, client_order_id_prefix=account))
            assert [o.client_order_id for o in snapshot.orders] == [f"{account}-t1-AAPL"]
            assert snapshot.cash == pytest.approx(10_000 - 10 * 12.5)
            assert snapshot.positions == {"AAPL": 10}
        finally:
            await broker._clients.aclose()
