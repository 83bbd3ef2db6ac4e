"""Privilege attempts and what a job can learn of the host, in both backends: every
system call the filter must refuse is tried for real, and honest work still runs."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from engine.sandbox import SandboxLimits, run_in_sandbox
from engine.sandbox.staging import PREFIX
from tests.sandbox.support import make_runner, make_script_job
from tests.security import hostile

LIMITS = SandboxLimits(timeout_s=60.0)
DENIED = ("EPERM", "EACCES", "ENOSYS")


async def _job(tmp_path, backend: str, script: str, *args: str):
    result = await run_in_sandbox(make_script_job(tmp_path, script), backend=backend,
                                  limits=LIMITS, label=f"security-{backend}",
                                  command=["python3", "/job/probe.py", *args],
                                  runner=make_runner(tmp_path))
    assert result.reason == "ok", result
    return json.loads(result.stdout.strip().splitlines()[-1])


async def test_privileged_system_calls_are_refused(tmp_path, backend):
    seen = await _job(tmp_path, backend, hostile.SYSCALLS)
    allowed = {call: what for call, what in seen.items()
               if what not in DENIED and what != "refused"}
    assert not allowed, f"{backend} let these through: {allowed} (all: {seen})"


async def test_honest_jobs_still_fork_thread_and_run_subprocesses(tmp_path, backend):
    assert await _job(tmp_path, backend, hostile.STILL_WORKS) == {"child": "42"}


def _host_paths() -> list[str]:
    """What names the worker's host: its staging and temp folders, its checkout and
    virtualenv, every PATH entry beyond the system's own. (bwrap's command line may say
    "harness-sbx-<worker pid>-<label>": that names the job, no host path.)"""
    paths = [f"{tempfile.gettempdir()}/{PREFIX}", tempfile.gettempdir() + "/", sys.prefix,
             os.getcwd()]
    paths += [p for p in os.environ.get("PATH", "").split(":")
              if p and p not in ("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin",
                                 "/usr/local/sbin")]
    return sorted(set(paths))


async def test_the_job_sees_no_host_path(tmp_path, backend, monkeypatch):
    monkeypatch.setenv("PATH", f"{sys.prefix}/bin:{os.environ.get('PATH', '')}")
    seen = await _job(tmp_path, backend, hostile.LOOKS_AROUND)
    for where, text in seen.items():
        leaked = [p for p in _host_paths() if p in text]
        assert not leaked, f"{backend}: {where} shows {leaked}:\n{text}"
