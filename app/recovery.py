"""Crashes, on purpose or not, and the story of the recovery for the banner, the tree and
the chart: worker killed at tick T -> restarted worker starting -> resumed at tick T',
X ms after the kill (X from the kill to the first event a live worker wrote) -> the
proof: what was in flight at the kill (activity, attempt, worker) and, for each order
of those ticks, how many the broker holds for its client_order_id (exactly one).

Only a kill that happened is narrated: the runtime handle reads the worker's pid at
kill time and says whether the SIGKILL reached one of this runtime's workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from engine.chaos import CrashWatch, arm_crash

IN_FLIGHT_TIMEOUT_S = 2.0


class RecoveryNarrator:
    def __init__(self, controller) -> None:
        self.c = controller  # its signals, history model, pump, state, runtime, client
        self.watch: CrashWatch | None = None
        self.in_flight: list[dict] = []  # the agent's pending activities at the kill

    @property
    def recovering(self) -> bool:
        return self.watch is not None and self.watch.resumed_after_ms is None

    def kill_now(self) -> None:
        """SIGKILL a worker; the supervisor (ours or the attached one) restarts it."""
        if getattr(self.c, "runtime", None) is None:
            self.c.request_failed.emit("crash", "no worker is running right now")
            return
        self.c._spawn(self._kill(), "crash")

    async def _kill(self) -> None:
        self.in_flight = []
        if getattr(self.c, "client", None) is not None and self.c.workflow_id is not None:
            with contextlib.suppress(Exception):  # best effort: the kill matters more
                self.in_flight = await asyncio.wait_for(
                    self.c.client.pending_work(self.c.workflow_id), IN_FLIGHT_TIMEOUT_S)
        kill = self.c.runtime.kill_worker()
        if not kill.ok:
            self.c.request_failed.emit("crash", kill.error or "nothing was killed")
            return
        self._mark(f"worker killed (SIGKILL, pid {kill.pid})")

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
        # A warning, not an error: the runtime handles a dead worker, and the proof below
        # says "error" only if an order went twice. An error here would leave the Log
        # button saying "1 error" after every crash that recovered as it should.
        self.c.notice.emit("warn", f"Worker killed at tick {tick}: waiting for a worker to "
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
            if getattr(self.c, "client", None) is not None:
                self.c._spawn(self.prove(self.watch.tick), "crash proof")

    async def prove(self, killed_at_tick: int, settle_s: float = 3.0) -> dict:
        """What was in flight, and the broker's count for each order of the kill's ticks.
        Waits a little first: the order in flight completes after the resumption."""
        await asyncio.sleep(settle_s)
        wid = self.c.workflow_id
        page = await self.c.client.decisions(wid, limit=50)
        ids = sorted({d.order.client_order_id for d in page.decisions
                      if d.order is not None and killed_at_tick <= d.tick <= killed_at_tick + 1})
        counts = {i: await self.c.client.broker_order_count(wid, i) for i in ids}
        proof = {"tick": killed_at_tick, "in_flight": self.in_flight, "orders": counts}
        self.c.crash_proven.emit(proof)
        self.c.notice.emit("ok" if all(n == 1 for n in counts.values()) else "error",
                           describe_proof(proof))
        return proof


def describe_proof(proof: dict) -> str:
    flight = "; ".join(f"{w['activity']} attempt {w['attempt']}"
                       + (f" on {w['worker']}" if w.get("worker") else "")
                       for w in proof["in_flight"]) or "no activity (between two ticks)"
    orders = ", ".join(f"{i}: {n} order{'s' if n != 1 else ''} at the broker"
                       for i, n in proof["orders"].items()) or "no order at those ticks"
    counts = proof["orders"].values()
    verdict = ("no order at those ticks, so nothing could be placed twice" if not counts
               else "each order completed exactly once" if all(n == 1 for n in counts)
               else "DUPLICATE ORDER")
    # The verdict first: the banner shows one line, and that is the line that matters.
    return f"Crash at tick {proof['tick']}: {verdict}. In flight: {flight}. Orders: {orders}."
