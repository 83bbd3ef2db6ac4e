"""`harness up --agent` (what `make run` runs): the runtime, then the agent's live feed;
a second start re-attaches to the same agent instead of starting another."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.runtime.helpers import REPO, OutputLines, cli_argv


def _up(home: Path) -> tuple[subprocess.Popen, OutputLines]:
    process = subprocess.Popen(cli_argv(home, "up", "--agent", "--headless"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=REPO)
    return process, OutputLines(process)


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def test_up_with_agent_prints_decisions_and_reattaches_after_a_restart(tmp_path: Path):
    process, out = _up(tmp_path)
    try:
        started = out.wait_for("[agent] started ", 90, "the agent to start")
        out.wait_for("[agent] t2 ", 60, "a decision in the feed")
    finally:
        _stop(process)
    assert process.returncode == 0, "\n".join(out.lines)
    workflow_id = started.removeprefix("[agent] started ").strip()

    again, out2 = _up(tmp_path)  # the SQLite store kept the agent: pick it up
    try:
        line = out2.wait_for("[agent] re-attached to ", 90, "re-attach")
    finally:
        _stop(again)
    assert line.endswith(workflow_id)
