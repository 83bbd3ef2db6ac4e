"""Hostile-environment helpers: the one-line check every refusal must pass, a file
system to fill, a program squatting on a port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def one_harness_line(stderr: str) -> str:
    """The single `harness: ...` line of a refusal; no traceback anywhere."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("harness:")]
    assert len(lines) == 1, stderr
    return lines[0]


def need_root(what: str) -> None:
    if os.geteuid() == 0:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} needs root (CI=true: this test must run, not skip)")
    pytest.skip(f"{what} needs root")


def fill_disk(path: Path, leave_bytes: int) -> Path:
    """Allocate one file so that about `leave_bytes` stay free; delete it to free them."""
    stats = os.statvfs(path)
    free = stats.f_bavail * stats.f_frsize
    filler = path / "filler.bin"
    with open(filler, "wb") as out:
        os.posix_fallocate(out.fileno(), 0, max(0, free - leave_bytes))
    return filler


class PortSquatter:
    """Another program (a plain Python process) listening on a loopback port."""

    def __init__(self, port: int) -> None:
        self.port = port
        code = ("import socket, sys, time\n"
                "s = socket.socket()\n"
                # as servers do: the dead Mockoon's connections may linger in TIME_WAIT
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                f"s.bind(('127.0.0.1', {port})); s.listen()\n"
                "print('listening', flush=True)\n"
                "time.sleep(600)\n")
        self.process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                        text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "listening"

    @property
    def pid(self) -> int:
        return self.process.pid

    def leave(self) -> None:
        self.process.kill()
        self.process.wait()
