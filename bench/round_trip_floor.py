"""The floor under any durable tick: no-op steps on the same dev server, nothing else.

A tick is durable because its steps go through the server: every regular activity (a model
call, an order) costs a workflow-task completion, the activity's completion and a new
workflow task; every local activity (a batch of tool reads) costs a trip through the
worker's core and is saved when its workflow task completes. `round_trip_ms` measures those
trips with no work in them: a workflow on its own in-process worker that runs `rounds`
no-op activities one after another, each after a no-op local activity when `with_local`.

The worker connects to the server directly (not through the supervisor's task proxy) and
does nothing else, so what it measures is a lower bound for the agent's worker, whose
steps carry real payloads and run the Agents SDK in the same workflow tasks.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from engine.config import Settings
from engine.temporal_connect import connect

STEP_TIMEOUT = timedelta(seconds=10)


@activity.defn(name="floor_noop")
async def noop(step: int) -> int:
    return step


@workflow.defn(name="RoundTripFloor")
class RoundTripFloor:
    @workflow.run
    async def run(self, rounds: int, with_local: bool) -> int:
        for step in range(rounds):
            if with_local:
                await workflow.execute_local_activity(noop, step,
                                                      start_to_close_timeout=STEP_TIMEOUT)
            await workflow.execute_activity(noop, step, start_to_close_timeout=STEP_TIMEOUT)
        return rounds


async def round_trip_ms(settings: Settings, *, rounds: int = 100, with_local: bool = False,
                        warmup: int = 5) -> float:
    """Mean ms per round of `RoundTripFloor` on the settings' server (the workflow's start
    and end are measured with no rounds and taken off; each the least of three runs)."""
    client = await connect(settings)
    task_queue = f"bench-floor-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=task_queue, workflows=[RoundTripFloor],
                      activities=[noop], workflow_runner=UnsandboxedWorkflowRunner()):
        async def run(n: int) -> float:
            t0 = time.perf_counter()
            await client.execute_workflow(RoundTripFloor.run, args=[n, with_local],
                                          id=f"{task_queue}-{uuid.uuid4().hex[:8]}",
                                          task_queue=task_queue)
            return time.perf_counter() - t0

        await run(warmup)
        # The least of three of each: one slow start or end on a shared machine would
        # otherwise swamp a few rounds (and could even make the difference negative).
        full = min([await run(rounds) for _ in range(3)])
        empty = min([await run(0) for _ in range(3)])
        return (full - empty) * 1000 / rounds


async def floor_figures(settings: Settings, rounds: int, plain: dict[str, Any],
                        durable: dict[str, Any], ticks: int) -> dict[str, float]:
    """The least any durable tick with this one's steps could cost on this server, just
    after this pair of bench/tick.py's legs ran: each activity one no-op round trip,
    each local activity what a no-op one adds to it. `ratio_floor` puts that on top of
    this pair's plain leg: the best ratio a worker with no cost of its own could reach."""
    activity_ms = await round_trip_ms(settings, rounds=rounds)
    with_local_ms = await round_trip_ms(settings, rounds=rounds, with_local=True)
    per_tick = (durable["activities_per_tick"] * activity_ms
                + durable["local_activity_steps_per_tick"] * max(with_local_ms - activity_ms, 0))
    plain_ms = plain["seconds"] * 1000 / ticks
    return {"activity_round_ms": activity_ms, "local_then_activity_round_ms": with_local_ms,
            "floor_ms_per_tick": per_tick, "ratio_floor": (plain_ms + per_tick) / plain_ms}


def summarize_floors(floors: list[dict[str, float]]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        key: round(statistics.median(f[key] for f in floors), 3 if key == "ratio_floor" else 2)
        for key in floors[0]
    }
    summary["ratio_floor_per_round"] = [round(f["ratio_floor"], 3) for f in floors]
    summary["note"] = ("no-op steps on their own in-process worker, connected to the server "
                       "directly: a lower bound for the agent's worker")
    return summary
