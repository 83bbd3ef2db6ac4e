"""Shared helpers for the runtime tests: run the CLI, wait for a condition."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from engine.runtime.pids import pid_alive

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]


def cli_argv(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "engine.cli", "--home", str(home), *args]


def harness(home: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_argv(home, *args), capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)


def status_json(home: Path) -> tuple[int, dict]:
    result = harness(home, "status", "--json")
    return result.returncode, json.loads(result.stdout)


def wait_until(predicate: Callable[[], T], timeout: float, what: str,
               every: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


class OutputLines:
    """A process's merged output, collected on a thread, so a test can wait for a line.
    A wait that fails says why: the process's exit code if it ended, and its last lines."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def first(self, prefix: str) -> str | None:
        return next((line for line in self.lines if line.startswith(prefix)), None)

    def wait_for(self, prefix: str, timeout: float, what: str) -> str:
        """The first line starting with `prefix`; fails at once if the process ends
        without printing one (waiting on would only hide why)."""
        deadline = time.monotonic() + timeout
        while (line := self.first(prefix)) is None:
            ended = self.process.poll() is not None
            if ended:
                self._thread.join(timeout=5)  # its last lines
                if (line := self.first(prefix)) is not None:
                    return line
            if ended or time.monotonic() > deadline:
                why = (f"it exited with {self.process.returncode}" if ended
                       else f"timed out after {timeout}s")
                tail = "\n".join(self.lines[-40:])
                raise AssertionError(f"{why} waiting for {what}; its output ended:\n{tail}")
            time.sleep(0.05)
        return line


async def wait_until_async(predicate: Callable[[], T], timeout: float, what: str,
                           every: float = 0.05) -> T:
    """`wait_until` for a test running on an event loop (a Qt one, through qasync): the
    loop keeps turning between checks, so the window it waits on can make progress."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


def all_dead(pids: list[int], timeout: float = 10.0) -> None:
    wait_until(lambda: not any(pid_alive(p) for p in pids), timeout,
               f"pids {pids} to exit")


def env_without(*names: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(overrides)
    return env
