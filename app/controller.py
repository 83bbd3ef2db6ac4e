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
import contextlib
import gc
import logging
import threading
from pathlib import Path

from app.approval_request import describe_review
from app.client_import import TEMPORALIO_IMPORT, import_client
from app.format import describe_error as _describe
from app.history_pump import HistoryPump
from app.models.history_model import HistoryModel
from app.recovery import RecoveryNarrator
from app.runtime_handle import AttachedRuntime, OwnedRuntime, RuntimeHandle
from app.session import QUERY_TIMEOUT_S, AgentSession
from app.signals import ControllerSignals
from engine.runtime.home import resolve_home
from engine.runtime.state import RuntimeInfo

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0
REVIEW_TIMEOUT_S = 30.0  # a review that takes longer is shown as failed (retry is safe)


class StartAborted(RuntimeError):
    """The window closed before the runtime started: nothing was started."""


class Controller(ControllerSignals):
    def __init__(self, home: str | Path | None = None, agent_config=None,
                 runtime_options=None, parent=None) -> None:
        super().__init__(parent)
        self.home = resolve_home(home)
        # Supervisor options: a hot standby worker (a kill costs no worker start-up), and a
        # remote cluster if the settings say so. A callable is called in the start's thread
        # (it may read the OS keyring: never on the UI thread, never before the window shows).
        self.runtime_options = runtime_options
        self.agent_config = agent_config  # None: the window's defaults (app/defaults.py)
        self.history = HistoryModel(self)
        self.pump = HistoryPump(self.history, self)
        self.supervisor = None  # ours, when we started the runtime
        self.runtime: RuntimeHandle | None = None
        self.info: RuntimeInfo | None = None
        self.client = None
        self.session: AgentSession | None = None
        self.workflow_id: str | None = None
        self.state = None
        self.closing = False
        self._boot_task: asyncio.Task | None = None
        self._runtime_start: asyncio.Future | None = None
        self._rejected: type[Exception] = ValueError
        self._tasks: set[asyncio.Task] = set()
        self.recovery = RecoveryNarrator(self)
        self.services_changed.connect(self.recovery.on_services)

    # ---------------------------------------------------------------- start and stop

    def start(self) -> None:
        self._boot_task = self._spawn(self._boot(), "start")

    @property
    def starting(self) -> bool:
        """The runtime or the agent is still being brought up."""
        return self._boot_task is not None and not self._boot_task.done()

    async def _boot(self) -> None:
        loop = asyncio.get_running_loop()
        runtime_imported = threading.Event()
        self._runtime_imported = runtime_imported
        # Overlaps the runtime start.
        imported = loop.run_in_executor(None, import_client, runtime_imported)
        self._runtime_start = loop.run_in_executor(None, self._attach_or_start)
        try:
            started = await asyncio.shield(self._runtime_start)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown in the window, not a traceback
            if not self.closing:
                self.runtime_failed.emit(_describe(exc))
            return
        # An attached runtime's watcher and timer must live on this (the Qt) thread.
        if isinstance(started, RuntimeHandle):
            self.runtime = started  # its changes reach _services since before its start
        else:
            self.runtime = AttachedRuntime(self.home, started, self)
            self.runtime.services_changed.connect(self._services)
        self.info = self.runtime.info
        self.services_changed.emit(dict(self.info.services))
        self.runtime_ready.emit({
            "temporal_address": self.info.temporal_address, "namespace": self.info.namespace,
            "ui_url": self.info.ui_url or "", "home": str(self.home),
            "owned": self.runtime.owned})
        try:
            harness_client, self._rejected = await imported
            from engine.cli.settings import settings_for

            self.client = await harness_client.connect(settings_for(self.info, self.home),
                                                       timeout=30)
            from app.defaults import window_agent

            workflow_id, started = await self.client.ensure_agent(
                self.agent_config or window_agent())
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - said, with a retry (Agent ▸ Retry start)
            self.runtime_failed.emit(f"cannot reach the agent: {_describe(exc)}")
            return
        self._attach(workflow_id, started)

    def retry_start(self) -> None:
        """After a failed start or connect: try again (the runtime may be up by now)."""
        if self.starting or self.session is not None:
            return
        self.start()

    def _attach_or_start(self) -> RuntimeHandle | RuntimeInfo:
        """Blocking (runs in a thread): this home's running runtime (its info), or ours,
        started (its handle: no timer, so it may be made here and moved)."""
        from engine.runtime.state import attach

        try:
            with TEMPORALIO_IMPORT:
                from engine.runtime.supervisor import Supervisor
        finally:
            self._runtime_imported.set()  # the client's thread may import the plugin now

        if self.runtime is not None:  # a retry after the client failed: the same runtime
            return self.runtime
        info = attach(self.home)
        if info is not None:
            return info
        options = self.runtime_options
        options = options() if callable(options) else (options or {})
        self.supervisor = Supervisor(self.home, **{"worker_count": 2, **options})
        handle = OwnedRuntime(self.supervisor)
        handle.moveToThread(self.thread())
        handle.services_changed.connect(self._services)  # the start's progress, live
        self.supervisor.on_change = handle.changed
        if self.closing:  # closed while this thread was importing: start nothing
            raise StartAborted("the window was closed")
        # Usable once worker-1 polls; the status bar shows the standby starting until it polls.
        handle.info = self.supervisor.start(timeout=START_TIMEOUT_S, await_standby=False)
        return handle

    def _services(self, services: dict) -> None:
        if self.runtime is not None:
            self.info = self.runtime.info
        self.services_changed.emit(services)

    async def shutdown(self) -> None:
        """Stop following, abort a start under way, then stop every child we started (the
        agent lives on)."""
        self.closing = True
        if self.starting:
            self.notice.emit("warn", "Stopping…")
            log.info("Stopping… (the runtime was still starting)")
        if self.session is not None:
            self.session.close()
        for task in list(self._tasks):
            task.cancel()
        if self.supervisor is not None:
            self.supervisor.request_stop()  # a start() under way gives up within ~0.2 s
        if self._runtime_start is not None:
            with contextlib.suppress(BaseException):
                await self._runtime_start  # its thread, aborted: no child left behind
        if self.supervisor is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.supervisor.stop)

    def _attach(self, workflow_id: str, started: bool) -> None:
        if self.session is not None:
            self.session.close()
        self.workflow_id = workflow_id
        self.state = None
        self.history.reset()
        self.pump.clear()
        # Everything loaded so far (temporalio, the Agents SDK, pydantic: ~10^6 objects)
        # lives for the whole session: one full collection now, then out of the
        # collector's sight, or each later full collection stalls the window ~200 ms.
        gc.collect()
        gc.freeze()
        self.session = AgentSession(self, workflow_id)
        self.agent_attached.emit(workflow_id, started)
        self.session.start()

    def load_earlier_run(self) -> None:
        if self.session is None:
            self.request_failed.emit("earlier_run", "the agent is not attached yet")
            return
        self.session.load_earlier_run()

    # ---------------------------------------------------------------- agents

    def list_agents(self) -> None:
        """Every agent of this runtime, with its phase and open approvals (agents_listed)."""
        async def listing():
            rows = await asyncio.wait_for(self.client.list_agents(), QUERY_TIMEOUT_S)
            out = []
            for row in rows:
                waiting = 0
                if row.status == "running":
                    with contextlib.suppress(Exception):
                        state = await asyncio.wait_for(self.client.state(row.workflow_id), 3)
                        waiting = len(state.pending)
                out.append({"workflow_id": row.workflow_id, "phase": row.phase,
                            "status": row.status, "tick": row.tick, "equity": row.equity,
                            "approvals": waiting, "shown": row.workflow_id == self.workflow_id})
            self.agents_listed.emit(out)
            return f"{len(out)} agent(s)"

        self._call("list_agents", listing, "agents listed", needs_agent=False)

    def switch_agent(self, workflow_id: str) -> None:
        if workflow_id != self.workflow_id:
            self._attach(workflow_id, False)

    # ---------------------------------------------------------------- chaos

    def simulate_crash(self) -> None:
        self.recovery.kill_now()

    def crash_next(self, activity: str) -> None:
        self.recovery.arm(activity)

    # ---------------------------------------------------------------- requests

    def review(self, request) -> None:
        """Send an ApprovalRequest's answer to the agent that asked (its workflow id),
        and move the request to answered, refused or failed."""
        self._spawn(self._review(request), "review")

    async def _review(self, request) -> None:
        answer = request.answer
        try:
            if self.client is None:
                raise ConnectionError("not connected to the runtime yet")
            result = await asyncio.wait_for(self.client.review(
                request.workflow_id, request.trade_id, approve=answer.approve,
                reason=answer.reason, quantity=answer.quantity), REVIEW_TIMEOUT_S)
        except asyncio.CancelledError:
            request.failed("the window stopped before the answer came")
            raise
        except self._rejected as exc:
            request.refused(str(exc))
            self.review_refused.emit(request.trade_id, str(exc))
            return
        except TimeoutError:
            request.failed(f"no answer within {REVIEW_TIMEOUT_S:.0f} s (sending again is "
                           f"safe: the agent takes one answer per trade)")
            return
        except Exception as exc:  # noqa: BLE001 - a lost connection: said, and retryable
            request.failed(_describe(exc))
            return
        text = describe_review(result)
        request.answered(text)
        self.review_answered.emit(request.trade_id, text)

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

    def new_agent(self, config: dict, previous: str = "keep") -> None:
        """Start an agent and show it. `previous`: what becomes of the one shown now:
        keep (it runs on, Agent ▸ Switch agent… shows it again), pause or stop."""
        from engine.contracts import AgentConfig

        async def start():
            old = self.workflow_id
            if old is not None and previous in ("pause", "stop"):
                await getattr(self.client, previous)(old)
            workflow_id = await self.client.start_agent(AgentConfig(**config))
            self._attach(workflow_id, True)
            kept = {"keep": "keeps running", "pause": "paused", "stop": "stopping"}[previous]
            return f"new agent {workflow_id} started; {old} {kept}" if old else \
                f"new agent {workflow_id} started"

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

    def audit_tick(self, tick: int) -> None:
        """Why the agent did what it did at this tick (tick_audited)."""
        async def audit():
            found = await asyncio.wait_for(self.client.audit_tick(self.workflow_id, tick), 60)
            self.tick_audited.emit(found)
            return f"tick {tick} audited"

        self._call("audit", audit, "audited")

    def export_history(self, path: str) -> None:
        try:
            Path(path).write_text(self.history.tree.export_json(), encoding="utf-8")
        except OSError as exc:  # a missing folder, no permission, a full disk
            self.request_failed.emit("export", f"cannot write {path}: {exc.strerror or exc}")
            return
        self.request_done.emit("export", f"history exported to {path}")

    def open_web_ui(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.info is None or not self.info.ui_url:
            self.request_failed.emit("web_ui", "the Temporal Web UI is not running")
            return
        QDesktopServices.openUrl(QUrl(self.info.ui_url))

    # ---------------------------------------------------------------- plumbing

    def _call(self, action: str, make, done: str, needs_agent: bool = True) -> None:
        async def run():
            if self.client is None or (needs_agent and self.workflow_id is None):
                self.request_failed.emit(action, "the agent is not attached yet")
                return
            try:
                said = await make()
            except (self._rejected, ValueError) as exc:
                self.request_failed.emit(action, str(exc))
                return
            except TimeoutError:
                self.request_failed.emit(action, "no answer in time; try again")
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
