"""The worker side of "crash during the next ...": an activity interceptor that SIGKILLs
its own process at the start of the next activity of a type the app armed (see
engine/chaos.py for the marker files)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from engine.chaos import crash_record_path, marker_path
from engine.runtime.home import HOME_ENV


class _CrashOnMarker(ActivityInboundInterceptor):
    def __init__(self, next_: ActivityInboundInterceptor, home: Path) -> None:
        super().__init__(next_)
        self._home = home

    async def execute_activity(self, input: ExecuteActivityInput):
        marker = marker_path(self._home, activity.info().activity_type)
        if marker.exists():
            try:
                marker.unlink()
            except FileNotFoundError:
                pass  # another worker took this crash
            else:
                # When it died, for whoever measures the recovery (harness chaos).
                crash_record_path(self._home, activity.info().activity_type).write_text(
                    repr(time.time()))
                os.kill(os.getpid(), signal.SIGKILL)
        return await super().execute_activity(input)


class CrashHook(Interceptor):
    def __init__(self, home: Path) -> None:
        self._home = home

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _CrashOnMarker(next, self._home)


def worker_interceptors() -> list[Interceptor]:
    """The crash hook for a worker of a harness home (none outside one)."""
    home = os.environ.get(HOME_ENV)
    return [CrashHook(Path(home))] if home else []
