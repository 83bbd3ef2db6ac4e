"""Shared plumbing for the agent commands: the runtime, the settings, the client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from engine.cli.settings import settings_for
from engine.client import HarnessClient
from engine.runtime.errors import RuntimeNotRunning
from engine.runtime.home import resolve_home
from engine.runtime.state import attach


@contextlib.asynccontextmanager
async def agent_session(home_arg: str | None, *, start: bool,
                        read_only: bool = False) -> AsyncIterator[HarnessClient]:
    """A connected client; with `start`, a runtime is started (and later stopped) if none runs.
    `read_only`: a command that only queries and reads histories connects without the
    Agents SDK's plugin (engine/read_converter.py), a second sooner."""
    home = resolve_home(home_arg)
    supervisor = None
    if start:
        from engine.runtime.ensure import ensure_runtime  # the supervisor: only to start one

        info, supervisor = ensure_runtime(home)
    else:
        info = attach(home)
        if info is None:
            raise RuntimeNotRunning(f"no runtime is running in {home}: start one with `harness up`")
    try:
        yield await HarnessClient.connect(settings_for(info, home), read_only=read_only)
    finally:
        if supervisor is not None:
            supervisor.stop()
