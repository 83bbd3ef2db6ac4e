"""Live progress of a model call, as heartbeat details of the model activity.

The plugin's model activity heartbeats with no details (its `auto_heartbeater`). This worker
interceptor fills each such heartbeat of `invoke_model_activity` with the call's progress:
elapsed seconds, the attempt, the phase ("probing", "calling") and the output tokens so far
when the model reports them. `HarnessClient.pending_work` decodes them for the window's
Pending work. Each attempt starts from zero, so a retry never shows an earlier attempt's
output. Worker-side only: nothing here enters a workflow.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

MODEL_ACTIVITY = "invoke_model_activity"


@dataclass
class CallProgress:
    attempt: int = 1
    phase: str = "starting"
    output_tokens: int | None = None
    max_tokens: int | None = None
    started: float = field(default_factory=time.monotonic)
    active: bool = False  # only a model call's heartbeats carry it

    def details(self) -> dict[str, Any]:
        return {"elapsed_s": round(time.monotonic() - self.started, 1), "attempt": self.attempt,
                "phase": self.phase, "output_tokens": self.output_tokens,
                "max_tokens": self.max_tokens}


_current: contextvars.ContextVar[CallProgress | None] = contextvars.ContextVar(
    "harness_call_progress", default=None)


def current() -> CallProgress | None:
    """The progress of the model call this task runs, if it runs one."""
    return _current.get()


class _Outbound(ActivityOutboundInterceptor):
    def __init__(self, next_: ActivityOutboundInterceptor, progress: CallProgress) -> None:
        super().__init__(next_)
        self._progress = progress

    def heartbeat(self, *details: Any) -> None:
        if not details and self._progress.active:
            details = (self._progress.details(),)
        super().heartbeat(*details)


class _Inbound(ActivityInboundInterceptor):
    def __init__(self, next_: ActivityInboundInterceptor) -> None:
        super().__init__(next_)
        self._progress = CallProgress()

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        super().init(_Outbound(outbound, self._progress))

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if activity.info().activity_type != MODEL_ACTIVITY:
            return await super().execute_activity(input)
        self._progress.attempt = activity.info().attempt
        self._progress.started = time.monotonic()
        self._progress.active = True
        token = _current.set(self._progress)
        try:
            return await super().execute_activity(input)
        finally:
            _current.reset(token)


class CallProgressInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next)
