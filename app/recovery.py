"""Crashes, on purpose or not, and the story of the recovery for the banner, the tree and
the chart: worker killed at tick T -> restarted worker starting -> resumed at tick T',
X ms after the kill (X from the kill to the first event a live worker wrote)."""

from __future__ import annotations

import contextlib
import os
import signal
import time

from engine.chaos import CrashWatch, arm_crash


class RecoveryNarrator:
    def __init__(self, controller) -> None:
        self.c = controller  # its signals, history model, pump, state, supervisor
        self.watch: CrashWatch | None = None

    @property
    def recovering(self) -> bool:
        return self.watch is not None and self.watch.resumed_after_ms is None

    def kill_now(self) -> None:
        """SIGKILL the worker; the supervisor (ours or the attached one) restarts it."""
        pid = None
        if self.c.supervisor is not None:
            pid = self.c.supervisor.kill_worker()
        elif self.c.info is not None:
            pid = (self.c.info.services.get("worker-1") or {}).get("pid")
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if not pid:
            self.c.request_failed.emit("crash", "no worker is running right now")
            return
        self._mark(f"worker killed (SIGKILL, pid {pid})")

    def arm(self, activity: str) -> None:
        arm_crash(self.c.home, activity)
        self.c.notice.emit("warn", f"Armed: the worker dies at the start of the next "
                                   f"{activity}")

    def _mark(self, what: str) -> None:
        tick = self.c.state.tick if self.c.state is not None else 0
        self.watch = CrashWatch(time.time(), tick)
        self.c.pump.drain()  # the mark goes after every event received before the kill
        self.c.history.tree.annotate(f"{what} at tick {tick}")
        self.c.crash_marked.emit(tick)
        self.c.notice.emit("error", f"Worker killed at tick {tick}: waiting for a worker to "
                                    f"take over…")

    def on_services(self, services: dict) -> None:
        worker = services.get("worker-1") or {}
        status = worker.get("status")
        if status in ("restarting", "exited") and not self.recovering:
            self._mark("worker died")  # an armed crash, or a real one: same story
        if not self.recovering:
            return
        tick = self.watch.tick
        standby = next((f"{name} (pid {record.get('pid')})" for name, record in services.items()
                        if name.startswith("worker-") and name != "worker-1"
                        and record.get("status") == "ready"), None)
        if standby and status in ("restarting", "starting"):
            self.c.notice.emit("warn", f"Worker killed at tick {tick} → standby {standby} "
                                       f"takes the agent over; worker-1 restarting…")
        elif status == "starting":
            self.c.notice.emit("warn", f"Worker killed at tick {tick} → restarted worker "
                                       f"(pid {worker.get('pid')}) is starting…")
        elif status == "ready":
            self.c.notice.emit("warn", f"Worker killed at tick {tick} → restarted worker is "
                                       f"polling; taking the agent over…")

    def on_event(self, name: str, epoch: float) -> None:
        if self.watch is None:
            return
        line = self.watch.observe(name, epoch, self.c.history.tree.latest_tick())
        if line:
            self.c.history.tree.annotate(line, status="ok")
            self.c.notice.emit("ok", f"Worker killed at tick {self.watch.tick} → {line}")
