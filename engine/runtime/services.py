"""A supervised service: a ChildProcess plus what the supervisor tracks about it.

Status life cycle:  planned -> starting -> ready -> exited -> restarting -> starting ...
                                                  \\-> failed (died during start-up)
                    any -> stopped (orderly shutdown)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.runtime.errors import ServiceStartError  # noqa: F401 - re-exported
from engine.runtime.preflight import check_port_free
from engine.runtime.processes import ChildProcess
from engine.runtime.state import ServiceRecord


@dataclass(frozen=True)
class RestartPolicy:
    """Crash loops back off exponentially; a lone crash is restarted at once.

    The first restart is immediate because recovery time after a killed worker is the
    product's headline figure. A run that lasted `stable_after` seconds resets the count.
    """

    base_delay: float = 0.5
    max_delay: float = 15.0
    stable_after: float = 10.0
    first_delay: float = 0.0  # after a lone crash; > 0 keeps a service down for a while

    def delay(self, consecutive_crashes: int) -> float:
        if consecutive_crashes <= 1:
            return self.first_delay
        return min(self.max_delay, self.base_delay * 2 ** (consecutive_crashes - 2))


class Service:
    def __init__(
        self,
        child: ChildProcess,
        *,
        is_ready: Callable[[int | None], bool],
        address: str,
        port: int | None = None,
        before_spawn: Callable[[], None] | None = None,
        ready_file: Path | None = None,
        other_ports: tuple[int, ...] = (),
    ) -> None:
        self.child = child
        self.is_ready = is_ready  # one quick probe, given the current pid
        self.address = address
        self.port = port
        self.before_spawn = before_spawn
        self.ready_file = ready_file
        # Every port the child binds: checked before each spawn, so a port another program
        # took (at start-up, or while this service was down) is named with its holder.
        self.bind_ports = tuple(p for p in (port, *other_ports) if p)
        self.status = "planned"
        self.last_error = ""  # why the last (re)start failed, for `harness status`
        self.restarts = 0
        self.consecutive_crashes = 0
        self.restart_at: float | None = None
        self.generation = 0  # bumped per spawn; a readiness watcher of an old run gives up
        self.last_exit_code: int | None = None
        self.kill_expected = False  # a deliberate kill (chaos) is not a crash
        self._spawned_at = 0.0

    @property
    def name(self) -> str:
        return self.child.name

    def spawn(self) -> int:
        """Start the child; raises PortTaken (nothing spawned) if a port is not free."""
        self._spawned_at = time.monotonic()  # a failed attempt is a quick crash: back off
        for port in self.bind_ports:
            check_port_free(self.name, port)
        if self.before_spawn:
            self.before_spawn()
        self.generation += 1
        pid = self.child.start()
        self._spawned_at = time.monotonic()
        self.status = "starting"
        self.restart_at = None
        self.last_error = ""
        return pid

    def note_exit(self, code: int, policy: RestartPolicy) -> float:
        """Record an exit; return the delay before the restart. A deliberate kill is
        restarted at once and never counts towards the crash-loop back-off."""
        self.last_exit_code = code
        self.restarts += 1
        if self.kill_expected:
            self.kill_expected = False
            delay = 0.0
        else:
            if time.monotonic() - self._spawned_at >= policy.stable_after:
                self.consecutive_crashes = 0
            self.consecutive_crashes += 1
            delay = policy.delay(self.consecutive_crashes)
        self.restart_at = time.monotonic() + delay
        self.status = "restarting"
        return delay

    def record(self) -> ServiceRecord:
        rec: ServiceRecord = {
            "pid": self.child.pid,
            "port": self.port,
            "started_at": self.child.started_at,
            "restarts": self.restarts,
            "crash_streak": self.consecutive_crashes,
            "status": self.status,
            "log": str(self.child.log_path),
        }
        if self.ready_file is not None:
            rec["ready_file"] = str(self.ready_file)
        if self.last_error:
            rec["error"] = self.last_error
        return rec

    def start_error(self, reason: str) -> ServiceStartError:
        return ServiceStartError(self.name, reason, self.child.log_path, self.child.log_tail())
