"""`harness up` as a real subprocess: start, refuse a second one, stop without orphans."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from engine.runtime.pids import pid_alive
from engine.runtime.state import RuntimeInfo, read_runtime, runtime_file
from tests.runtime.helpers import REPO, all_dead, cli_argv, harness, wait_until


def _all_ready(home: Path) -> RuntimeInfo | None:
    info = read_runtime(home)
    if info and info.services and all(s["status"] == "ready" for s in info.services.values()):
        return info
    return None


@pytest.fixture
def harness_up(tmp_path: Path):
    # Its output goes to a file, not a pipe: nobody reads a pipe while the test runs, and a
    # full one would block the supervisor's logging; the file is also what a failure shows.
    output = tmp_path / "up.out"
    with output.open("w") as sink:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(cli_argv(tmp_path, "up"), stdout=sink,
                                   stderr=subprocess.STDOUT, text=True, cwd=REPO)
    process.output = output  # type: ignore[attr-defined]
    try:
        try:
            info = wait_until(lambda: _all_ready(tmp_path), 90, "harness up to be ready")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- harness up said:\n{output.read_text()[-3000:]}"
                                 f"\n--- runtime.json: {read_runtime(tmp_path)}") from None
        yield process, info
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_up_then_sigint_leaves_no_child_alive(harness_up, tmp_path: Path) -> None:
    process, info = harness_up
    pids = [rec["pid"] for rec in info.services.values()]
    # The server, Mockoon, the active worker and its hot standby (the default of `up`).
    assert set(info.services) == {"temporal", "mockoon", "worker-1", "worker-2"}
    assert all(pid_alive(p) for p in pids)
    assert info.supervisor_pid == process.pid
    assert info.ui_url and httpx.get(info.ui_url, timeout=10).status_code == 200

    second = harness(tmp_path, "up", timeout=60)
    assert second.returncode == 0, second.stderr
    assert "already running" in second.stdout
    assert str(process.pid) in second.stdout
    assert harness(tmp_path, "status").returncode == 0

    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    out = process.output.read_text()
    assert process.returncode == 0, out
    assert info.ui_url in out and "worker-1" in out  # the status table was printed
    all_dead(pids, timeout=5)
    assert not runtime_file(tmp_path).exists()
    gone = harness(tmp_path, "status")
    assert gone.returncode == 2 and "no runtime is running" in gone.stderr


def test_sigterm_also_stops_everything(harness_up) -> None:
    process, info = harness_up
    pids = [rec["pid"] for rec in info.services.values()]
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode == 0
    all_dead(pids, timeout=5)


def test_children_die_when_the_supervisor_is_sigkilled(harness_up, tmp_path: Path) -> None:
    process, info = harness_up
    pids = [rec["pid"] for rec in info.services.values()]
    process.kill()  # no chance to clean up: PR_SET_PDEATHSIG must do it
    process.wait()
    all_dead(pids, timeout=5)
    # The runtime.json it left behind is stale, and a new runtime may start.
    assert runtime_file(tmp_path).exists() and read_runtime(tmp_path) is None
    assert harness(tmp_path, "status").returncode == 2


def test_up_says_when_the_standby_is_still_starting_and_when_it_polls(harness_up) -> None:
    process, _info = harness_up  # every service ready in runtime.json
    said = wait_until(lambda: "standby worker-2 polling" in process.output.read_text()
                      and process.output.read_text(), 30, "the standby's line")
    table = said.split("Supervising.")[0]
    # The table was printed when worker-1 polled, before the standby was ready.
    assert [line for line in table.splitlines() if line.startswith("worker-2")
            and "starting" in line], said
    assert "worker-2 (hot standby) is still starting" in said
