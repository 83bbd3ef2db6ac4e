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
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.runtime import preflight
from engine.runtime.broker_journal import JournalSink
from engine.runtime.diagnose import log_leftovers, stale_lock_pid
from engine.runtime.errors import ServiceStartError, StartAborted, TemporalUnreachable
from engine.runtime.health import supervisor_health
from engine.runtime.home import resolve_home
from engine.runtime.inflight import take_leftovers
from engine.runtime.lock import RuntimeLock
from engine.runtime.log_trim import LogTrim
from engine.runtime.monitor_sleep import MonitorSleep
from engine.runtime.plan import RuntimeOptions, RuntimePlan, plan_runtime
from engine.runtime.processes import DEFAULT_GRACE_S, stop_all
from engine.runtime.readiness import watch_ready, watch_remote
from engine.runtime.services import RestartPolicy, Service
from engine.runtime.standby import due_standbys, is_standby, waits_for_first_worker
from engine.runtime.state import (
    RuntimeInfo,
    clear_last_stop,
    remove_runtime,
    write_last_stop,
    write_runtime,
)

if TYPE_CHECKING:
    from engine.runtime.failover import Failover


log = logging.getLogger(__name__)

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
        # Set by request_stop(), which a signal handler may call: a plain attribute and a
        # pipe write, never a lock (a handler that takes a lock the interrupted code holds
        # deadlocks: the `harness up` SIGTERM hang).
        self._stop_signalled = False
        self._stopped = threading.Event()  # every child stopped, lock released
        self._finish_lock = threading.Lock()
        self.stop_reason = ""  # why the runtime stopped by itself (disk full, ...)
        self._plan: RuntimePlan | None = None
        self._thread: threading.Thread | None = None
        self._starting = True
        self._startup_error: BaseException | None = None
        self._abort_start = False  # a plain flag: set from a signal handler (abort_start)
        self._remote_ok = threading.Event()
        self._started_at = time.time()
        self._info: RuntimeInfo | None = None
        self._sleep = MonitorSleep()  # the monitor's; stop() wakes it
        self.failover: Failover | None = None
        self._journal: JournalSink | None = None

    # -- public API ------------------------------------------------------------------------

    def start(self, timeout: float = 60.0, *, await_standby: bool = True) -> RuntimeInfo:
        """Start everything in parallel; return once all services are ready.

        `await_standby=False` returns once the server, Mockoon and worker-1 are ready (the
        runtime is usable: the agent runs); the hot standbys keep starting, and runtime.json
        shows them `starting` until they poll (`harness up` and the window; a standby
        imports the Agents SDK after worker-1, which was half of a relaunch's wait).

        Raises RuntimeAlreadyRunning (another supervisor owns this home), MissingDependencyError,
        InvalidEnvironmentError, or ServiceStartError (a child died or timed out; its log
        tail is in the message). On any failure everything started so far is stopped.
        """
        if self._thread is not None:
            raise RuntimeError("this supervisor was already started")
        stale_lock = stale_lock_pid(self.home)  # read before acquire() rewrites it
        self._lock_file.acquire()
        try:
            log_leftovers(self.home, self._lock_file.path, stale_lock)
            # Refuse at once, naming the cause, what would otherwise fail later and vaguely.
            preflight.check_disk_space(self.home, preflight.min_free_to_start(),
                                       starting=True)
            if self.options.temporal_address:
                preflight.check_remote_temporal(self.options.temporal_address)
            self._journal = JournalSink(self.home).start()  # before Mockoon: it posts here
            self._plan = plan_runtime(self.home, self.options, self._journal)
            failover = self.options.active_failover and self.options.with_worker
            leftovers = take_leftovers(self.home) if failover else {}  # before our workers
            self._thread = threading.Thread(target=self._run, name="harness-supervisor",
                                            daemon=True)
            self._thread.start()
            if failover:
                # After the spawns: importing and starting it took 1-2 s that no child
                # waited for (a worker retries its connect until the task proxy listens).
                # It hands over the work of workers that died with a previous runtime here.
                from engine.runtime.failover import start_failover

                self.failover = start_failover(
                    self.home, self._plan, self.options.namespace, leftovers,
                    keep_sticky_polls=self.options.keep_dead_sticky_polls)
            if self._plan.remote_temporal:
                watch_remote(self._plan.temporal_address, self.options.namespace, timeout,
                             self._cond, self._stop_requested, self._remote_ok)
            self._await_startup(timeout, await_standby)
        except BaseException:
            self.stop(grace=1.0)
            raise
        atexit.register(self.stop)  # an embedding app that forgets stop() leaks nothing
        clear_last_stop(self.home)
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
        self._sleep.wake()
        # Idempotent; not for a signal handler (it joins threads): see request_stop().
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._finish_stop()

    def request_stop(self) -> None:
        """Ask the runtime to stop; returns at once. Async-signal-safe: no lock, no
        allocation beyond a one-byte write, so a signal handler may call it any number of
        times at any moment. The supervisor thread then stops every child (workers first),
        and `wait_stopped()` returns; a start() in progress raises StartAborted."""
        self._stop_signalled = True
        self._abort_start = True
        self._sleep.wake()

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Block until the runtime has stopped (asked to, or by itself: see stop_reason)."""
        return self._stopped.wait(timeout)

    def _finish_stop(self) -> None:
        """What follows the children's shutdown; runs once, on whichever thread gets here
        first (the caller of stop(), or the supervisor thread when it stops by itself)."""
        with self._finish_lock:
            self._thread = None
            if self.failover is not None:
                self.failover.stop()
                self.failover = None
            if self._journal is not None:  # after Mockoon stopped: its last changes are in
                self._journal.stop()
                self._journal = None
            if self._lock_file.held:
                remove_runtime(self.home)
                if self.stop_reason:
                    write_last_stop(self.home, self.stop_reason)
                self._lock_file.release()
            atexit.unregister(self.stop)
            self._stopped.set()

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
        return supervisor_health(self.info, self.failover, timeout)  # + its task proxy

    def wait_for(self, predicate: Callable[[RuntimeInfo], bool], timeout: float) -> bool:
        """Block until predicate(info) holds (re-checked on every status change)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._info is not None
                                       and predicate(self._info), timeout)

    # -- supervisor thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            with self._cond:
                for service in self._services().values():  # all free, or nothing starts
                    for port in service.bind_ports:
                        preflight.check_port_free(service.name, port)
                for service in self._services().values():
                    if not waits_for_first_worker(service, self._services(),
                                                  self.options.stagger_standby):
                        service.spawn()
                        self._watch_ready(service)
                self._publish()
            disk = preflight.DiskWatch(self.home)
            logs = LogTrim(self.options.log_cap_bytes)
            while not self._stop_requested.is_set():
                with self._cond:
                    services = list(self._services().values())
                exited = self._sleep.until_exit(services)
                if self._stop_signalled:
                    self._stop_requested.set()
                    break
                logs.check(time.monotonic(), [s.child.log_path for s in self._services().values()])
                # A child that died may have died of a full disk: look before restarting it.
                low = disk.check(time.monotonic(), force=exited)
                if low is not None:
                    self._stop_by_itself(str(low))
                    break
                self._reap_and_restart()
        except BaseException as exc:  # noqa: BLE001 - surfaced by start() or logged
            with self._cond:
                self._startup_error = self._startup_error or exc
                self._cond.notify_all()
            if not self._starting:
                log.exception("supervisor thread failed; stopping the runtime")
        finally:
            self._shutdown_children()
            if self.stop_reason:  # observers (the window) see every service stopped, and why
                with self._cond:
                    for service in self._services().values():
                        service.last_error = self.stop_reason
                    self._publish()
            if self.stop_reason or self._stop_signalled:
                self._finish_stop()  # nobody may call stop(): finish the job here

    def _stop_by_itself(self, reason: str) -> None:
        log.error("harness: %s", reason)
        self.stop_reason = reason
        self._stop_requested.set()
        with self._cond:
            if self._starting:
                self._startup_error = self._startup_error or ServiceStartError(
                    "runtime", reason)
            self._cond.notify_all()

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
                    except (OSError, ServiceStartError) as exc:
                        # Down for a while (a port taken meanwhile, ...): back off, retry,
                        # and say why in runtime.json, which `harness status` shows.
                        service.note_exit(-1, self.policy)
                        service.last_error = str(exc).splitlines()[0]
                        log.error("restarting %s failed: %s", service.name,
                                  service.last_error)
                        continue
                    log.warning("%s restarted (pid %s)", service.name, pid)
                    self._watch_ready(service)
            # Standbys start once worker-1 polls (engine/runtime/standby.py).
            for service in due_standbys(self._services(), self.options.stagger_standby):
                changed = True
                service.spawn()
                self._watch_ready(service)
            if changed:
                self._publish()

    def _watch_ready(self, service: Service) -> None:
        watch_ready(service, self._cond, self._stop_requested, self._publish)

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
            if group is workers and self._plan is not None and self._plan.zygote is not None:
                self._plan.zygote.stop()  # idle now: it forks only restarts
        with self._cond:
            self._cond.notify_all()

    # -- helpers (call with self._cond held) -----------------------------------------------

    def _services(self) -> dict[str, Service]:
        return self._plan.services if self._plan else {}

    def _await_startup(self, timeout: float, await_standby: bool = True) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._startup_error is not None:
                    raise self._startup_error
                if self._abort_start:
                    raise StartAborted("start-up interrupted")
                pending = [s for s in self._services().values() if s.status != "ready"
                           and (await_standby or not is_standby(s.name))]
                remote_pending = self._plan.remote_temporal and not self._remote_ok.is_set()
                if not pending and not remote_pending:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    # An unanswering cluster is the cause; workers waiting on it are not.
                    if remote_pending:
                        raise TemporalUnreachable(self._plan.temporal_address,
                                                  f"no gRPC answer within {timeout:.0f}s")
                    raise pending[0].start_error(f"was not ready after {timeout:.0f}s")
                self._cond.wait(min(remaining, 0.2))

    def _publish(self) -> None:
        plan = self._plan
        if plan is None:
            return
        self._info = plan.describe(self.home, self.options.namespace, self._started_at)
        if any(s.status == "planned" for s in plan.services.values()):
            self._sleep.wake()  # a standby may be due (_spawn_standbys, on the monitor thread)
        if self._lock_file.held and not self._stop_requested.is_set():
            write_runtime(self._info)
        self._cond.notify_all()
        if self.on_change is not None:
            try:
                self.on_change(self._info)
            except Exception:  # noqa: BLE001 - an observer must not kill the supervisor
                log.exception("on_change callback failed")
