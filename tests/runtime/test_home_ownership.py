"""One supervisor per home; stale runtime.json files are replaced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.runtime.ensure import ensure_runtime
from engine.runtime.lock import RuntimeAlreadyRunning
from engine.runtime.pids import process_start_ticks
from engine.runtime.state import read_runtime, runtime_file
from engine.runtime.supervisor import Supervisor
from tests.runtime.helpers import harness


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_second_supervisor_on_a_home_is_refused_with_the_existing_info(tmp_path: Path) -> None:
    with Supervisor(tmp_path, with_worker=False, headless=True) as first:
        with pytest.raises(RuntimeAlreadyRunning) as refused:
            Supervisor(tmp_path, with_worker=False, headless=True).start()
        assert refused.value.info is not None
        assert refused.value.info.temporal_address == first.info.temporal_address
        assert "already running" in str(refused.value)
        # ...and a caller that only needs a runtime attaches instead.
        info, owned = ensure_runtime(tmp_path, with_worker=False)
        assert owned is None and info.mockoon_url == first.info.mockoon_url
    assert not runtime_file(tmp_path).exists()


def test_stale_runtime_json_is_replaced(tmp_path: Path) -> None:
    stale = {
        "home": str(tmp_path), "temporal_address": "127.0.0.1:1", "namespace": "default",
        "ui_url": None, "mockoon_url": "http://127.0.0.1:2", "supervisor_pid": _dead_pid(),
        "services": {"temporal": {"pid": _dead_pid(), "port": 1, "started_at": 0.0,
                                  "restarts": 0, "status": "ready"}},
        "started_at": 0.0,
    }
    runtime_file(tmp_path).write_text(json.dumps(stale))
    assert read_runtime(tmp_path) is None
    assert harness(tmp_path, "status").returncode == 2

    info, supervisor = ensure_runtime(tmp_path, with_worker=False, headless=True)
    try:
        assert supervisor is not None, "a stale file must not be attached to"
        on_disk = read_runtime(tmp_path)
        assert on_disk is not None and on_disk.supervisor_pid == os.getpid()
        assert on_disk.temporal_address == info.temporal_address != "127.0.0.1:1"
    finally:
        supervisor.stop()


def test_a_stale_runtime_json_whose_pid_was_reused_is_not_a_runtime(tmp_path: Path) -> None:
    # The supervisor that wrote this died; the kernel gave its pid to another process (here:
    # this test's own pid, which is alive but started at another time than the file says).
    stale = {
        "home": str(tmp_path), "temporal_address": "127.0.0.1:1", "namespace": "default",
        "ui_url": None, "mockoon_url": "http://127.0.0.1:2", "supervisor_pid": os.getpid(),
        "supervisor_start": process_start_ticks(os.getpid()) - 1,
        "services": {"temporal": {"pid": _dead_pid(), "port": 1, "started_at": 0.0,
                                  "restarts": 0, "status": "ready"}},
        "started_at": 0.0,
    }
    runtime_file(tmp_path).write_text(json.dumps(stale))
    assert read_runtime(tmp_path) is None
    assert harness(tmp_path, "status").returncode == 2, "no runtime (2), not unhealthy (1)"
