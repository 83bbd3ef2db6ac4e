"""The supervisor: starts the dev server, Mockoon and the worker(s) in parallel, watches
them, restarts what dies, and keeps runtime.json current.

Threads, not asyncio: one long-lived `harness-supervisor` thread spawns every child (so
PR_SET_PDEATHSIG, which is bound to the forking thread, stays armed for the supervisor's
whole life) and sleeps on their pidfds, so it learns of an exit the moment it happens; a
short-lived watcher thread per spawn waits for readiness. When a worker dies, its work
is handed to the standby at once (engine/runtime/failover.py). The public methods are
thread-safe and never block on the children, so the Qt app can call them from its
qasync loop.
"""

from __future__ import annotations

import atexit
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.runtime.broker_journal import JournalSink
from engine.runtime.health import check_runtime
from engine.runtime.home import resolve_home, run_dir
from engine.runtime.lock import RuntimeAlreadyRunning, RuntimeLock
from engine.runtime.pids import process_start_ticks
from engine.runtime.plan import RuntimeOptions, RuntimePlan, plan_runtime
from engine.runtime.processes import DEFAULT_GRACE_S, stop_all
from engine.runtime.services import RestartPolicy, Service, ServiceStartError
from engine.runtime.state import RuntimeInfo, attach, remove_runtime, write_runtime
from engine.runtime.temporal_server import temporal_answers

if TYPE_CHECKING:
    from engine.runtime.failover import Failover

log = logging.getLogger(__name__)

# Without pidfds (not Linux >= 5.3) exits are polled this often (recovery time counts).
EXIT_POLL_S = 0.05
IDLE_WAIT_S = 1.0  # with pidfds the monitor wakes on an exit, a restart due, or stop()
READY_POLL_S = 0.05


class StartAborted(Exception):
    """start() gave up because abort_start() was called (a signal, say)."""


class Supervisor:
    def __init__(
        self,
        home: Path | str | None = None,
        *,
        restart_policy: RestartPolicy | None = None,
        on_change: Callable[[RuntimeInfo], None] | None = None,
        **options: object,
    ) -> None:
        """`options` are RuntimeOptions fields: with_worker, worker_count, mockoon_seed,
        mockoon_data, temporal_address (remote: no local server), namespace, headless,
        tuned, worker_argv. `on_change` is called (on the supervisor thread) with the new
        RuntimeInfo whenever a service changes status."""
        self.home = resolve_home(home)
        self.options = RuntimeOptions(**options)  # type: ignore[arg-type]
        self.policy = restart_policy or RestartPolicy()
        self.on_change = on_change
        self._lock_file = RuntimeLock(self.home)
        self._cond = threading.Condition()
        self._stop_requested = threading.Event()
        self._plan: RuntimePlan | None = None
        self._thread: threading.Thread | None = None
        self._starting = True
        self._startup_error: BaseException | None = None
        self._abort_start = False  # a plain flag: set from a signal handler (abort_start)
        self._remote_ok = threading.Event()
        self._started_at = time.time()
        self._info: RuntimeInfo | None = None
        self._wake_r, self._wake_w = os.pipe()  # stop() wakes the monitor through it
        self.failover: Failover | None = None
        self._journal: JournalSink | None = None

    # -- public API ------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> RuntimeInfo:
        """Start everything in parallel; return once all services are ready.

        Raises RuntimeAlreadyRunning (another supervisor owns this home), MissingDependencyError,
        InvalidEnvironmentError, or ServiceStartError (a child died or timed out; its log
        tail is in the message). On any failure everything started so far is stopped.
        """
        if self._thread is not None:
            raise RuntimeError("this supervisor was already started")
        self._lock_file.acquire()
        try:
            self._journal = JournalSink(self.home).start()  # before Mockoon: it posts here
            self._plan = plan_runtime(self.home, self.options, self._journal)
            self._start_failover()  # its task proxy listens before a worker connects
            self._hand_over_dead_runtimes_work()
            self._thread = threading.Thread(target=self._run, name="harness-supervisor",
                                            daemon=True)
            self._thread.start()
            if self._plan.remote_temporal:
                threading.Thread(target=self._watch_remote, args=(timeout,), daemon=True,
                                 name="harness-remote-probe").start()
            self._await_startup(timeout)
        except BaseException:
            self.stop(grace=1.0)
            raise
        atexit.register(self.stop)  # an embedding app that forgets stop() leaks nothing
        with self._cond:
            self._starting = False
            self._publish()
        return self.info

    def abort_start(self) -> None:
        """Make a start() under way give up within READY_POLL_S-ish (0.2 s) and clean up.
        Safe in a signal handler: one attribute store, no lock (a handler that takes a lock
        the interrupted code holds deadlocks; `harness up` once hung on SIGTERM that way)."""
        self._abort_start = True

    def stop(self, grace: float = DEFAULT_GRACE_S) -> None:
        """Stop every child (workers first, then server and Mockoon), drop runtime.json."""
        self._grace = grace
        self._stop_requested.set()
        self._wake()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        if self.failover is not None:
            self.failover.stop()
        if self._journal is not None:  # after Mockoon stopped: its last changes are in
            self._journal.stop()
            self._journal = None
        if self._lock_file.held:
            remove_runtime(self.home)
            self._lock_file.release()
        atexit.unregister(self.stop)

    def __enter__(self) -> Supervisor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def info(self) -> RuntimeInfo:
        if self._info is None:
            raise RuntimeError("the supervisor has not started")
        return self._info

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stop_requested.is_set()

    def kill_worker(self, name: str | None = None) -> int | None:
        """SIGKILL a worker (default: the first) for chaos; see kill_service."""
        with self._cond:
            name = name or next(n for n in self._services() if n.startswith("worker-"))
        return self.kill_service(name)

    def kill_service(self, name: str) -> int | None:
        """SIGKILL a service for chaos; the monitor restarts it at once (a deliberate kill
        never counts towards the crash-loop back-off). Returns the killed pid, or None
        when that service is not running right now."""
        with self._cond:
            service = self._services()[name]
            child = service.child
            if not child.running:
                return None
            pid = child.pid
            service.kill_expected = True
            child.kill()
        log.warning("chaos: SIGKILL %s (pid %s)", name, pid)
        return pid

    def health(self, timeout: float = 2.0) -> dict[str, dict]:
        """Live probes of every service (see engine.runtime.health), as JSON-ready dicts."""
        return {name: h.to_json() for name, h in check_runtime(self.info, timeout).items()}

    def wait_for(self, predicate: Callable[[RuntimeInfo], bool], timeout: float) -> bool:
        """Block until predicate(info) holds (re-checked on every status change)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._info is not None
                                       and predicate(self._info), timeout)

    # -- supervisor thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            with self._cond:
                for service in self._services().values():
                    service.spawn()
                    self._watch_ready(service)
                self._publish()
            while not self._stop_requested.is_set():
                self._wait_for_exit()
                self._reap_and_restart()
        except BaseException as exc:  # noqa: BLE001 - surfaced by start() or logged
            with self._cond:
                self._startup_error = self._startup_error or exc
                self._cond.notify_all()
            if not self._starting:
                log.exception("supervisor thread failed; stopping the runtime")
        finally:
            self._shutdown_children()

    def _reap_and_restart(self) -> None:
        with self._cond:
            changed = False
            for service in self._services().values():
                if service.status in ("starting", "ready"):
                    code = service.child.poll()
                    if code is None:
                        continue
                    changed = True
                    if self._starting:
                        service.status = "failed"
                        self._startup_error = service.start_error(
                            f"exited with code {code} before it was ready")
                        continue
                    delay = service.note_exit(code, self.policy)
                    log.warning("%s exited with code %s; restart #%d in %.1fs",
                                service.name, code, service.restarts, delay)
                    if self.failover is not None and service.name.startswith("worker-"):
                        self.failover.worker_died(service.name, service.child.pid)
                elif service.status == "restarting" and time.monotonic() >= service.restart_at:
                    changed = True
                    try:
                        pid = service.spawn()
                    except OSError as exc:
                        service.note_exit(-1, self.policy)
                        log.error("restarting %s failed: %s", service.name, exc)
                        continue
                    log.warning("%s restarted (pid %s)", service.name, pid)
                    self._watch_ready(service)
            if changed:
                self._publish()

    def _wait_for_exit(self) -> None:
        """Sleep until a child exits, a restart is due, or stop() is called."""
        with self._cond:
            services = list(self._services().values())
        fds = [s.child.exit_fd for s in services if s.status in ("starting", "ready")]
        due = [s.restart_at for s in services if s.status == "restarting" and s.restart_at]
        timeout = IDLE_WAIT_S
        if due:
            timeout = max(0.0, min(due) - time.monotonic())
        if any(fd is None for fd in fds):
            timeout = min(timeout, EXIT_POLL_S)  # some child cannot be waited on: poll
        readable, _, _ = select.select([self._wake_r, *(fd for fd in fds if fd is not None)],
                                       [], [], timeout)
        if self._wake_r in readable:
            os.read(self._wake_r, 1024)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    def _start_failover(self) -> None:
        """Connect the failover client ahead of time (workers only; see failover.py)."""
        if not self.options.active_failover or not self.options.with_worker:
            return
        from engine.runtime.failover import Failover

        assert self._plan is not None
        self.failover = Failover(self.home, self._plan.temporal_address, self.options.namespace,
                                 proxy_port=self._plan.proxy_port)
        self.failover.start()

    def _hand_over_dead_runtimes_work(self) -> None:
        """Workers that died with a previous runtime (its app was killed) left their
        in-flight records behind: fail those activities over now, as for any dead worker,
        instead of letting them wait out their heartbeat timeouts. Before our own workers
        start, since they write files of the same names."""
        if self.failover is None:
            return
        for path in sorted(run_dir(self.home).glob("worker-*.inflight")):
            self.failover.worker_died(path.stem)

    def _watch_ready(self, service: Service) -> None:
        generation = service.generation

        def watch() -> None:
            while not self._stop_requested.is_set():
                with self._cond:
                    if service.generation != generation or service.status != "starting":
                        return
                    pid = service.child.pid
                if service.is_ready(pid):
                    with self._cond:
                        if service.generation == generation and service.status == "starting":
                            service.status = "ready"
                            self._publish()
                    return
                time.sleep(READY_POLL_S)

        threading.Thread(target=watch, name=f"harness-ready-{service.name}",
                         daemon=True).start()

    def _watch_remote(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        assert self._plan is not None
        while not self._stop_requested.is_set() and time.monotonic() < deadline:
            if temporal_answers(self._plan.temporal_address, self.options.namespace, 2.0):
                self._remote_ok.set()
                with self._cond:
                    self._cond.notify_all()
                return
            time.sleep(0.2)

    def _shutdown_children(self) -> None:
        services = list(self._services().values())
        workers = [s for s in services if s.name.startswith("worker-")]
        grace = getattr(self, "_grace", DEFAULT_GRACE_S)
        # Workers first, while the server can still take their final calls.
        for group in (workers, [s for s in services if s not in workers]):
            stop_all([s.child for s in group], grace)
            with self._cond:
                for service in group:
                    service.status = "stopped"
        with self._cond:
            self._cond.notify_all()

    # -- helpers (call with self._cond held) -----------------------------------------------

    def _services(self) -> dict[str, Service]:
        return self._plan.services if self._plan else {}

    def _await_startup(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._startup_error is not None:
                    raise self._startup_error
                if self._abort_start:
                    raise StartAborted("start-up interrupted")
                pending = [s for s in self._services().values() if s.status != "ready"]
                remote_pending = self._plan.remote_temporal and not self._remote_ok.is_set()
                if not pending and not remote_pending:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if pending:
                        raise pending[0].start_error(f"was not ready after {timeout:.0f}s")
                    raise ServiceStartError("temporal", f"remote cluster "
                                            f"{self._plan.temporal_address} does not answer",
                                            self.home, "")
                self._cond.wait(min(remaining, 0.2))

    def _publish(self) -> None:
        plan = self._plan
        if plan is None:
            return
        self._info = RuntimeInfo(
            home=self.home,
            temporal_address=plan.temporal_address,
            namespace=self.options.namespace,
            ui_url=plan.ui_url,
            mockoon_url=plan.mockoon_url,
            supervisor_pid=os.getpid(),
            supervisor_start=process_start_ticks(os.getpid()),
            services={name: s.record() for name, s in plan.services.items()},
            started_at=self._started_at,
            remote_temporal=plan.remote_temporal,
        )
        if self._lock_file.held and not self._stop_requested.is_set():
            write_runtime(self._info)
        self._cond.notify_all()
        if self.on_change is not None:
            try:
                self.on_change(self._info)
            except Exception:  # noqa: BLE001 - an observer must not kill the supervisor
                log.exception("on_change callback failed")


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
