"""The hot standby starts once worker-1 polls, not beside it (issue 21: on 2 cores two
workers importing the Agents SDK at once each took about twice as long, and the runtime
was usable only when the slower one was). Then both poll, and start() returns as before."""

from __future__ import annotations

import time

from engine.runtime.supervisor import Supervisor


def _timeline(tmp_path, **options) -> dict[str, float]:
    seen: dict[str, float] = {}

    def on_change(info) -> None:
        for name, record in info.services.items():
            if name.startswith("worker-") and record.get("pid"):
                seen.setdefault(f"{name} spawned", time.monotonic())
            if record.get("status") == "ready":
                seen.setdefault(f"{name} ready", time.monotonic())

    supervisor = Supervisor(tmp_path, headless=True, worker_count=2, on_change=on_change,
                            **options)
    try:
        info = supervisor.start(timeout=120)
        assert {s["status"] for s in info.services.values()} == {"ready"}
    finally:
        supervisor.stop()
    return seen


def test_the_standby_is_spawned_after_worker_1_is_ready(tmp_path):
    seen = _timeline(tmp_path)
    assert seen["worker-1 ready"] <= seen["worker-2 spawned"], seen


def test_start_without_awaiting_the_standby_returns_once_worker_1_polls(tmp_path):
    """`harness up` and the window: usable once worker-1 polls; the standby keeps starting
    (runtime.json says so) and then polls too."""
    # Spawned, not forked: a forked standby polls within a few hundred ms, so it could be
    # ready before start() returns, and the check below would prove nothing.
    supervisor = Supervisor(tmp_path, headless=True, worker_count=2, fork_workers=False)
    try:
        info = supervisor.start(timeout=120, await_standby=False)
        statuses = {name: s["status"] for name, s in info.services.items()}
        assert statuses["worker-1"] == statuses["temporal"] == statuses["mockoon"] == "ready"
        # Spawned only once worker-1 polled: it cannot have imported the SDK since.
        assert statuses["worker-2"] in ("planned", "starting"), statuses
        assert supervisor.wait_for(
            lambda i: i.services["worker-2"]["status"] == "ready", 120), supervisor.info
    finally:
        supervisor.stop()
