"""The runtime the window talks to, as a QObject (as qutebrowser's GUIProcess wraps a
process): `services_changed` whenever its services change, `kill_worker` for chaos, and
`stop`. Two kinds:

- OwnedRuntime: the window started it (a Supervisor in this process); changes come from
  the supervisor's callback; closing the window stops it, or aborts its start.
- AttachedRuntime: another process runs it (`harness up` in the same home); the window
  watches runtime.json (inotify through QFileSystemWatcher, plus a slow poll: atomic
  replaces can drop a watch) and never stops it.

kill_worker reads the pid at kill time, checks it is really one of this runtime's workers
(a stale pid can belong to an unrelated process by now), and reports whether the kill
happened: the window narrates only a kill that succeeded.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from engine.runtime.state import RuntimeInfo, load_runtime_file, runtime_file
from engine.runtime.worker_process import WORKER_MODULE

WORKER_MODULE_MARK = WORKER_MODULE  # in a worker's command line (-m engine.worker)


@dataclass
class Kill:
    pid: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.pid is not None and not self.error


class RuntimeHandle(QObject):
    services_changed = Signal(dict)
    owned = False

    def __init__(self, info: RuntimeInfo | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info = info

    def kill_worker(self) -> Kill:
        raise NotImplementedError

    def stop(self) -> None:
        """Blocking. Only an owned runtime stops anything."""


class OwnedRuntime(RuntimeHandle):
    owned = True

    def __init__(self, supervisor, parent: QObject | None = None) -> None:
        super().__init__(None, parent)
        self.supervisor = supervisor

    def changed(self, info: RuntimeInfo) -> None:
        # The supervisor's thread: a signal crosses to the Qt thread safely (queued).
        self.info = info
        self.services_changed.emit(dict(info.services))

    def kill_worker(self) -> Kill:
        pid = self.supervisor.kill_worker()
        return Kill(pid) if pid else Kill(None, "no worker is running right now")

    def stop(self) -> None:
        self.supervisor.stop()


class AttachedRuntime(RuntimeHandle):
    POLL_MS = 2000

    def __init__(self, home: Path, info: RuntimeInfo, parent: QObject | None = None) -> None:
        super().__init__(info, parent)
        self.home = Path(home)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.addPath(str(self.home))  # the file is replaced: watch its folder too
        self._watcher.directoryChanged.connect(self.reload)
        self._watcher.fileChanged.connect(self.reload)
        self._poll = QTimer(self)
        self._poll.timeout.connect(self.reload)
        self._poll.start(self.POLL_MS)
        self._watch_file()

    def _watch_file(self) -> None:
        path = str(runtime_file(self.home))
        if os.path.exists(path) and path not in self._watcher.files():
            self._watcher.addPath(path)

    def reload(self, *_args) -> None:
        self._watch_file()
        info = load_runtime_file(self.home)
        if info is None:  # stopped (a clean stop removes the file)
            gone = {name: {**record, "status": "stopped", "pid": None}
                    for name, record in (self.info.services if self.info else {}).items()}
            if self.info is not None and gone != self.info.services:
                self.info.services = gone
                self.services_changed.emit(gone)
            return
        if self.info is None or info.services != self.info.services:
            self.info = info
            self.services_changed.emit(dict(info.services))
        else:
            self.info = info

    def kill_worker(self) -> Kill:
        self.reload()  # the pid as it is now, not as it was at boot
        info = self.info
        workers = sorted((n, r) for n, r in (info.services if info else {}).items()
                         if n.startswith("worker-") and r.get("status") == "ready"
                         and r.get("pid"))
        if not workers:
            return Kill(None, "no worker is running right now")
        name, record = workers[0]
        pid = int(record["pid"])
        if not is_worker_process(pid):
            return Kill(None, f"{name}'s pid {pid} is no longer a worker of this runtime; "
                              f"nothing was killed")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return Kill(None, f"{name} (pid {pid}) had already exited; nothing was killed")
        except PermissionError as exc:
            return Kill(None, f"cannot kill {name} (pid {pid}): {exc}")
        return Kill(pid)


def is_worker_process(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return WORKER_MODULE_MARK in cmdline
