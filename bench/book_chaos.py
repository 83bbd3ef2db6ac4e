"""The book-is-always-right check: a long run while the worker, Mockoon and the dev server
are each SIGKILLed at random moments; then the book against the broker's account.

    .venv/bin/python bench/book_chaos.py [--ticks 300] [--kills 6] [--seed 10]

Prints JSON: the kills (which service, at which tick), the run's counters, the book and the
broker (cash and positions), whether they agree to the cent, and any client_order_id the
broker took twice (from a census taken each second: the broker prunes old settled orders).
Exit 0 only when the book equals the broker, no order is there twice and the census missed
none.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

if __package__ in (None, ""):  # run as `python bench/book_chaos.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import add_save_flag, emit
from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig, Phase
from engine.models import RiskLimits
from engine.order_census import OrderCensus
from engine.runtime.supervisor import Supervisor
from engine.workflows.accounts import account_key

SERVICES = ("worker-1", "mockoon", "temporal")
OVER = (Phase.FINISHED, Phase.PAUSED, Phase.STOPPED)


async def _state(harness: HarnessClient, workflow_id: str):
    """The agent's state; None while the dev server is down or restarting."""
    try:
        return await asyncio.wait_for(harness.state(workflow_id), 5)
    except Exception:  # noqa: BLE001 - a server being restarted answers nothing useful
        return None


async def _kill_at_random_ticks(harness: HarnessClient, supervisor: Supervisor,
                                workflow_id: str, rng: random.Random, ticks: int, kills: int):
    """Kill a random service at a random tick of each of `kills` slices of the run; then
    wait for the run to be over. (the kills, the agent's last state)"""
    # Kill moments spread over the run, each at a random tick of its slice.
    slices = [ticks * (i + rng.random()) / (kills + 1) for i in range(1, kills + 1)]
    done, state = [], None
    for at_tick in slices:
        victim = rng.choice(SERVICES)
        while True:
            state = await _state(harness, workflow_id)
            if state is not None and (state.tick >= at_tick or state.phase in OVER):
                break
            await asyncio.sleep(0.1)
        if state.phase in OVER:
            break
        # In a thread: the order census samples on this loop meanwhile.
        await asyncio.to_thread(supervisor.wait_for, lambda i: all(
            s["status"] == "ready" for s in i.services.values()), 60)
        supervisor.kill_service(victim)
        done.append({"service": victim, "tick": state.tick})
    while state is None or state.phase not in OVER:
        await asyncio.sleep(0.2)
        state = await _state(harness, workflow_id)
        if state is not None and not await harness.is_running(workflow_id):
            state = await _state(harness, workflow_id)  # closed: its last word
            break
    return done, state


async def run(ticks: int, kills: int, seed: int) -> dict:
    rng = random.Random(seed)
    home = Path(tempfile.mkdtemp(prefix="harness-book-chaos-"))
    started = time.monotonic()
    with Supervisor(home, headless=True) as supervisor:
        info = supervisor.info
        settings = Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url)
        harness = await HarnessClient.connect(settings)
        config = AgentConfig(symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=ticks,
                             limits=RiskLimits(approval_notional=1e9), reconcile_every=20)
        workflow_id = f"book-chaos-{uuid.uuid4().hex[:6]}"
        # Sampled until the run is over, Mockoon's kills included.
        async with OrderCensus(info.mockoon_url, f"{workflow_id}-") as census:
            await harness.start_agent(config, workflow_id)
            done, state = await _kill_at_random_ticks(harness, supervisor, workflow_id,
                                                      rng, ticks, kills)
        try:
            summary = await harness.result(workflow_id) if state.phase == Phase.FINISHED else None
        except Exception as exc:  # noqa: BLE001 - a failed workflow: report it, do not hide it
            summary, state = None, state.model_copy(update={"pause_reason": f"failed: {exc}"})
        account = f"/v1/trading/accounts/{account_key(workflow_id)}"
        with httpx.Client(base_url=info.mockoon_url, timeout=10) as http:
            broker_cash = float(http.get(f"{account}/account").json()["cash"])
            broker_positions = {p["symbol"]: int(p["qty"])
                                for p in http.get(f"{account}/positions").json()}
        restarts = {n: s["restarts"] for n, s in supervisor.info.services.items()}
    book_positions = {h.symbol: h.quantity for h in state.holdings}
    agrees = (round(state.cash * 100) == round(broker_cash * 100)
              and book_positions == broker_positions)
    return {
        "workflow_id": workflow_id,
        "phase": state.phase.value,
        "pause_reason": state.pause_reason,
        "ticks": state.tick,
        "kills": done,
        "restarts": restarts,
        "orders_at_broker": census.seen,
        "orders_unseen": census.unseen,
        "orders_filled": state.counters.orders_filled,
        "orders_rejected": state.counters.orders_rejected,
        "orders_failed": state.counters.orders_failed,
        "late_fills_adopted": state.counters.late_fills,
        "last_reconciliations": [n.model_dump() for n in state.reconciliations[-2:]],
        "book": {"cash": round(state.cash, 2), "positions": book_positions},
        "broker": {"cash": round(broker_cash, 2), "positions": broker_positions},
        "book_equals_broker_to_the_cent": agrees,
        "book_vs_broker": summary.book_vs_broker if summary else "",
        "client_order_ids_twice": census.twice,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=10)
    add_save_flag(parser)
    args = parser.parse_args()
    report = asyncio.run(run(args.ticks, args.kills, args.seed))
    emit(report, args)
    ok = (report["book_equals_broker_to_the_cent"] and not report["client_order_ids_twice"]
          and not report["orders_unseen"])
    return 0 if ok and report["phase"] == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
