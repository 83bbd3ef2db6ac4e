"""`harness up --agent` (what `make run` runs): the runtime, then the agent's live feed;
a second start re-attaches to the same agent instead of starting another."""

from __future__ import annotations

import signal
import subprocess
import threading
from pathlib import Path

from tests.runtime.helpers import REPO, cli_argv, wait_until


class _Lines:
    """Collects a process's output lines on a thread, so the test can wait for one."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def first(self, prefix: str) -> str | None:
        return next((line for line in self.lines if line.startswith(prefix)), None)


def _up(home: Path) -> tuple[subprocess.Popen, _Lines]:
    process = subprocess.Popen(cli_argv(home, "up", "--agent", "--headless"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=REPO)
    return process, _Lines(process)


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def test_up_with_agent_prints_decisions_and_reattaches_after_a_restart(tmp_path: Path):
    process, out = _up(tmp_path)
    try:
        started = wait_until(lambda: out.first("[agent] started "), 90, "the agent to start")
        wait_until(lambda: out.first("[agent] t2 "), 60, "a decision in the feed")
    finally:
        _stop(process)
    assert process.returncode == 0, "\n".join(out.lines)
    workflow_id = started.removeprefix("[agent] started ").strip()

    again, out2 = _up(tmp_path)  # the SQLite store kept the agent: pick it up
    try:
        line = wait_until(lambda: out2.first("[agent] re-attached to "), 90, "re-attach")
    finally:
        _stop(again)
    assert line.endswith(workflow_id)
