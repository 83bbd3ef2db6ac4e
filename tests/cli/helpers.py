"""Helpers for the CLI tests: call `harness` in-process, find processes a home left behind."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from engine.cli import main

MAX_LINES = 3  # "one line" plus, at most, the usage hint and a log-file line


def call(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `harness ARGV` in this process (parse, validate, dispatch): (code, out, err)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def processes_of(home: Path) -> list[int]:
    """Pids of live processes whose command line or environment names `home`: every child
    the runtime starts does (the server's --db-filename, the worker's HARNESS_HOME,
    Mockoon's own HOME under it)."""
    needle = str(home).encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if state != b"Z" and (needle in cmdline or needle in environ):
            found.append(int(entry))
    return found


def nothing_started(home: Path) -> bool:
    """No runtime.json, no temporal.db, no process naming the home."""
    return (not (home / "runtime.json").exists() and not (home / "temporal.db").exists()
            and not processes_of(home))


async def poll_async(check: Callable[[], Awaitable[bool]], timeout: float, what: str,
                     every: float = 0.05) -> None:
    """wait_until_async for a condition that is itself awaited (a query, a describe):
    the shared helper takes a plain predicate."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)
