"""The bubblewrap backend, for real: bwrap, prlimit and Debian's python3 with numpy/pandas."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from engine.sandbox import SandboxLimits, SandboxUnavailable, bwrap, resolve_backend, run_in_sandbox
from engine.sandbox.probes import probes, run_probe
from engine.sandbox.process import OUTPUT_CAP
from tests.runtime.helpers import wait_until, wait_until_async
from tests.sandbox.support import (
    make_job,
    make_runner,
    make_script_job,
    processes_mentioning,
)

FAST = SandboxLimits(timeout_s=20.0)


async def test_runs_the_runner_on_the_job_and_returns_its_json(tmp_path):
    result = await run_in_sandbox(make_job(tmp_path, fast=9), backend="bwrap", limits=FAST,
                                  label="t-ok", runner=make_runner(tmp_path))
    assert (result.backend, result.reason, result.exit_code) == ("bwrap", "ok", 0), result.stderr
    assert json.loads(result.stdout) == {"echo": {"strategy": "strategy.py", "fast": 9},
                                         "rows": 2, "mean": 2.0}


@pytest.mark.parametrize("probe", probes(), ids=lambda p: p.name)
async def test_isolation_probe(probe, monkeypatch):
    # A secret in the worker's environment must not reach the job.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    result, problem = await run_probe(probe, "bwrap")
    assert problem is None, f"{probe.claim}: {problem}\n{result}"


async def test_the_caller_survives_a_hog_and_runs_the_next_job(tmp_path):
    hog = next(p for p in probes() if p.name == "memory_hog")
    await run_probe(hog, "bwrap")
    result = await run_in_sandbox(make_job(tmp_path), backend="bwrap", limits=FAST,
                                  label="t-after", runner=make_runner(tmp_path))
    assert result.reason == "ok", result.stderr


async def test_a_job_that_fails_is_reported_with_its_error(tmp_path):
    job = make_script_job(tmp_path, "import sys\nsys.exit('strategy blew up')\n")
    result = await run_in_sandbox(job, backend="bwrap", limits=FAST, label="t-exit",
                                  command=["python3", "/job/probe.py"],
                                  runner=make_runner(tmp_path))
    assert (result.reason, result.exit_code) == ("exit", 1)
    assert "strategy blew up" in result.stderr


async def test_endless_output_is_capped(tmp_path):
    job = make_script_job(tmp_path, "import sys\nfor _ in range(64):\n"
                                    "    sys.stdout.write('x' * 65536)\n")
    result = await run_in_sandbox(job, backend="bwrap", limits=FAST, label="t-cap",
                                  command=["python3", "/job/probe.py"],
                                  runner=make_runner(tmp_path))
    assert result.reason == "ok"
    assert OUTPUT_CAP <= len(result.stdout) < OUTPUT_CAP + 100
    assert result.stdout.endswith(f"[... {64 * 65536 - OUTPUT_CAP} bytes dropped]")


async def test_cancelling_the_caller_kills_the_sandbox(tmp_path):
    job = make_script_job(tmp_path, "while True:\n    pass\n")
    label = f"t-cancel-{uuid.uuid4().hex}"
    # The label is in bwrap's command line (the staging dir) and in the job's own (its
    # argument): both the sandbox and what runs inside it must go.
    task = asyncio.create_task(run_in_sandbox(
        job, backend="bwrap", limits=SandboxLimits(timeout_s=60.0), label=label,
        command=["python3", "/job/probe.py", label], runner=make_runner(tmp_path)))
    pids = await wait_until_async(lambda: len(processes_mentioning(label)) >= 2 or None, 20.0,
                                  "the sandbox and its job to start")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    wait_until(lambda: not processes_mentioning(label), 10.0,
               f"sandbox processes {pids} to be gone")


async def test_a_timeout_kills_the_sandbox_and_its_job(tmp_path):
    job = make_script_job(tmp_path, "import time\ntime.sleep(600)\n")  # no CPU: only the clock
    label = f"t-timeout-{uuid.uuid4().hex}"
    result = await run_in_sandbox(job, backend="bwrap", limits=SandboxLimits(timeout_s=2.0),
                                  label=label, command=["python3", "/job/probe.py", label],
                                  runner=make_runner(tmp_path))
    assert (result.reason, result.exit_code) == ("timeout", None)
    assert 2.0 <= result.duration_s < 10.0
    assert processes_mentioning(label) == []


async def test_bad_input_is_refused_with_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        await run_in_sandbox(tmp_path / "missing", backend="bwrap", label="t-bad")
    with pytest.raises(ValueError, match="unknown sandbox backend 'podman'"):
        await run_in_sandbox(make_job(tmp_path), backend="podman", label="t-bad")
    with pytest.raises(ValueError, match="needs a label"):
        await run_in_sandbox(tmp_path, backend="bwrap", label="")
    with pytest.raises(ValueError, match="memory_mb must be a positive integer"):
        SandboxLimits(memory_mb=0)
    with pytest.raises(ValueError, match="timeout_s must be a positive number"):
        SandboxLimits(timeout_s=-1)


def test_resolve_names_bwrap_when_it_works():
    assert resolve_backend("bwrap") == "bwrap"


def test_a_missing_bwrap_is_a_clear_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setattr(bwrap, "_checked_ok", False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap, no prlimit
    with pytest.raises(SandboxUnavailable, match=r"^bwrap: `bwrap` is not installed") as err:
        resolve_backend("bwrap")
    assert "\n" not in str(err.value)
