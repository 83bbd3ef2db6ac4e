"""Attach to the runtime running in a home, or start one owned by the caller."""

from __future__ import annotations

import time
from pathlib import Path

from engine.runtime.home import resolve_home
from engine.runtime.lock import RuntimeAlreadyRunning
from engine.runtime.state import RuntimeInfo, attach
from engine.runtime.supervisor import Supervisor


def ensure_runtime(home: Path | str | None = None, timeout: float = 60.0,
                   **options: object) -> tuple[RuntimeInfo, Supervisor | None]:
    """Attach to the runtime running in `home`, or start one owned by the caller.

    Returns (info, None) when attached (someone else stops it), or (info, supervisor)
    when started here (the caller must `stop()` it).
    """
    home = resolve_home(home)
    deadline = time.monotonic() + timeout
    while True:
        info = attach(home)
        if info is not None:
            return info, None
        supervisor = Supervisor(home, **options)
        try:
            return supervisor.start(timeout=max(1.0, deadline - time.monotonic())), supervisor
        except RuntimeAlreadyRunning:
            # Another supervisor owns the home but is not healthy yet (still starting):
            # give it time, then attach.
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)
