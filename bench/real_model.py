"""The agent on a REAL model: llama-server + SmolLM2-135M-Instruct (tests/support/llama_server.py).

Starts a headless runtime (dev server + Mockoon, no worker) and the model server, runs one agent
for --ticks ticks with an in-process worker, then prints one JSON object read off its histories
and its journal: seconds per model call (median, max), model calls and tokens per tick, ticks
per minute, history bytes per tick and per run, and the share of a tick that is not the model
call (an upper bound of the durable overhead: it includes the market reads and the broker).
Side by side, the same ticks on the offline analyst give the baseline tick without a model.

    python bench/real_model.py [--ticks 10] [--symbols AAPL]

Needs the server built (`python -m tests.support.llama_server`, about 13 min once).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/real_model.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine  # noqa: F401, I001 - first: gRPC fork handlers (engine/__init__.py)
from bench.history_stats import real_model_figures
from bench.results import add_save_flag, emit
from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig
from engine.plugin import agents_plugin
from engine.runtime.supervisor import Supervisor
from engine.temporal_connect import connect
from engine.worker import build_worker
from tests.support.llama_server import MODEL, LlamaServer, model_path, server_binary

TIMEOUT_S = 180.0
MAX_TOKENS = 128  # as tests/models: a TradeIntent needs ~80


async def run_agent(harness: HarnessClient, config: AgentConfig) -> tuple[str, float]:
    workflow_id = f"bench-real-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    await harness.start_agent(config, workflow_id)
    await harness.result(workflow_id)
    return workflow_id, time.perf_counter() - started


async def figures(harness: HarnessClient, workflow_id: str, ticks: int) -> dict[str, Any]:
    runs = [list(h.events) for h in await harness.run_histories(workflow_id)]
    out = real_model_figures(runs, ticks)
    decisions = (await harness.decisions(workflow_id, limit=500)).decisions
    usage = [d.usage for d in decisions if d.usage is not None]
    if usage:
        out["tokens_per_tick_median"] = statistics.median(u.tokens for u in usage)
        out["input_tokens_per_tick_median"] = statistics.median(u.input_tokens for u in usage)
        out["output_tokens_per_tick_median"] = statistics.median(u.output_tokens for u in usage)
    out["model_errors"] = sum(1 for d in decisions if d.model_error)
    out["model_error_kinds"] = sorted({d.model_error.split(":")[0] + ": " + d.model_error.split(
        ":")[1].strip()[:40] for d in decisions if d.model_error})
    return out


async def bench(ticks: int, symbols: list[str]) -> dict[str, Any]:
    binary = server_binary(build_if_missing=False)
    if binary is None:
        raise SystemExit("llama-server is not built: python -m tests.support.llama_server")
    home = Path(tempfile.mkdtemp(prefix="bench-real-"))
    supervisor = Supervisor(home, headless=True, with_worker=False)
    supervisor.start(timeout=120)
    llama = LlamaServer(binary, model_path(), home / "llama-server.log")
    try:
        info = supervisor.info
        settings = Settings(temporal_address=info.temporal_address,
                            mockoon_url=info.mockoon_url,
                            task_queue=f"bench-real-{uuid.uuid4().hex[:6]}",
                            model_timeout_s=TIMEOUT_S)
        provider = HarnessModelProvider(base_url=llama.base_url, timeout_s=TIMEOUT_S)
        client = await connect(settings, plugins=[agents_plugin(
            provider, timeout=timedelta(seconds=TIMEOUT_S))], timeout=30)
        harness = HarnessClient(client, settings)
        base = {"symbols": symbols, "max_ticks": ticks, "start_date": "2004-01-02",
                "approval_policy": "auto-approve"}
        async with build_worker(client, settings):
            offline_id, offline_s = await run_agent(harness, AgentConfig(**base))
            real_id, real_s = await run_agent(harness, AgentConfig(
                **base, model=MODEL, model_max_tokens=MAX_TOKENS))
            real = await figures(harness, real_id, ticks)
            offline = await figures(harness, offline_id, ticks)
        return {
            "ticks": ticks, "symbols": symbols, "model": "SmolLM2-135M-Instruct Q4_1 "
            "(llama-server, CPU, 2 threads)", "load_average": os.getloadavg()[0],
            "real": {**real, "wall_s": round(real_s, 2)},
            "offline": {"wall_s": round(offline_s, 2),
                        "ticks_per_minute": offline["ticks_per_minute"],
                        "history_bytes_per_tick": offline["history_bytes_per_tick"]},
            # The whole tick minus the model call, on the real run, against the offline tick.
            "offline_tick_s": round(offline_s / ticks, 3),
            "real_tick_s": round(real_s / ticks, 3),
            "offline_tick_share_of_real_tick": round(offline_s / real_s, 4),
        }
    finally:
        llama.stop()
        supervisor.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=10)
    parser.add_argument("--symbols", default="AAPL")
    add_save_flag(parser)
    args = parser.parse_args()
    emit(asyncio.run(bench(args.ticks, args.symbols.split(","))), args)


if __name__ == "__main__":
    main()
