"""A read that has not answered in a moment is asked again; the first answer wins.

Why, for queries: Temporal routes a query of a workflow to the sticky queue of the worker
that holds it in cache. When that worker dies, a query sent before its supervisor resets
the sticky queue (engine/runtime/failover.py does, 50-200 ms after the death here), or
already handed to the dead worker's open poll, waits out the sticky schedule-to-start
timeout (1 s tuned, 5 s by default) before the server tries the shared queue. The window
froze for 1.3-1.4 s after every worker kill. The same query sent again a moment later
finds the sticky queue reset and goes to the standby at once. A query only reads, so
asking twice is harmless; the loser is cancelled.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# How the failover answers a query that reached a dead worker's poll (engine/runtime/
# failover.py): asked again, it goes to a live worker.
ASK_AGAIN = "the worker this query reached had died; ask again"
# The longest wait before asking again: longer than a healthy query takes on this machine
# under load (20-150 ms, with a tick running), far shorter than the sticky timeout it saves.
HEDGE_AFTER_S = 0.25
# The shortest: a query that arrives while the agent's workflow task runs waits for it
# (10-50 ms a tick here), which is no reason to ask twice.
HEDGE_FLOOR_S = 0.1


class HedgeDelay:
    """How long to wait before asking again: three times the median of the recent answers,
    within [HEDGE_FLOOR_S, the ceiling]. A fixed 250 ms made every query after a worker
    kill take 250 ms plus the standby's answer (first answers 290-340 ms at the median on
    a quiet machine, bench/recovery.py), though a healthy answer there takes 5-20 ms. The
    median shrugs off the few slow answers around a kill; under load the wait grows with
    the answers, so a busy runtime is not asked everything twice."""

    def __init__(self, keep: int = 32) -> None:
        self._recent: deque[float] = deque(maxlen=keep)

    def record(self, seconds: float) -> None:
        self._recent.append(seconds)

    def after(self, ceiling: float = HEDGE_AFTER_S) -> float:
        if not self._recent:
            return ceiling
        return min(ceiling, max(HEDGE_FLOOR_S, 3 * statistics.median(self._recent)))


def worker_died(exc: BaseException) -> bool:
    """The failover's answer to a query that reached a dead worker (ASK_AGAIN)."""
    return ASK_AGAIN in str(exc)


async def again_if_worker_died(ask: Callable[[], Awaitable[T]]) -> T:
    """`ask()`, and once more if the failover answered that its worker had died."""
    try:
        return await ask()
    except Exception as exc:
        if not worker_died(exc):
            raise
    return await ask()


async def hedged(ask: Callable[[], Awaitable[T]], after: float | None = HEDGE_AFTER_S) -> T:
    """`ask()` once; if it has not answered after `after` seconds, or said at once that its
    worker had died, once more (never with None). The first answer is returned; an error
    only once both attempts have failed (the first's)."""
    if after is None:
        return await again_if_worker_died(ask)
    first = asyncio.ensure_future(ask())
    done, _ = await asyncio.wait({first}, timeout=after)
    if done:
        error = first.exception()
        if error is None or not worker_died(error):
            return first.result()
    second = asyncio.ensure_future(ask())
    pending = {first, second}
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is None:
                    return task.result()
        return first.result()  # both failed: the first's error, as without a second ask
    finally:
        for task in pending:
            task.cancel()
