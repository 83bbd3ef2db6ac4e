"""The worker's side of active failover: an activity interceptor that keeps
`$HARNESS_HOME/run/<worker>.inflight` current (see engine/runtime/inflight.py).

When the worker dies, its supervisor reads the file at once and fails the activities
it held (so they are retried on the standby now, not after a heartbeat timeout) and
resets the sticky queue of the workflows it served (so their next workflow task goes
to the shared queue now, not after the sticky timeout).
"""

from __future__ import annotations

import os
from pathlib import Path

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from engine.runtime.home import HOME_ENV
from engine.runtime.inflight import MAX_WORKFLOWS, Inflight, InflightFile, inflight_path

WORKER_ID_ENV = "HARNESS_WORKER_ID"


class _Recording(ActivityInboundInterceptor):
    def __init__(self, next_: ActivityInboundInterceptor, recorder: InflightRecorder) -> None:
        super().__init__(next_)
        self._recorder = recorder

    async def execute_activity(self, input: ExecuteActivityInput):
        info = activity.info()
        # A local activity belongs to its workflow task: only regular ones are failed over.
        key = None if info.is_local else (
            f"{info.activity_type}:{info.workflow_id}/{info.activity_id}"
        )
        self._recorder.begin(key, info.task_token, info.workflow_id, info.workflow_run_id)
        try:
            return await super().execute_activity(input)
        finally:
            self._recorder.end(key)


class InflightRecorder(Interceptor):
    def __init__(self, path: Path) -> None:
        self._file = InflightFile(path)
        self._state = Inflight()

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Recording(next, self)

    def begin(self, key: str | None, token: bytes, workflow_id: str, run_id: str) -> None:
        execution = (workflow_id, run_id or "")
        changed = False
        if key is not None:
            self._state.activities[key] = token
            changed = True
        workflows = self._state.workflows
        if not workflows or workflows[-1] != execution:
            if execution in workflows:
                workflows.remove(execution)
            workflows.append(execution)
            del workflows[:-MAX_WORKFLOWS]
            changed = True
        if changed:
            self._file.write(self._state)

    def end(self, key: str | None) -> None:
        if key is not None and self._state.activities.pop(key, None) is not None:
            self._file.write(self._state)


def inflight_interceptors() -> list[Interceptor]:
    """The recorder for a supervised worker (one that knows its home and its id)."""
    home, worker = os.environ.get(HOME_ENV), os.environ.get(WORKER_ID_ENV)
    if not home or not worker:
        return []
    return [InflightRecorder(inflight_path(Path(home), worker))]
