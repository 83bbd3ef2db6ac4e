"""When the process awaiting a sandbox is SIGKILLed (a worker dying mid-backtest), nothing
of the sandbox survives: bwrap's die with their parent; a Docker container outlives its
client and is removed by reap_orphans() at the next worker start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest

from engine.sandbox import SandboxUnavailable, check_backend, reap_orphans
from tests.runtime.helpers import wait_until
from tests.sandbox.support import make_runner, make_script_job, processes_mentioning

ROOT = Path(__file__).parents[2]


def _doomed_caller(job: Path, runner: Path, backend: str, label: str) -> subprocess.Popen:
    """A process that awaits one sandbox running `sleep`, until it is killed."""
    code = textwrap.dedent(f"""
        import asyncio
        from pathlib import Path
        from engine.sandbox import SandboxLimits, run_in_sandbox
        asyncio.run(run_in_sandbox(Path({str(job)!r}), backend={backend!r}, label={label!r},
                                   limits=SandboxLimits(timeout_s=300.0),
                                   command=["python3", "/job/probe.py", {label!r}],
                                   runner=Path({str(runner)!r})))
    """)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_a_killed_caller_takes_its_bwrap_sandbox_with_it(tmp_path):
    label = f"t-die-{uuid.uuid4().hex}"
    job = make_script_job(tmp_path, "import time\ntime.sleep(600)\n")
    caller = _doomed_caller(job, make_runner(tmp_path), "bwrap", label)
    try:
        # bwrap (its command line names the staging dir) and the job (its argument).
        wait_until(lambda: len(processes_mentioning(label)) >= 2, 30.0,
                   "the sandbox and its job to start")
    finally:
        _kill(caller)
    wait_until(lambda: not processes_mentioning(label), 10.0,
               "the sandbox to die with its caller")
    assert _stages_of(caller) != []  # the killed caller could not remove its job copy
    reap_orphans()
    assert _stages_of(caller) == []


def _stages_of(caller: subprocess.Popen) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"harness-sbx-{caller.pid}-*"))


def _containers(label: str) -> list[str]:
    done = subprocess.run(["docker", "ps", "-aq", "--filter",
                           f"label=org.durable-agent.job={label}"],
                          capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_a_killed_callers_container_is_reaped_at_the_next_start(tmp_path):
    try:
        check_backend("docker")
    except SandboxUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: the Docker sandbox must run here, but {exc}")
        pytest.skip(f"{exc} (CI is not 'true', so this may skip; .ci/run provides Docker)")
    label = f"t-die-{uuid.uuid4().hex}"
    job = make_script_job(tmp_path, "import time\ntime.sleep(600)\n")
    caller = _doomed_caller(job, make_runner(tmp_path), "docker", label)
    try:
        wait_until(lambda: _containers(label), 60.0, "the container to start")
    finally:
        _kill(caller)
    assert _containers(label), "the container outlives its killed client (what reaping is for)"
    assert reap_orphans() >= 1
    assert _containers(label) == []
    assert _stages_of(caller) == []
