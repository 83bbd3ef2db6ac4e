"""A chaos experiment: run the agent with and without kills and compare.

The same config runs twice on one runtime: once undisturbed (the reference), once
while a target is SIGKILLed K times at seeded random moments. Then: how long each kill
took to recover (kill to the next event a live worker wrote into the history), whether
the broker holds any order twice, whether ticks were lost, and whether the journal and
the book equal the reference's. `harness chaos` prints it; bench/recovery.py repeats it
per runtime configuration.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio.api.enums.v1 import EventType

from engine.client import HarnessClient
from engine.contracts import AgentConfig, AgentSummary, Decision, Phase
from engine.order_census import OrderCensus
from engine.replay import verify

log = logging.getLogger(__name__)

# Events only a live worker (or the server acting on a live worker's answer) writes.
PROGRESS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
}
KILL_TARGETS = ("worker", "server")
FIRST_KILL_TICK = 2  # the agent trades by then: its calendar is loaded, its account open
# No new tick for this long means the experiment is stuck, not slow: it ends with the
# reason instead of running into whatever timeout its caller (CI) has.
STALL_S = 150.0


class ChaosStalled(RuntimeError):
    """The agent stopped making progress during the experiment."""


@dataclass
class ChaosReport:
    kills: int
    recoveries_ms: list[float]
    duplicate_orders: int
    lost_ticks: int
    final_state_equal: bool
    diff: list[str] = field(default_factory=list)
    # What a worker taking the agent over pays per tick of the run it replays.
    replay_ms_per_tick: float | None = None
    # What a user sees, per kill, from a client that polls as the window does: the kill to
    # the first `state` answered, and to the first answer showing a later tick (None: the
    # tick did not move within OBSERVE_S; the agent may have finished).
    first_query_ms: list[float] = field(default_factory=list)
    tick_seen_moving_ms: list[float | None] = field(default_factory=list)
    # Orders the broker numbered during the run that no sample of the census caught: while
    # 0, `duplicate_orders` is exact (engine/order_census.py).
    orders_unseen: int = 0

    def to_json(self) -> dict:
        ms = sorted(self.recoveries_ms)
        return {
            "kills": self.kills,
            "recoveries_ms": [round(r, 1) for r in self.recoveries_ms],
            "median_ms": _median(ms),
            "p95_ms": _p95(ms),
            "first_query_ms": [round(r, 1) for r in self.first_query_ms],
            "first_query_median_ms": _median(self.first_query_ms),
            "first_query_p95_ms": _p95(self.first_query_ms),
            "tick_seen_moving_ms": [r if r is None else round(r, 1)
                                    for r in self.tick_seen_moving_ms],
            "tick_seen_moving_median_ms": _median(
                [r for r in self.tick_seen_moving_ms if r is not None]),
            "tick_seen_moving_p95_ms": _p95(
                [r for r in self.tick_seen_moving_ms if r is not None]),
            "duplicate_orders": self.duplicate_orders,
            "orders_unseen": self.orders_unseen,
            "lost_ticks": self.lost_ticks,
            "final_state_equal": self.final_state_equal,
            "diff": self.diff[:10],
            "replay_ms_per_tick": self.replay_ms_per_tick,
        }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _p95(values: list[float]) -> float | None:
    ms = sorted(values)
    return round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1) if ms else None


MAX_KILL_DELAY_S = 0.5  # a fast tick takes 50-100 ms: any moment of a few ticks


def kill_delays(kills: int, seed: int) -> list[float]:
    """Seeded waits before each kill, counted from when the agent runs (again): moments
    of wall time, not ticks, because a query for the tick answers late when the worker
    is busy, and a fast agent runs past the tick meanwhile."""
    rng = random.Random(seed)
    return [round(rng.uniform(0.0, MAX_KILL_DELAY_S), 3) for _ in range(kills)]


async def run_chaos(
    harness: HarnessClient,
    config: AgentConfig,
    *,
    kills: int,
    seed: int,
    kill: Callable[[], float | None],
    reset_broker: Callable[[], None] | None = None,
    on_kill: Callable[[int, float], None] | None = None,  # (kill number, when)
    settle: Callable[[], object] | None = None,
    pause_while_settling: bool = True,
    observer: HarnessClient | None = None,
) -> ChaosReport:
    """`kill()` kills the target once and returns the moment it died (epoch seconds), or
    None when it could not;
    `settle()` blocks until the runtime is whole again (the killed process replaced; a
    coroutine function is awaited). Without `pause_while_settling` the agent is not
    paused meanwhile (the app target: nothing can run until the next app is up).
    `observer`: a client of its own that polls `state` around each kill, as the window
    does, for what a user sees (engine/chaos_observe.py)."""
    ticks = config.max_ticks or 0
    if reset_broker:
        reset_broker()
    reference_id = await harness.start_agent(config, f"chaos-ref-{uuid.uuid4().hex[:8]}")
    reference = await _result(harness, reference_id, "the reference run")

    if reset_broker:
        reset_broker()
    run_id = f"chaos-run-{uuid.uuid4().hex[:8]}"
    # The broker is asked where it is at each sample: an app relaunched listens elsewhere.
    async with OrderCensus(lambda: harness.settings.broker_base, f"{run_id}-") as census:
        workflow_id = await harness.start_agent(config, run_id)
        killed_at, seen = await _kill_during(
            harness, workflow_id, kill, settle, kills=kills, seed=seed, on_kill=on_kill,
            pause_while_settling=pause_while_settling, observer=observer)
        summary = await _result(harness, workflow_id, f"the run after {len(killed_at)} kills")

    recoveries = await _recoveries(harness, workflow_id, killed_at)
    replay_ms = await _replay_ms(harness, reference_id, ticks)
    ours, theirs = await _journal(harness, workflow_id), await _journal(harness, reference_id)
    diff = _diff(ours, theirs) + _diff_summary(summary, reference)
    return ChaosReport(
        kills=len(recoveries),
        recoveries_ms=recoveries,
        duplicate_orders=census.duplicates,
        orders_unseen=census.unseen,
        lost_ticks=max(0, ticks - summary.ticks),
        final_state_equal=not diff,
        diff=diff,
        replay_ms_per_tick=replay_ms,
        first_query_ms=[s.first_query_ms for s in seen],
        tick_seen_moving_ms=[s.tick_moving_ms for s in seen],
    )


async def _kill_during(harness: HarnessClient, workflow_id: str, kill, settle, *, kills: int,
                       seed: int, on_kill, pause_while_settling: bool,
                       observer: HarnessClient | None) -> tuple[list[float], list]:
    """Kill the target `kills` times at seeded moments of the run; (the moments it died,
    what the observer saw of each)."""
    from engine.chaos_observe import observe_kill
    killed_at: list[float] = []
    observed: list[asyncio.Task] = []
    await _watched(harness, workflow_id, "the run before its first kill",
                   _wait_for_tick(harness, workflow_id, FIRST_KILL_TICK))
    for delay in kill_delays(kills, seed):
        await asyncio.sleep(delay)
        if not await harness.is_running(workflow_id):
            break  # finished first: a kill now would measure nothing
        tick_before = (await observer.state(workflow_id)).tick if observer else 0
        died_at = kill()
        if died_at is None:
            continue
        killed_at.append(died_at)
        if observer is not None:
            observed.append(asyncio.create_task(
                observe_kill(observer, workflow_id, died_at, tick_before)))
        if on_kill:
            on_kill(len(killed_at), killed_at[-1])
        if observed and settle and pause_while_settling:
            # The pause below would stop the tick the observer waits to see move.
            await asyncio.wait({observed[-1]})
        if settle and pause_while_settling:
            await _pause_while(harness, workflow_id, settle)
        elif settle:
            await _settled(settle)
    return killed_at, list(await asyncio.gather(*observed))


async def _settled(settle: Callable[[], object]) -> None:
    if inspect.iscoroutinefunction(settle):
        await settle()
    else:
        await asyncio.to_thread(settle)


async def _pause_while(harness: HarnessClient, workflow_id: str,
                       settle: Callable[[], object]) -> None:
    """The agent waits (at its next tick boundary) while the killed process is replaced.
    In fast mode it would otherwise finish its ticks while the replacement starts up (a
    couple of seconds of imports), and the later kills would find nothing to kill, or no
    standby to take over. Only the wall clock pauses: the market clock, and so every
    decision, is the same as without the pause."""
    pause = asyncio.create_task(harness.pause(workflow_id))  # answered once recovered
    await _settled(settle)
    try:
        await _watched(harness, workflow_id, "the pause while the target restarted", pause)
        await harness.resume(workflow_id)
    except ChaosStalled:
        raise
    except Exception as exc:  # noqa: BLE001 - the agent may have finished meanwhile
        log.info("chaos: the agent was not paused while the target restarted: %s", exc)


async def _result(harness: HarnessClient, workflow_id: str, what: str) -> AgentSummary:
    return await _watched(harness, workflow_id, what, harness.result(workflow_id))


async def _watched(harness: HarnessClient, workflow_id: str, what: str, waiting):
    """Await `waiting` while the agent makes progress; ChaosStalled once its tick has not
    moved for STALL_S (a query that fails, with no worker to answer it, is no progress)."""
    task = asyncio.ensure_future(waiting)
    last_tick, moved_at = None, time.monotonic()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=5.0)
            if done:
                return task.result()
            try:
                tick = (await harness.state(workflow_id)).tick
            except Exception:  # noqa: BLE001 - no worker to answer right now
                tick = last_tick
            if tick != last_tick:
                last_tick, moved_at = tick, time.monotonic()
            elif time.monotonic() - moved_at > STALL_S:
                raise ChaosStalled(f"{what} ({workflow_id}) made no progress for "
                                   f"{STALL_S:.0f} s; last tick seen: {last_tick}")
    finally:
        task.cancel()


async def _wait_for_tick(harness: HarnessClient, workflow_id: str, tick: int) -> bool:
    """Until the agent has reached `tick` (queries fail while no worker runs: go on
    asking); False if it finished before."""
    while True:
        try:
            state = await harness.state(workflow_id)
            if state.phase in (Phase.FINISHED, Phase.STOPPED):
                return False
            if state.tick >= tick:
                return True
        except Exception:  # noqa: BLE001 - no worker to answer the query right now
            pass
        await asyncio.sleep(0.02)


async def _recoveries(harness: HarnessClient, workflow_id: str, kills: list[float]) -> list[float]:
    """Per kill: ms from the kill to the first progress event written after it. A kill
    with none after it landed as the agent finished (it was running an instant before)
    and measured nothing: it is left out."""
    times = sorted(
        e.event_time.ToDatetime().timestamp()
        for history in await harness.run_histories(workflow_id)
        for e in history.events if e.event_type in PROGRESS
    )
    after = (next((t for t in times if t > kill), None) for kill in kills)
    return [(t - kill) * 1000 for t, kill in zip(after, kills, strict=True) if t is not None]


async def _replay_ms(harness: HarnessClient, workflow_id: str, ticks: int) -> float | None:
    """Replaying every run of the (undisturbed) reference here, per tick, in ms."""
    histories = await harness.run_histories(workflow_id)
    started = time.perf_counter()
    outcomes = await verify(histories)
    if not ticks or not all(o.ok for o in outcomes):
        return None
    return round((time.perf_counter() - started) * 1000 / ticks, 2)


async def _journal(harness: HarnessClient, workflow_id: str) -> list[tuple]:
    page = await harness.decisions(workflow_id, limit=500)
    return [_decision_key(d) for d in reversed(page.decisions)]


def _decision_key(d: Decision) -> tuple:
    order = d.order and (d.order.status.value, d.order.filled_quantity, d.order.filled_price)
    return (d.tick, d.date, d.intent.side.value, d.intent.symbol, d.intent.quantity,
            d.check.verdict.value, d.approval and d.approval.value, order)


def _diff(ours: list[tuple], theirs: list[tuple]) -> list[str]:
    lines = [f"tick {a[0]}: {a} != {b}" for a, b in zip(ours, theirs, strict=False) if a != b]
    if len(ours) != len(theirs):
        lines.append(f"{len(ours)} decisions kept, the reference kept {len(theirs)}")
    return lines


def _diff_summary(ours: AgentSummary, theirs: AgentSummary) -> list[str]:
    fields = ("ticks", "cash", "equity", "realized_pnl", "positions", "orders")
    return [f"{f}: {getattr(ours, f)} != {getattr(theirs, f)}" for f in fields
            if getattr(ours, f) != getattr(theirs, f)]


