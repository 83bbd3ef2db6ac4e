"""Privilege attempts and what a job can learn of the host, in both backends: every
system call the filter must refuse is tried for real, and honest work still runs."""

from __future__ import annotations

import json
import os
import sys

from engine.sandbox import SandboxLimits, run_in_sandbox
from engine.sandbox.hostile_probes import allowed_calls, leaked_paths
from tests.sandbox.support import make_runner, make_script_job
from tests.security import hostile

LIMITS = SandboxLimits(timeout_s=60.0)


async def _job(tmp_path, backend: str, script: str, *args: str):
    result = await run_in_sandbox(make_script_job(tmp_path, script), backend=backend,
                                  limits=LIMITS, label=f"security-{backend}",
                                  command=["python3", "/job/probe.py", *args],
                                  runner=make_runner(tmp_path))
    assert result.reason == "ok", result
    return json.loads(result.stdout.strip().splitlines()[-1])


async def test_privileged_system_calls_are_refused(tmp_path, backend):
    seen = await _job(tmp_path, backend, hostile.SYSCALLS)
    allowed = allowed_calls(seen)
    assert not allowed, f"{backend} let these through: {allowed} (all: {seen})"


async def test_honest_jobs_still_fork_thread_and_run_subprocesses(tmp_path, backend):
    assert await _job(tmp_path, backend, hostile.STILL_WORKS) == {"child": "42"}


async def test_the_job_sees_no_host_path(tmp_path, backend, monkeypatch):
    monkeypatch.setenv("PATH", f"{sys.prefix}/bin:{os.environ.get('PATH', '')}")
    seen = await _job(tmp_path, backend, hostile.LOOKS_AROUND)
    assert seen["mountinfo"].count("\n") > 3, seen  # it did read the table
    assert not leaked_paths(seen), f"{backend} shows {leaked_paths(seen)}:\n{seen}"
