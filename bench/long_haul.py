"""A week in an hour: one agent through the real runtime for `--ticks` ticks, with a window
that polls it and services killed under it; are the sizes flat, is the book right?

    nice .venv/bin/python bench/long_haul.py [--ticks 50000] [--window 5000] [--seed 17]
        [--worker-kills 20] [--mockoon-kills 2] [--server-kills 1]

The runtime is an in-process Supervisor (dev server, Mockoon, one worker behind the task
proxy); the agent trades two symbols with approvals decided by policy (auto-approve, so
the larger orders go through the approval path). A client polls `state` every 0.5 s and
`decisions` every 1 s, as the window does. Kills land at seeded ticks.

Prints one JSON line per window of `--window` ticks: the largest continue-as-new carry
(the run's input, bytes), the largest reconciliation snapshot (a `broker_snapshot`
result, bytes), the task proxy's tokens, the journal's size on disk, the RSS of the dev
server, the worker and this process (the supervisor and the polling client), the largest
run in events, and ms per tick. Sizes are sampled every `SAMPLE_S` from the live run.
Then a final JSON: duplicates at the broker, book vs broker, flatness (last window over
the second) and the targets of issue 17. Exit 0 only when every target is met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/long_haul.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine  # noqa: F401, I001 - gRPC's fork handlers off before the supervisor forks
import httpx

from bench.long_haul_figures import Window, flatness, sample
from bench.results import add_save_flag, emit
from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig, ApprovalPolicy, Phase
from engine.models import RiskLimits
from engine.order_census import OrderCensus
from engine.runtime.log_trim import DEFAULT_CAP_BYTES
from engine.runtime.supervisor import Supervisor
from engine.workflows.accounts import account_key

SAMPLE_S = 2.0
STATE_EVERY_S, DECISIONS_EVERY_S = 0.5, 1.0
OVER = (Phase.FINISHED, Phase.STOPPED)
TARGETS = {"flatness_max": 1.1, "carry_bytes_max": 256 * 1024,
           "snapshot_bytes_max": 64 * 1024,
           # a live log is trimmed at its cap every LogTrim period: its cap and what that
           # period adds, at most
           "log_growth_between_trims_max": 4 * 1024 * 1024}


def agent_config(ticks: int, **overrides: Any) -> AgentConfig:
    return AgentConfig(
        symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=ticks,
        approval_policy=ApprovalPolicy.AUTO_APPROVE,
        # Room to trade on most ticks: no news term blocks an order, no daily cap.
        limits=RiskLimits(approval_notional=8_000.0, max_daily_notional=1e9,
                          max_position_pct=0.9, restricted_terms=[]),
        **overrides,
    )


def kill_plan(ticks: int, seed: int, kills: dict[str, int]) -> list[tuple[int, str]]:
    """Seeded kill moments, spread over the middle of the run (not the warm-up window)."""
    rng = random.Random(seed)
    victims = [name for name, n in kills.items() for _ in range(n)]
    rng.shuffle(victims)
    low, high = int(ticks * 0.05), int(ticks * 0.95)
    moments = sorted(rng.randint(low, high) for _ in victims)
    return list(zip(moments, victims, strict=True))


class Haul:
    def __init__(self, supervisor: Supervisor, harness: HarnessClient, workflow_id: str,
                 window: int, printer) -> None:
        self.supervisor, self.harness, self.workflow_id = supervisor, harness, workflow_id
        self.window_ticks, self.print = window, printer
        self.state = None
        self.windows: list[dict[str, Any]] = []
        self.current = Window(0, time.monotonic(), 0)
        self.polls = Counter()
        self.kills: list[dict[str, Any]] = []

    @property
    def tick(self) -> int:
        return self.state.tick if self.state is not None else 0

    @property
    def over(self) -> bool:
        return self.state is not None and self.state.phase in OVER

    async def poll_state(self) -> None:
        while not self.over:
            try:
                self.state = await asyncio.wait_for(self.harness.state(self.workflow_id), 5)
                self.polls["state"] += 1
                self._roll_window()
            except Exception:  # noqa: BLE001 - a server being restarted answers nothing
                self.polls["state_failed"] += 1
                if not await self._running():
                    self.state = await self.harness.state(self.workflow_id)
            await asyncio.sleep(STATE_EVERY_S)

    async def poll_decisions(self) -> None:
        while not self.over:
            try:
                await asyncio.wait_for(self.harness.decisions(self.workflow_id, limit=50), 5)
                self.polls["decisions"] += 1
            except Exception:  # noqa: BLE001 - as above
                self.polls["decisions_failed"] += 1
            await asyncio.sleep(DECISIONS_EVERY_S)

    async def sample_sizes(self) -> None:
        while not self.over:
            await sample(self.current, self.harness, self.supervisor, self.workflow_id)
            await asyncio.sleep(SAMPLE_S)

    async def chaos(self, plan: list[tuple[int, str]]) -> None:
        killed: tuple[str, int] | None = None  # the last kill: (service, pid)

        def back(info) -> bool:
            # Every service ready, and the last one killed running again under a new pid:
            # right after a kill the supervisor may not have seen the death yet, and still
            # says "ready" (a restart forked from the zygote is back in about 0.3 s, so the
            # next kill of the plan can come that soon).
            return all(s["status"] == "ready" for s in info.services.values()) and (
                killed is None or info.services[killed[0]]["pid"] != killed[1])

        for at_tick, victim in plan:
            while self.tick < at_tick and not self.over:
                await asyncio.sleep(0.2)
            if self.over:
                return
            ready = await asyncio.to_thread(self.supervisor.wait_for, back, 120)
            pid = self.supervisor.kill_service(victim) if ready else None
            if pid is not None:
                killed = (victim, pid)
            self.kills.append({"service": victim, "tick": self.tick, "killed": pid is not None})

    def _roll_window(self) -> None:
        if self.tick // self.window_ticks <= self.current.index:
            return
        now = time.monotonic()
        closed = self.current.close(now, self.tick)
        self.windows.append(closed)
        self.print(closed)
        self.current = Window(self.tick // self.window_ticks, now, self.tick)

    async def _running(self) -> bool:
        try:
            return await self.harness.is_running(self.workflow_id)
        except Exception:  # noqa: BLE001 - unknown while the server is down: keep polling
            return True


def broker_view(mockoon_url: str, workflow_id: str, census: OrderCensus) -> dict[str, Any]:
    """Cash, positions, and every order the broker took (from the census, sampled all
    along: the broker prunes old settled ones) with the client_order_ids it took twice.
    `orders_unseen`: orders the broker numbered that no sample caught."""
    account = f"/v1/trading/accounts/{account_key(workflow_id)}"
    with httpx.Client(base_url=mockoon_url, timeout=30) as http:
        cash = float(http.get(f"{account}/account").json()["cash"])
        positions = {p["symbol"]: int(p["qty"]) for p in http.get(f"{account}/positions").json()}
        state = http.get("/__harness/state").json()
    return {"cash": round(cash, 2), "positions": positions, "orders": census.seen,
            "orders_held": len([o for o in state["orders"]
                                if o["account_id"] == account_key(workflow_id)]),
            "orders_unseen": census.unseen, "client_order_ids_twice": census.twice}


async def run(ticks: int = 50_000, window: int = 5_000, seed: int = 17,
              kills: dict[str, int] | None = None, printer=None, home: Path | None = None,
              log_cap_bytes: int = DEFAULT_CAP_BYTES, **config_overrides: Any) -> dict[str, Any]:
    kills = kills if kills is not None else {"worker-1": 20, "mockoon": 2, "temporal": 1}
    printer = printer or (lambda line: print(json.dumps(line), flush=True))
    home = home or Path(tempfile.mkdtemp(prefix="harness-long-haul-"))
    started = time.monotonic()
    with Supervisor(home, headless=True, log_cap_bytes=log_cap_bytes) as supervisor:
        info = supervisor.info
        harness = await HarnessClient.connect(
            Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url))
        config = agent_config(ticks, **config_overrides)
        workflow_id = f"long-haul-{uuid.uuid4().hex[:6]}"
        haul = Haul(supervisor, harness, workflow_id, window, printer)
        plan = kill_plan(ticks, seed, kills)
        # Every order the broker numbers, seen while it holds it (engine/order_census.py).
        async with OrderCensus(info.mockoon_url, f"{workflow_id}-") as census:
            await harness.start_agent(config, workflow_id)
            await asyncio.gather(haul.poll_state(), haul.poll_decisions(),
                                 haul.sample_sizes(), haul.chaos(plan))
        state = haul.state
        if haul.current.samples and state.tick > haul.current.first_tick:  # a partial window
            last = haul.current.close(time.monotonic(), state.tick)
            haul.windows.append(last)
            printer(last)
        summary = await harness.result(workflow_id) if state.phase == Phase.FINISHED else None
        broker = broker_view(info.mockoon_url, workflow_id, census)
        restarts = {n: s["restarts"] for n, s in supervisor.info.services.items()}
        handovers = supervisor.failover.handover_count if supervisor.failover else 0
    book = {"cash": round(state.cash, 2), "positions": {h.symbol: h.quantity
                                                        for h in state.holdings}}
    counters = state.counters
    return report(haul.windows, {
        "workflow_id": workflow_id, "home": str(home), "phase": state.phase.value,
        "pause_reason": state.pause_reason, "ticks": state.tick,
        "orders": counters.orders_filled + counters.orders_rejected + counters.orders_failed,
        "orders_filled": counters.orders_filled, "late_fills": counters.late_fills,
        "approvals": counters.approvals, "runs": counters.runs,
        "kills": haul.kills, "restarts": restarts, "failover_handovers": handovers,
        "polls": dict(haul.polls), "book": book, "broker": broker,
        "book_vs_broker": summary.book_vs_broker if summary else "",
        "elapsed_s": round(time.monotonic() - started, 1), "log_cap_bytes": log_cap_bytes,
    })


def report(windows: list[dict[str, Any]], end: dict[str, Any]) -> dict[str, Any]:
    flat = flatness(windows)
    book, broker = end["book"], end["broker"]
    agrees = (round(book["cash"] * 100) == round(broker["cash"] * 100)
              and {s: q for s, q in book["positions"].items() if q}
              == {s: q for s, q in broker["positions"].items() if q})
    sizes = {k: v for k, v in flat.items() if k != "ms_per_tick"}
    biggest = {name: max((w[name] for w in windows), default=0)
               for name in ("max_carry_bytes", "max_snapshot_bytes", "max_proxy_tokens",
                            "max_log_file_bytes", "logs_bytes", "temporal_db_bytes")}
    targets = {
        "sizes_flat": bool(sizes) and all(v is not None and v <= TARGETS["flatness_max"]
                                          for v in sizes.values()),
        "carry_at_most_256_kib": 0 < biggest["max_carry_bytes"] <= TARGETS["carry_bytes_max"],
        "snapshot_at_most_64_kib": biggest["max_snapshot_bytes"] <= TARGETS["snapshot_bytes_max"],
        # One agent: one workflow task in flight at most.
        "proxy_tokens_at_most_in_flight": biggest["max_proxy_tokens"] <= 1,
        "every_log_within_its_cap": biggest["max_log_file_bytes"]
        <= end["log_cap_bytes"] + TARGETS["log_growth_between_trims_max"],
        "no_duplicate_client_order_ids": not broker["client_order_ids_twice"]
        and not broker.get("orders_unseen"),
        "book_equals_broker_to_the_cent": agrees,
        "finished": end["phase"] == Phase.FINISHED.value,
    }
    return {**end, "windows": len(windows), "largest": biggest, "flatness": flat,
            "targets": targets, "all_targets_met": all(targets.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=50_000)
    parser.add_argument("--window", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--worker-kills", type=int, default=20)
    parser.add_argument("--mockoon-kills", type=int, default=2)
    parser.add_argument("--server-kills", type=int, default=1)
    add_save_flag(parser)
    args = parser.parse_args()
    kills = {"worker-1": args.worker_kills, "mockoon": args.mockoon_kills,
             "temporal": args.server_kills}
    final = asyncio.run(run(args.ticks, args.window, args.seed, kills))
    emit(final, args, indent=None)  # one line, as the windows' lines before it
    return 0 if final["all_targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
