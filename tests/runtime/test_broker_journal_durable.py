"""The broker journal is durable and refuses to replay a gap (issue 17, defect 9), on the
real path: an in-process Supervisor, its journal sink, a real Mockoon placing orders.

Durability cannot be proven by pulling the plug here, so the first test watches the
fsyncs this process makes (os.fsync wrapped, still called): the entry's file before the
sink says "journaled", and the compacted file and its folder before the restore is done.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from engine.runtime import broker_journal
from engine.runtime.supervisor import Supervisor
from tests.mockoon.test_broker import order
from tests.runtime.helpers import wait_until

AGENT = "/v1/trading/accounts/agent-j"


@pytest.fixture
def fsynced(monkeypatch) -> list[str]:
    """The paths this process fsyncs, in order (the real fsync still runs)."""
    paths: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return paths


def test_an_entry_is_on_disk_before_it_is_journaled(tmp_path: Path, fsynced) -> None:
    journal = broker_journal.journal_path(tmp_path)
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        url = supervisor.info.mockoon_url
        with httpx.Client(base_url=url, timeout=10) as api:
            api.post("/v1/accounts", json={"id": "agent-j", "cash": 5000}).raise_for_status()
            api.post(f"{AGENT}/orders", json=order("j1", qty=3, limit_price=10)
                     ).raise_for_status()
        sink = supervisor._journal  # noqa: SLF001 - what the workers ask
        assert sink.lookup("/journal/orders/j1?wait=10") is not None
        assert str(journal) in fsynced, fsynced  # before: nothing was ever fsynced
        assert str(journal.parent) in fsynced  # the new file's name too
        fsynced.clear()
        supervisor.kill_service("mockoon")  # the restore compacts the journal
        assert supervisor.wait_for(lambda i: i.services["mockoon"]["restarts"] == 1
                                   and i.services["mockoon"]["status"] == "ready", 30)
    compacted = str(journal.with_suffix(".tmp"))
    assert compacted in fsynced and str(journal.parent) in fsynced, fsynced
    assert fsynced.index(compacted) < fsynced.index(str(journal.parent))


def test_a_gap_in_the_change_sequence_keeps_the_broker_closed(tmp_path: Path) -> None:
    """One journal entry lost (the fault): the broker must not open without that change
    while later entries (the account's cash) count it. Before the first fix it opened, and
    order j3's id answered order j4 (orders were addressed by index; now by id)."""
    journal = broker_journal.journal_path(tmp_path)
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        url = supervisor.info.mockoon_url
        with httpx.Client(base_url=url, timeout=10) as api:
            api.post("/v1/accounts", json={"id": "agent-j", "cash": 5000}).raise_for_status()
            placed = [api.post(f"{AGENT}/orders", json=order(f"j{n}", qty=n, limit_price=10)
                               ).json() for n in range(1, 5)]
        wait_until(lambda: supervisor._journal.lookup("/journal/orders/j4")  # noqa: SLF001
                   is not None, 10, "order j4 journaled")
        lines = journal.read_text().splitlines()
        lost = [line for line in lines if '"client_order_id":"j2"' in line]
        journal.write_text("".join(line + "\n" for line in lines if line not in lost))
        supervisor.kill_service("mockoon")
        error = supervisor.wait_for(
            lambda i: "lacks change(s)" in i.services["mockoon"].get("error", ""), 30)
        assert error, supervisor.info.services["mockoon"]
        assert supervisor.info.services["mockoon"]["status"] != "ready"
        with httpx.Client(base_url=url, timeout=10) as api:
            third = api.get(f"{AGENT}/orders/{placed[2]['id']}")
            assert third.status_code == 503, third.text  # closed, never the wrong order
        assert journal.read_text().splitlines() == [
            line for line in lines if line not in lost], "the journal is left as it was"
