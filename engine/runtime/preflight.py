"""Checks of the machine around the runtime, made before a child starts (and, for disk
space, while it runs), so a hostile environment is named in one line instead of showing
up as a child that dies or a worker that is "not ready".

* a remote Temporal address that does not answer (refused, unknown host, silent);
* a port another program listens on (who holds it, read from /proc);
* the file system of $HARNESS_HOME running out of space (SQLite must never hit ENOSPC
  half-way through a commit: the runtime refuses to start, or stops, first).
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from engine.runtime.errors import DiskSpaceLow, PortTaken, TemporalUnreachable
from engine.runtime.ports import LOOPBACK

# Space the runtime wants before it starts, and the floor under which a running one stops.
# The dev server's SQLite file grows by a few kB per tick, its WAL by up to a few MB
# between checkpoints; logs grow slowly. 64 MB leaves hours of agent; 16 MB leaves room
# for the last commits, the WAL checkpoint and the broker journal's compaction.
MIN_FREE_START_ENV = "HARNESS_MIN_FREE_MB"
MIN_FREE_RUNNING_ENV = "HARNESS_STOP_BELOW_FREE_MB"
DEFAULT_MIN_FREE_START_MB = 64
DEFAULT_MIN_FREE_RUNNING_MB = 16


def check_remote_temporal(address: str, timeout: float = 3.0) -> None:
    """Raise TemporalUnreachable unless something accepts TCP at `address` (HOST:PORT).

    Only TCP: a TLS or API-key cluster answers gRPC later (the supervisor's remote probe).
    A refused or unknown address fails here in milliseconds, before any worker starts and
    times out blaming itself."""
    host, sep, port_text = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise TemporalUnreachable(address, "not a HOST:PORT address")
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout):
            return
    except socket.gaierror:
        why = f"unknown host {host!r}"
    except ConnectionRefusedError:
        why = "connection refused: nothing listens there"
    except TimeoutError:
        why = f"no answer within {timeout:.0f}s"
    except OSError as exc:
        why = exc.strerror or str(exc)
    raise TemporalUnreachable(address, why)


def check_port_free(name: str, port: int, host: str = LOOPBACK) -> None:
    """Raise PortTaken (naming the holder) if another program listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a port left in TIME_WAIT by our own dead child is free to rebind,
        # exactly as the child (node, Go) will rebind it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortTaken(name, port, port_holder(port)) from None


def port_holder(port: int) -> str:
    """'pid N (comm)' of the process listening on `port`, or 'another program' when /proc
    does not say (another user's process, without root)."""
    inodes = _listening_inodes(port)
    if inodes:
        for pid in _pids():
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return f"pid {pid} ({_comm(pid)})"
    return "another program"


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(inode)
    return inodes


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the file system holding `path`."""
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def _threshold(env: str, default_mb: int) -> int:
    value = os.environ.get(env, "").strip()
    if not value:
        return default_mb * 2**20
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes < 2**30:  # also NaN
        from engine.config import SettingsError

        raise SettingsError(f"{env}={value!r} is not a number of megabytes (>= 0)")
    return int(megabytes * 2**20)


def min_free_to_start() -> int:
    return _threshold(MIN_FREE_START_ENV, DEFAULT_MIN_FREE_START_MB)


def min_free_running() -> int:
    return _threshold(MIN_FREE_RUNNING_ENV, DEFAULT_MIN_FREE_RUNNING_MB)


def check_disk_space(home: Path, needed: int, *, starting: bool) -> None:
    """Raise DiskSpaceLow when the file system of `home` has less than `needed` bytes."""
    free = free_bytes(home)
    if free < needed:
        raise DiskSpaceLow(home, free, needed, starting)


class DiskWatch:
    """Rate-limited free-space check for the supervisor's loop (statvfs costs microseconds,
    but the loop can spin on every child exit)."""

    def __init__(self, home: Path, every_s: float = 1.0) -> None:
        self.home = home
        self.floor = min_free_running()
        self.every_s = every_s
        self._next = 0.0

    def check(self, now: float, force: bool = False) -> DiskSpaceLow | None:
        if now < self._next and not force:
            return None
        self._next = now + self.every_s
        try:
            check_disk_space(self.home, self.floor, starting=False)
        except DiskSpaceLow as low:
            return low
        return None
