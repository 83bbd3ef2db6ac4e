"""The controller: the one QObject that owns async work (qasync) and the HarnessClient.

It brings the runtime up in the background (attach to a running one, else start and own
a Supervisor), re-attaches to the agent or starts one, then follows it: the state query
twice a second, the journal, the open approvals, the pending work, and the event history
as a live stream into the tree model. Widgets call its plain methods and listen to its
signals (app/signals.py); they never await anything.

Heavy imports (temporalio, the Agents SDK: ~2 s) happen in a thread while the runtime
starts, so the window is on screen at once.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from pathlib import Path

from app.history_pump import HistoryPump
from app.models.history_model import HistoryModel
from app.recovery import RecoveryNarrator
from app.signals import ControllerSignals
from engine.runtime.home import resolve_home
from engine.runtime.state import RuntimeInfo

log = logging.getLogger(__name__)

POLL_S = 0.5
START_TIMEOUT_S = 120.0


# The client's import (a thread) and the runtime's start (another thread: the supervisor's
# task proxy imports temporalio's service protos) must not import temporalio at the same
# time: its modules import each other, and two threads doing so raise _DeadlockError.
_TEMPORALIO_IMPORT = threading.Lock()


def _import_client():
    with _TEMPORALIO_IMPORT:
        from engine.client import HarnessClient, RequestRejected

    return HarnessClient, RequestRejected


class Controller(ControllerSignals):
    def __init__(self, home: str | Path | None = None, agent_config=None,
                 runtime_options: dict | None = None, parent=None) -> None:
        super().__init__(parent)
        self.home = resolve_home(home)
        # Supervisor options: a hot standby worker (a kill costs no worker start-up), and a
        # remote cluster if the settings say so.
        self.runtime_options = {"worker_count": 2, **(runtime_options or {})}
        self.agent_config = agent_config  # None: the window's defaults (app/defaults.py)
        self.history = HistoryModel(self)
        self.pump = HistoryPump(self.history, self)
        self.supervisor = None
        self.info: RuntimeInfo | None = None
        self.client = None
        self.workflow_id: str | None = None
        self.state = None
        self._rejected: type[Exception] = ValueError
        self._tasks: set[asyncio.Task] = set()
        self._follow: list[asyncio.Task] = []
        self._open_trades: tuple[str, ...] = ()
        self.recovery = RecoveryNarrator(self)
        self.services_changed.connect(self.recovery.on_services)

    # ---------------------------------------------------------------- start and stop

    def start(self) -> None:
        self._spawn(self._boot(), "start")

    async def _boot(self) -> None:
        loop = asyncio.get_running_loop()
        imported = loop.run_in_executor(None, _import_client)  # overlaps the runtime start
        try:
            self.info = await loop.run_in_executor(None, self._attach_or_start)
        except Exception as exc:  # noqa: BLE001 - shown in the window, not a traceback
            self.runtime_failed.emit(str(exc))
            return
        self.services_changed.emit(dict(self.info.services))
        self.runtime_ready.emit({
            "temporal_address": self.info.temporal_address, "namespace": self.info.namespace,
            "ui_url": self.info.ui_url or "", "home": str(self.home),
            "owned": self.supervisor is not None})
        harness_client, self._rejected = await imported
        from engine.cli.settings import settings_for

        self.client = await harness_client.connect(settings_for(self.info, self.home), timeout=30)
        from app.defaults import window_agent

        workflow_id, started = await self.client.ensure_agent(self.agent_config or window_agent())
        self._attach(workflow_id, started)

    def _attach_or_start(self) -> RuntimeInfo:
        """Blocking (runs in a thread): attach to this home's runtime, or start ours."""
        from engine.runtime.state import attach

        with _TEMPORALIO_IMPORT:
            from engine.runtime.supervisor import Supervisor

        info = attach(self.home)
        if info is not None:
            return info
        self.supervisor = Supervisor(self.home, on_change=self._runtime_changed,
                                     **self.runtime_options)
        return self.supervisor.start(timeout=START_TIMEOUT_S)

    def _runtime_changed(self, info: RuntimeInfo) -> None:
        # The supervisor's thread: a signal crosses to the Qt thread safely (queued).
        self.info = info
        self.services_changed.emit(dict(info.services))

    async def shutdown(self) -> None:
        """Stop following, then stop every child we started (the agent lives on)."""
        for task in list(self._tasks):
            task.cancel()
        if self.supervisor is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.supervisor.stop)

    def _attach(self, workflow_id: str, started: bool) -> None:
        for task in self._follow:
            task.cancel()
        self.workflow_id = workflow_id
        self.history.reset()
        self.pump.clear()
        # Everything loaded so far (temporalio, the Agents SDK, pydantic: ~10^6 objects)
        # lives for the whole session: one full collection now, then out of the
        # collector's sight, or each later full collection stalls the window ~200 ms.
        gc.collect()
        gc.freeze()
        self._open_trades = ()
        self.agent_attached.emit(workflow_id, started)
        self._follow = [self._spawn(self._follow_state(workflow_id), "state"),
                        self._spawn(self._follow_history(workflow_id), "history")]

    # ---------------------------------------------------------------- following

    async def _follow_state(self, workflow_id: str) -> None:
        seen_total, beat, failing_since = 0, 0, None
        while True:
            try:
                seen_total = await self._read_state(workflow_id, seen_total, beat)
                failing_since = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a restart or an outage: keep trying
                # Queries need a worker: during a crash's recovery they fail for seconds,
                # and the recovery narration must not be drowned by that.
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > 5 and not self.recovery.recovering:
                    self.notice.emit("warn", f"cannot read the agent: {exc}")
                await asyncio.sleep(1.0)
                continue
            beat += 1
            await asyncio.sleep(POLL_S)

    async def _read_state(self, workflow_id: str, seen_total: int, beat: int) -> int:
        state = await self.client.state(workflow_id)
        if beat % 2 == 0:
            work = await self.client.pending_work(workflow_id)
            timers = [{"timer": text} for text in self.history.tree.open_timers()]
            self.pending_work_changed.emit(work + timers)
        self.state = state
        if state.phase.value == "discovering":  # the backtests' progress, per candidate
            self.discovery_changed.emit(
                await self.client.agent_discovery_progress(workflow_id, state.symbols))
        self.state_changed.emit(state)
        fresh = state.decisions_total - seen_total
        # Newest first; a few already seen are re-read because their approval or order
        # may have changed since.
        page = await self.client.decisions(workflow_id, limit=min(500, fresh + 10))
        if page.decisions:
            self.decisions_changed.emit(page.decisions)
        trades = tuple(p.trade_id for p in state.pending)
        if trades != self._open_trades:
            self._open_trades = trades
            self.approvals_changed.emit(list(state.pending))
        return state.decisions_total

    async def _follow_history(self, workflow_id: str) -> None:
        from engine.eventtree.records import epoch_of, event_name

        run_id = None
        while True:
            try:
                run_id = run_id or await self.client.current_run_id(workflow_id)
                received = 0
                async for run, event in self.client.stream_history_json(workflow_id, run_id):
                    run_id = run
                    self.pump.push(run, event)
                    received += 1
                    if received % 100 == 0:
                        await asyncio.sleep(0)  # a 1,000-event page must not hold the loop
                    if self.recovery.watch is not None:
                        self.recovery.on_event(event_name(event.get("eventType", "")),
                                               epoch_of(event.get("eventTime", "")))
                return  # the agent closed
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the tree ignores events it has seen
                self.notice.emit("warn", f"history stream interrupted: {exc}; reconnecting")
                await asyncio.sleep(1.0)

    def load_earlier_run(self) -> None:
        """The run before the oldest one shown (a long-lived agent opens at its latest)."""
        run_id = self.history.tree.previous_run_id()
        if run_id is None:
            self.request_failed.emit("earlier_run", "the oldest run shown is the agent's first")
            return

        async def load():
            self.pump.drain()
            self.history.tree.prepend_run(run_id)
            count = 0
            async for run, event in self.client.stream_history_json(
                    self.workflow_id, run_id, follow_runs=False):
                self.pump.push(run, event)
                count += 1
                if count % 100 == 0:
                    await asyncio.sleep(0)
            self.request_done.emit("earlier_run", f"loaded run {run_id}: {count} events")

        self._spawn(load(), "earlier_run")

    # ---------------------------------------------------------------- chaos

    def simulate_crash(self) -> None:
        self.recovery.kill_now()

    def crash_next(self, activity: str) -> None:
        self.recovery.arm(activity)

    # ---------------------------------------------------------------- requests

    def review(self, trade_id: str, approve: bool, quantity: int | None = None,
               reason: str = "") -> None:
        self._spawn(self._review(trade_id, approve, quantity, reason), "review")

    async def _review(self, trade_id, approve, quantity, reason) -> None:
        try:
            result = await self.client.review(self.workflow_id, trade_id, approve=approve,
                                              reason=reason, quantity=quantity)
        except self._rejected as exc:
            self.review_refused.emit(trade_id, str(exc))
            return
        self.review_answered.emit(trade_id, describe_review(result))

    def review_strategy(self, symbol: str, approve: bool, reason: str = "") -> None:
        """A model-written strategy's approval; answers come back keyed strategy:SYMBOL."""
        self._spawn(self._review_strategy(symbol, approve, reason), "review")

    async def _review_strategy(self, symbol, approve, reason) -> None:
        key = f"strategy:{symbol}"
        try:
            pick = await self.client.review_strategy(self.workflow_id, symbol, approve=approve,
                                                     reason=reason)
        except self._rejected as exc:
            self.review_refused.emit(key, str(exc))
            return
        self.review_answered.emit(key, pick.approval_note)

    def pause(self) -> None:
        self._call("pause", lambda: self.client.pause(self.workflow_id), "agent paused")

    def resume(self) -> None:
        self._call("resume", lambda: self.client.resume(self.workflow_id), "agent resumed")

    def stop_agent(self) -> None:
        self._call("stop", lambda: self.client.stop(self.workflow_id), "agent stopping")

    def steer(self, note: str) -> None:
        self._call("steer", lambda: self.client.steer(self.workflow_id, note), "note sent")

    def set_limits(self, limits: dict) -> None:
        from engine.models import RiskLimits

        async def send():
            merged = self.state.limits.model_dump() | limits if self.state else limits
            return await self.client.set_limits(self.workflow_id, RiskLimits(**merged))

        self._call("set_limits", send, "risk limits updated")

    def new_agent(self, config: dict) -> None:
        from engine.contracts import AgentConfig

        async def start():
            workflow_id = await self.client.start_agent(AgentConfig(**config))
            self._attach(workflow_id, True)

        self._call("new_agent", start, "new agent started")

    def verify_replay(self) -> None:
        async def check() -> str:
            outcomes = await self.client.verify_replay(self.workflow_id)
            for o in outcomes:
                if not o.ok:
                    raise ValueError(f"replay FAILED, run {o.run_id}: event {o.event_id} "
                                     f"{o.event_type}: {o.error}")
            return (f"replay OK: {len(outcomes)} run(s), {sum(o.events for o in outcomes):,} "
                    f"events replay against today's code")

        self._call("verify_replay", check, "replay OK")

    def export_history(self, path: str) -> None:
        Path(path).write_text(self.history.tree.export_json(), encoding="utf-8")
        self.request_done.emit("export", f"history exported to {path}")

    def open_web_ui(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.info is None or not self.info.ui_url:
            self.request_failed.emit("web_ui", "the Temporal Web UI is not running")
            return
        QDesktopServices.openUrl(QUrl(self.info.ui_url))

    # ---------------------------------------------------------------- plumbing

    def _call(self, action: str, make, done: str) -> None:
        async def run():
            if self.client is None or self.workflow_id is None:
                self.request_failed.emit(action, "the agent is not attached yet")
                return
            try:
                said = await make()
            except (self._rejected, ValueError) as exc:
                self.request_failed.emit(action, str(exc))
                return
            self.request_done.emit(action, said if isinstance(said, str) else done)

        self._spawn(run(), action)

    def _spawn(self, coro, action: str) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("%s failed", action, exc_info=t.exception())
                self.request_failed.emit(action, f"{type(t.exception()).__name__}: "
                                                 f"{t.exception()}")

        task.add_done_callback(done)
        return task


def describe_review(result) -> str:
    if result.order is not None:
        order = result.order
        return (f"{result.status.value}: order {order.status.value} "
                f"{order.filled_quantity} @ {order.filled_price:,.2f} "
                f"(client_order_id {order.client_order_id})")
    return f"{result.status.value}" + (f": {result.note}" if result.note else "")
