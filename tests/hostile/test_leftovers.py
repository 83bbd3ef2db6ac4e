"""What a dead or stuck runtime leaves in a home, each named in one line by `harness
status` (exit 2: no runtime), and replaced, saying so, by the next supervisor."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.runtime.lock import LOCK_FILE
from engine.runtime.pids import process_start_ticks
from engine.runtime.state import read_runtime, runtime_file
from engine.runtime.supervisor import Supervisor
from tests.hostile.helpers import one_harness_line
from tests.runtime.helpers import harness


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _runtime_json(home: Path, pid: int, start: int | None) -> None:
    runtime_file(home).write_text(json.dumps({
        "home": str(home), "temporal_address": "127.0.0.1:1", "namespace": "default",
        "ui_url": None, "mockoon_url": "http://127.0.0.1:2", "supervisor_pid": pid,
        "supervisor_start": start, "services": {}, "started_at": 0.0}))


def _status_line(home: Path) -> str:
    result = harness(home, "status")
    assert result.returncode == 2, (result.stdout, result.stderr)
    line = one_harness_line(result.stderr)
    as_json = harness(home, "status", "--json")
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["reason"] == line.removeprefix("harness: ")
    return line


def test_a_corrupt_runtime_json_is_named(tmp_path: Path) -> None:
    runtime_file(tmp_path).write_text('{"home": "/x", "supervisor_pid": ')  # cut short
    line = _status_line(tmp_path)
    assert f"{runtime_file(tmp_path)} is corrupt" in line and "`harness up` replaces it" in line


def test_a_runtime_json_with_the_wrong_types_is_corrupt_not_a_crash(tmp_path: Path) -> None:
    runtime_file(tmp_path).write_text('{"supervisor_pid": "twelve"}')
    assert "is corrupt (supervisor_pid is not a number)" in _status_line(tmp_path)


def test_a_runtime_json_of_a_dead_supervisor_is_named_stale(tmp_path: Path) -> None:
    pid = _dead_pid()
    _runtime_json(tmp_path, pid, None)
    assert f"is stale: its supervisor pid {pid} is gone" in _status_line(tmp_path)


def test_a_supervisor_pid_reused_by_another_process_is_named(tmp_path: Path) -> None:
    # The kernel gave the dead supervisor's pid to another process: here a sleeper, alive,
    # but started at another time than the file says.
    other = subprocess.Popen(["sleep", "60"])
    try:
        _runtime_json(tmp_path, other.pid, process_start_ticks(other.pid) - 1)
        assert read_runtime(tmp_path) is None
        line = _status_line(tmp_path)
        assert f"supervisor pid {other.pid} now belongs to another process (sleep)" in line
    finally:
        other.kill()
        other.wait()


def test_a_stale_lock_is_named_and_harmless(tmp_path: Path) -> None:
    pid = _dead_pid()
    (tmp_path / LOCK_FILE).write_text(f"{pid}\n")
    line = _status_line(tmp_path)
    assert f"runtime.lock was left by pid {pid}, which is gone (harmless)" in line


def test_a_lock_held_by_a_stuck_supervisor_is_named_with_its_pid(tmp_path: Path) -> None:
    # A process that took the lock and never wrote runtime.json (hung while starting).
    code = ("import fcntl, os, sys, time\n"
            f"fd = os.open({str(tmp_path / LOCK_FILE)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, str(os.getpid()).encode())\n"
            "print('locked', flush=True); time.sleep(60)\n")
    stuck = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert stuck.stdout is not None and stuck.stdout.readline().strip() == "locked"
        line = _status_line(tmp_path)
        assert f"supervisor pid {stuck.pid} holds {tmp_path / LOCK_FILE}" in line
        assert "is missing: it is starting, stopping or hung" in line
        up = harness(tmp_path, "up", "--headless", "--no-worker")
        assert up.returncode == 0, up.stderr  # `up` shows the runtime that owns the home
        assert f"supervisor pid {stuck.pid}, still starting" in up.stdout
    finally:
        stuck.kill()
        stuck.wait()


@pytest.mark.parametrize("leftover", ["corrupt", "stale", "reused"])
def test_the_next_supervisor_replaces_leftovers_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, leftover: str
) -> None:
    dead = _dead_pid()
    if leftover == "corrupt":
        runtime_file(tmp_path).write_text("not json at all")
    elif leftover == "stale":
        _runtime_json(tmp_path, dead, None)
    else:
        _runtime_json(tmp_path, os.getppid(), process_start_ticks(os.getppid()) - 1)
    (tmp_path / LOCK_FILE).write_text(f"{dead}\n")
    caplog.set_level(logging.WARNING, logger="engine.runtime.supervisor")
    with Supervisor(tmp_path, with_worker=False, headless=True) as supervisor:
        on_disk = read_runtime(tmp_path)
        assert on_disk is not None and on_disk.supervisor_pid == os.getpid()
        assert on_disk.mockoon_url == supervisor.info.mockoon_url
    words = {"corrupt": "is corrupt", "stale": f"pid {dead} is gone",
             "reused": "now belongs to another process"}[leftover]
    assert any("replacing it:" in r.message and words in r.message for r in caplog.records)
    assert any(f"left by pid {dead}, which is gone" in r.message for r in caplog.records)
