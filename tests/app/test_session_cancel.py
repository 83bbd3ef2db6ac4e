"""Closing the window (or switching agents) cancels the session's poll at any moment. A
cancel that lands after the poll has scheduled its queries but before they ran must leave
no query coroutine unstarted: Python warns about each one ("coroutine ... was never
awaited") on stderr, and the bundle's smoke test refuses unexpected stderr (it failed so)."""

from __future__ import annotations

import asyncio
import warnings
from types import SimpleNamespace

from temporalio.client import Client

from app.session import AgentSession
from engine.client import HarnessClient
from engine.config import Settings


async def test_a_poll_cancelled_before_its_queries_start_leaves_none_unawaited():
    # A real client, connected lazily: the queries are never sent, here or after the fix.
    temporal = await Client.connect("127.0.0.1:1", lazy=True)
    controller = SimpleNamespace(client=HarnessClient(temporal, Settings()))
    session = AgentSession(controller, "agent-x")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        poll = asyncio.ensure_future(session._read_state(0, 0))  # beat 0: state and work
        await asyncio.sleep(0)  # its first step ran: the queries are scheduled, not started
        poll.cancel()
        await asyncio.gather(poll, return_exceptions=True)
        await asyncio.sleep(0)
        del poll
    unawaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert unawaited == [], unawaited
