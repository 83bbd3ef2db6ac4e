"""What a shorter agent run costs: fast ticks with the default run length beside a shorter one.

The run length (`AgentConfig.continue_as_new_every`) bounds what a standby replays after a
worker dies, so a shorter run answers the first query after a kill sooner
(bench/recovery.py --continue-as-new-every N). Each continue-as-new is a workflow task and a
new run that starts with the agent's carried memory. Here the same agent (two symbols, fast
ticks, the offline analyst) runs on a private runtime with one worker, alternating the two
run lengths round by round; per round: ms per tick and history bytes per tick (every run's
events, serialized). Prints JSON: the medians and the ratios, shorter over default.

    .venv/bin/python bench/run_length.py [--rounds 3] [--ticks 200] [--short 10]
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


async def one_agent(client, broker_reset, run_length: int, ticks: int) -> dict[str, float]:
    from engine.models import RiskLimits

    broker_reset()
    config = AgentConfig(symbols=SYMBOLS, start_date="2004-01-02", max_ticks=ticks, seed=3,
                         continue_as_new_every=run_length,
                         limits=RiskLimits(approval_notional=1e12, allowed_symbols=SYMBOLS))
    started = time.monotonic()
    workflow_id = await client.start_agent(config)
    summary = await client.result(workflow_id)
    seconds = time.monotonic() - started
    histories = await client.run_histories(workflow_id)
    size = sum(e.ByteSize() for history in histories for e in history.events)
    return {"ms_per_tick": seconds * 1000 / summary.ticks,
            "history_bytes_per_tick": size / summary.ticks, "runs": len(histories)}


async def bench(rounds: int, ticks: int, short: int) -> dict:
    import httpx

    from engine.cli.settings import settings_for
    from engine.client import HarnessClient
    from engine.runtime.supervisor import Supervisor

    default = AgentConfig.model_fields["continue_as_new_every"].default
    rows: dict[int, list[dict[str, float]]] = {default: [], short: []}
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
                for run_length in (default, short):
                    rows[run_length].append(await one_agent(client, broker_reset, run_length,
                                                            ticks))
        finally:
            supervisor.stop()

    def median(run_length: int, key: str) -> float:
        return round(statistics.median(r[key] for r in rows[run_length]), 1)

    return {
        "ticks": ticks, "rounds": rounds, "symbols": SYMBOLS,
        "default_run_length": default, "short_run_length": short,
        "ms_per_tick_default": median(default, "ms_per_tick"),
        "ms_per_tick_short": median(short, "ms_per_tick"),
        "ms_per_tick_ratio": round(median(short, "ms_per_tick")
                                   / median(default, "ms_per_tick"), 3),
        "history_bytes_per_tick_default": median(default, "history_bytes_per_tick"),
        "history_bytes_per_tick_short": median(short, "history_bytes_per_tick"),
        "history_bytes_ratio": round(median(short, "history_bytes_per_tick")
                                     / median(default, "history_bytes_per_tick"), 3),
        "rounds_default": [{k: round(v, 1) for k, v in r.items()} for r in rows[default]],
        "rounds_short": [{k: round(v, 1) for k, v in r.items()} for r in rows[short]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--short", type=int, default=10, help="the shorter run length")
    add_save_flag(parser)
    args = parser.parse_args()
    emit(asyncio.run(bench(args.rounds, args.ticks, args.short)), args)


if __name__ == "__main__":
    main()
