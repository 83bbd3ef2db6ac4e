"""No process outlives its sandbox: a daemon left behind, or a job holding its output
pipes past its limit, is gone within a second of the limit, on both backends."""

from __future__ import annotations

import time
import uuid

from engine.sandbox import SandboxLimits, run_in_sandbox
from tests.runtime.helpers import wait_until
from tests.sandbox.support import make_runner, make_script_job, processes_mentioning
from tests.security import hostile

GRACE_S = 1.0


async def _run(tmp_path, backend: str, script: str, timeout_s: float):
    marker = f"daemon-{uuid.uuid4().hex}"
    result = await run_in_sandbox(make_script_job(tmp_path, script), backend=backend,
                                  limits=SandboxLimits(timeout_s=timeout_s),
                                  label=f"security-{backend}",
                                  command=["python3", "/job/probe.py", marker],
                                  runner=make_runner(tmp_path))
    return result, marker


async def test_a_daemon_dies_with_its_sandbox(tmp_path, backend):
    result, marker = await _run(tmp_path, backend, hostile.LEAVES_A_DAEMON, 30.0)
    assert result.reason == "ok", result
    ended = time.monotonic()
    # Docker removes its container in the run's own `finally`: nothing may be left.
    assert processes_mentioning(marker) == [], "the daemon outlived its sandbox"
    assert time.monotonic() - ended < GRACE_S


async def test_a_job_holding_its_pipes_ends_at_its_limit(tmp_path, backend):
    started = time.monotonic()
    result, marker = await _run(tmp_path, backend, hostile.OUTLIVES_THE_LIMIT, 3.0)
    assert result.reason == "timeout", result
    assert time.monotonic() - started < 3.0 + GRACE_S + 1.5  # + sandbox start on a busy box
    assert result.duration_s < 3.0 + GRACE_S, result.duration_s
    wait_until(lambda: not processes_mentioning(marker), GRACE_S, "the daemon to be gone")
