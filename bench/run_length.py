"""What bounding runs by events costs: fast ticks on today's defaults beside runs bounded in
ticks only.

A run ends after `AgentConfig.continue_as_new_every` ticks or once its history has
`continue_as_new_events` events (engine/workflows/run_length.py), which bounds what a worker
taking the agent over replays before it answers the first query after a kill
(bench/recovery.py, `standby_failover` against `standby_failover_tick_bounded_runs`).
Shorter runs cost something: each continue-as-new is a workflow task and a new run that
starts with the agent's carried memory. Here the same agent (two symbols, fast ticks, the
offline analyst) runs on a private runtime with one worker, alternating the two bounds round
by round; per round: ms per tick, history bytes per tick (every run's events, serialized)
and runs. Prints JSON: the medians and the ratios, today's over ticks-only.

    .venv/bin/python bench/run_length.py [--rounds 3] [--ticks 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run_length.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import add_save_flag, emit
from engine.contracts import AgentConfig

SYMBOLS = ["AAPL", "MSFT"]
BOUNDS = {
    "default": {},  # continue_as_new_every and continue_as_new_events as shipped
    "ticks_only": {"continue_as_new_events": 10**9},  # runs as long as before the event budget
}


async def one_agent(client, broker_reset, bound: dict, ticks: int) -> dict[str, float]:
    from engine.models import RiskLimits

    broker_reset()
    config = AgentConfig(symbols=SYMBOLS, start_date="2004-01-02", max_ticks=ticks, seed=3,
                         limits=RiskLimits(approval_notional=1e12, allowed_symbols=SYMBOLS),
                         **bound)
    started = time.monotonic()
    workflow_id = await client.start_agent(config)
    summary = await client.result(workflow_id)
    seconds = time.monotonic() - started
    histories = await client.run_histories(workflow_id)
    size = sum(e.ByteSize() for history in histories for e in history.events)
    return {"ms_per_tick": seconds * 1000 / summary.ticks,
            "history_bytes_per_tick": size / summary.ticks, "runs": len(histories)}


async def bench(rounds: int, ticks: int) -> dict:
    import httpx

    from engine.cli.settings import settings_for
    from engine.client import HarnessClient
    from engine.runtime.supervisor import Supervisor

    rows: dict[str, list[dict[str, float]]] = {name: [] for name in BOUNDS}
    with tempfile.TemporaryDirectory(prefix="harness-run-length-") as home:
        supervisor = Supervisor(Path(home), headless=True, worker_count=1)
        supervisor.start(timeout=120)
        try:
            info = supervisor.info
            client = await HarnessClient.connect(settings_for(info, supervisor.home))

            def broker_reset() -> None:
                httpx.post(f"{info.mockoon_url}/__harness/reset", json={"cash": 1e12},
                           timeout=10).raise_for_status()

            for _ in range(rounds):
                for name, bound in BOUNDS.items():
                    rows[name].append(await one_agent(client, broker_reset, bound, ticks))
        finally:
            supervisor.stop()

    def median(name: str, key: str) -> float:
        return round(statistics.median(r[key] for r in rows[name]), 1)

    defaults = AgentConfig.model_fields
    report: dict = {"ticks": ticks, "rounds": rounds, "symbols": SYMBOLS,
                    "continue_as_new_every": defaults["continue_as_new_every"].default,
                    "continue_as_new_events": defaults["continue_as_new_events"].default}
    for key in ("ms_per_tick", "history_bytes_per_tick", "runs"):
        for name in BOUNDS:
            report[f"{key}_{name}"] = median(name, key)
        report[f"{key}_ratio"] = round(median("default", key) / median("ticks_only", key), 3)
    for name in BOUNDS:
        report[f"rounds_{name}"] = [{k: round(v, 1) for k, v in r.items()} for r in rows[name]]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ticks", type=int, default=200)
    add_save_flag(parser)
    args = parser.parse_args()
    emit(asyncio.run(bench(args.rounds, args.ticks)), args)


if __name__ == "__main__":
    main()
