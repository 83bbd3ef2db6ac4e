"""Durable timers under a second fire on time on the runtime's dev server.

The dev server reads its timer queue 1 s ahead by default and moves every new timer due
sooner to just past that, so a 100 ms durable sleep, and the 100 ms retry a failover asks
for (engine/runtime/failover.py), both came after about a second: half the kills in
bench/recovery.py took 1 s longer than the rest. The runtime starts its server with
PRECISE_TIMER_FLAGS (engine/runtime/temporal_server.py). Here a real server started with
the runtime's own command, once with the flags and once without (the baseline proves the
check can fail): the sleep is timed by the server's own event times, the retry by the
activity's attempts. The bounds sit far apart on purpose: without the flags neither can
come before a whole second; with them both are due after 100 ms, and the check allows
half a second more for a loaded machine.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from engine.runtime.ports import free_loopback_ports
from engine.runtime.temporal_server import (
    TemporalServerConfig,
    temporal_answers,
    temporal_server_command,
)
from tests.runtime.helpers import wait_until

SHORT = timedelta(milliseconds=100)
ON_TIME_S = 0.6  # due after 0.1 s
NEVER_BEFORE_S = 0.95  # the default shift: never sooner than a second
attempt_starts: dict[str, list[float]] = {}


@activity.defn
async def fails_once(key: str) -> None:
    attempt_starts.setdefault(key, []).append(time.monotonic())
    if activity.info().attempt == 1:
        # What a failover sends for a dead worker's activity: retry soon.
        raise ApplicationError("the first attempt fails", next_retry_delay=SHORT)


@workflow.defn
class ShortTimers:
    @workflow.run
    async def run(self, key: str) -> None:
        await workflow.sleep(SHORT)
        await workflow.execute_activity(
            fails_once, key, start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5)))


async def _short_timers(tmp_path: Path, precise: bool) -> tuple[float, float]:
    """(the 100 ms sleep, by the server's event times; the gap between the two attempts)."""
    port, http_port = free_loopback_ports(2)  # both ours: see TemporalServerConfig
    config = TemporalServerConfig(port=port, http_port=http_port, ui_port=None,
                                  db_path=tmp_path / "t.db",
                                  precise_timers=precise)
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen(temporal_server_command(config), stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_until(lambda: temporal_answers(config.address, "default"), 60,
                   "the dev server to answer", every=0.2)
        client = await Client.connect(config.address)
        key = uuid.uuid4().hex
        async with Worker(client, task_queue=key, workflows=[ShortTimers],
                          activities=[fails_once],
                          workflow_runner=UnsandboxedWorkflowRunner()):
            handle = await client.start_workflow(ShortTimers.run, key, id=key, task_queue=key)
            await handle.result()
        events = [e async for e in handle.fetch_history_events()]
    finally:
        server.terminate()
        server.wait(15)
    times = {e.event_type: e.event_time.ToDatetime().timestamp() for e in events}
    sleep_s = (times[EventType.EVENT_TYPE_TIMER_FIRED]
               - times[EventType.EVENT_TYPE_TIMER_STARTED])
    first, second = attempt_starts.pop(key)
    return sleep_s, second - first


async def test_timers_under_a_second_fire_on_time(tmp_path: Path) -> None:
    sleep_s, retry_s = await _short_timers(tmp_path, precise=True)
    assert sleep_s < ON_TIME_S, f"a 100 ms durable sleep took {sleep_s:.3f} s"
    assert retry_s < ON_TIME_S, f"a retry due after 100 ms came after {retry_s:.3f} s"


async def test_without_the_flags_they_take_a_second(tmp_path: Path) -> None:
    sleep_s, retry_s = await _short_timers(tmp_path, precise=False)
    assert sleep_s >= NEVER_BEFORE_S and retry_s >= NEVER_BEFORE_S, (sleep_s, retry_s)
