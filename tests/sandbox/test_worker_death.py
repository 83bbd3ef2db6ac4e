"""When the process awaiting a sandbox is SIGKILLed (a worker dying mid-backtest), nothing
of the sandbox survives the next worker start: bwrap's die with their parent (nearly
always: reap_orphans() kills the rare survivor); a Docker container outlives its client
and is removed by reap_orphans()."""

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
from engine.sandbox.staging import kill_stray_sandboxes
from tests.runtime.helpers import wait_until
from tests.sandbox.support import make_runner, make_script_job, processes_mentioning

ROOT = Path(__file__).parents[2]


def _doomed_caller(job: Path, runner: Path, backend: str, label: str,
                   tmp: Path | None = None) -> subprocess.Popen:
    """A process that awaits one sandbox running `sleep`, until it is killed; with `tmp`,
    its job copies go there (TMPDIR) instead of the machine's shared temp directory."""
    code = textwrap.dedent(f"""
        import asyncio
        from pathlib import Path
        from engine.sandbox import SandboxLimits, run_in_sandbox
        asyncio.run(run_in_sandbox(Path({str(job)!r}), backend={backend!r}, label={label!r},
                                   limits=SandboxLimits(timeout_s=300.0),
                                   command=["python3", "/job/probe.py", {label!r}],
                                   runner=Path({str(runner)!r})))
    """)
    env = {**os.environ, "TMPDIR": str(tmp)} if tmp else None
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_a_killed_caller_takes_its_bwrap_sandbox_with_it(tmp_path, monkeypatch):
    # A temp directory of its own: any worker starting elsewhere on this machine reaps
    # the shared one, and could remove the dead caller's copy before this test looks.
    private_tmp = Path(tempfile.mkdtemp(prefix="harness-test-tmp-"))
    private_tmp.chmod(0o755)  # the sandbox's unprivileged user reads the copies in it
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    label = f"t-die-{uuid.uuid4().hex}"
    job = make_script_job(tmp_path, "import time\ntime.sleep(600)\n")
    caller = _doomed_caller(job, make_runner(tmp_path), "bwrap", label, tmp=private_tmp)
    try:
        # bwrap (its command line names the staging dir) and the job (its argument).
        wait_until(lambda: len(processes_mentioning(label)) >= 2, 30.0,
                   "the sandbox and its job to start")
    finally:
        _kill(caller)
    assert _stages_of(caller) != []  # the killed caller could not remove its job copy
    try:
        wait_until(lambda: not processes_mentioning(label), 10.0,
                   "the sandbox to die with its caller")
    except AssertionError:
        print("\nbwrap outlived its caller: left to reap_orphans()")
    reap_orphans()  # what the next worker start does
    wait_until(lambda: not processes_mentioning(label), 10.0, "the sandbox to be gone")
    assert _stages_of(caller) == []
    private_tmp.rmdir()  # nothing else was left in it


def test_reaping_kills_a_sandbox_whose_caller_is_dead_and_spares_a_live_ones(monkeypatch):
    private_tmp = Path(tempfile.mkdtemp(prefix="harness-test-tmp-"))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    dead = subprocess.Popen(["true"])
    dead.wait()
    # Stand-ins for sandboxes: their command lines name a job copy, as bwrap's do.
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    orphan = subprocess.Popen([*sleeper, f"{private_tmp}/harness-sbx-{dead.pid}-x-1/job"])
    kept = subprocess.Popen([*sleeper, f"{private_tmp}/harness-sbx-{os.getpid()}-x-2/job"])
    # bwrap itself names its copy in argv[0] only, without the folder (no host path for
    # the job to read in its pid 1's command line).
    named = subprocess.Popen([f"harness-sbx-{dead.pid}-x-3-", "-c", "import time; "
                              "time.sleep(60)"], executable=sys.executable)
    try:
        # Popen returns once exec has begun, but the kernel sets the new command line a
        # moment later (/proc/PID/cmdline reads empty until then): on a loaded machine the
        # reaper could scan before it and see nothing to match. A sandbox the reaper is
        # for has long been running, so wait for what it would see.
        for proc in (orphan, kept, named):
            wait_until(lambda p=proc: _command_line(p).startswith(p.args[0].encode()), 10.0,
                       f"pid {proc.pid} to show its command line")
        # The session's supervised runtime may restart a worker at any moment, and every
        # worker start reaps too (the same function, in its own process): it can kill a
        # stray first. So count at least one here, and check every outcome.
        assert kill_stray_sandboxes() >= 1
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert named.wait(timeout=10) == -signal.SIGKILL
        assert kept.poll() is None
    finally:
        for proc in (orphan, kept, named):
            proc.kill()
            proc.wait()
        private_tmp.rmdir()


def _command_line(proc: subprocess.Popen) -> bytes:
    try:
        return Path(f"/proc/{proc.pid}/cmdline").read_bytes()
    except OSError:
        return b""


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
