"""What a user sees after a kill: a client that polls the agent's `state`, as the window
does, from the moment the target died to its first answer and to the first answer that
shows the tick moving. The history-side figure (engine/chaos_run.py, kill to the next
event a live worker wrote) says when the agent resumed; this says when anyone could see it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from engine.client import HarnessClient

POLL_S = 0.05  # the window polls every 0.5 s: ten times finer, to time the first answer
OBSERVE_S = 15.0  # no later tick within this long: None (the agent finished, or paused)


@dataclass(frozen=True)
class Seen:
    first_query_ms: float
    tick_moving_ms: float | None


async def observe_kill(client: HarnessClient, workflow_id: str, died_at: float,
                       tick_before: int) -> Seen:
    """`died_at`: the kill's moment (epoch seconds); `tick_before`: the tick a query showed
    just before it."""
    first: float | None = None
    deadline = died_at + OBSERVE_S
    while time.time() < deadline:
        try:
            view = await client.state(workflow_id)
        except Exception:  # noqa: BLE001 - no worker answers yet: ask again
            await asyncio.sleep(POLL_S)
            continue
        now_ms = (time.time() - died_at) * 1000
        first = now_ms if first is None else first
        if view.tick > tick_before:
            return Seen(first, now_ms)
        await asyncio.sleep(POLL_S)
    return Seen(first if first is not None else OBSERVE_S * 1000, None)
