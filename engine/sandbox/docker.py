"""The Docker backend: one airgapped, read-only, unprivileged container per job.

No network, read-only root, a sized tmpfs at /tmp, memory (no swap), CPU and pids limits,
every capability dropped, no new privileges, a seccomp profile without ptrace (engine/
sandbox/seccomp.py), uid 65534, the job and runner streamed in on stdin (engine/sandbox/
delivery.py: no bind mount, so the mount table names no host path of the worker),
no log driver (an endless printer must not fill the daemon's disk). The container is
labelled with its owner (host, worker pid and that pid's start time, so a reused pid is
not mistaken for the owner) and removed when the run ends, times out or is cancelled;
reap_orphans() at worker start removes those a killed worker left behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from engine.sandbox import delivery
from engine.sandbox.limits import SandboxLimits, SandboxResult, SandboxUnavailable
from engine.sandbox.paths import image_tag
from engine.sandbox.process import Completed, run_bounded
from engine.sandbox.seccomp import docker_profile
from engine.sandbox.staging import Staged

log = logging.getLogger("harness.sandbox")

NAME = "docker"
SANDBOX_LABEL = "org.durable-agent.sandbox"
OWNER_LABEL = "org.durable-agent.owner"
JOB_LABEL = "org.durable-agent.job"
CLI_TIMEOUT_S = 20.0
# Inside the container too, so a container whose worker died stops on its own.
INNER_GRACE_S = 5
CHECK_HOLDS_S = 10.0
_ok_until = 0.0


def _start_time(pid: int) -> str | None:
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22: start time in clock ticks


def owner_id(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def owner_alive(owner: str) -> bool:
    """False only when we can tell: same host, and that pid is gone or is another process."""
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's worker: not ours to judge
    return _start_time(int(pid)) == started


def _cli() -> str:
    path = shutil.which("docker")
    if path is None:
        raise SandboxUnavailable("docker: the docker CLI is not installed "
                                 "(Debian: apt-get install docker.io)")
    return path


def _docker(*args: str, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run([_cli(), *args], capture_output=True, text=True, timeout=timeout)


def check_available() -> None:
    """Raise SandboxUnavailable unless the daemon answers and the image is there. A success
    holds for a few seconds: a fan-out of N jobs need not ask the daemon 2N more times, and
    a daemon that dies meanwhile shows as an "error" run, which says so."""
    global _ok_until
    if time.monotonic() < _ok_until:
        return
    try:
        version = _docker("version", "--format", "{{.Server.Version}}")
    except subprocess.TimeoutExpired:
        raise SandboxUnavailable("docker: the daemon does not answer (timed out)") from None
    if version.returncode != 0:
        last = (version.stderr.strip().splitlines() or ["no output"])[-1]
        raise SandboxUnavailable(f"docker: the daemon does not answer: {last}")
    tag = image_tag()
    if _docker("image", "inspect", tag).returncode != 0:
        raise SandboxUnavailable(f"docker: image {tag} is missing "
                                 "(build it: python3 sandbox/build_image.py)")
    _ok_until = time.monotonic() + CHECK_HOLDS_S


def seccomp_profile_path() -> str:
    """The profile as a file for the docker CLI (it reads it and sends it to the daemon).
    Named by its content, so every worker shares one file and a new list gets a new one."""
    text = docker_profile()
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"harness-seccomp-{digest}.json"
    if not path.exists():
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(text)
        os.replace(scratch, path)  # atomic: a concurrent worker never reads half a file
    return str(path)


def build_argv(staged: Staged, limits: SandboxLimits, command: Sequence[str], name: str,
               label: str) -> list[str]:
    del staged  # streamed on stdin (delivery.tar_of), never mounted
    mb = 1024 * 1024
    wall = math.ceil(limits.timeout_s)
    job_tmpfs = [arg for folder in delivery.folders() for arg in (
        "--tmpfs", f"{folder}:rw,nosuid,nodev,noexec,size={limits.tmpfs_mb}m,"
                   "uid=65534,gid=65534,mode=0755")]
    return [
        _cli(), "run", "-i", "--name", name,
        "--label", f"{SANDBOX_LABEL}=1", "--label", f"{OWNER_LABEL}={owner_id()}",
        "--label", f"{JOB_LABEL}={label}",
        # --ipc none: no /dev/shm, a second writable tmpfs the job does not need.
        "--network", "none", "--ipc", "none", "--read-only",
        "--tmpfs", f"/tmp:rw,nosuid,nodev,size={limits.tmpfs_mb}m,mode=1777",
        "--memory", f"{limits.memory_mb}m", "--memory-swap", f"{limits.memory_mb}m",
        "--cpus", str(limits.cpus), "--pids-limit", str(limits.pids),
        "--ulimit", f"fsize={limits.file_size_mb * mb}", "--ulimit", f"cpu={wall}",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--security-opt", f"seccomp={seccomp_profile_path()}", *job_tmpfs,
        "--user", "65534:65534", "--log-driver", "none", "--workdir", "/tmp",
        image_tag(),
        "timeout", "-s", "KILL", str(wall + INNER_GRACE_S), *delivery.bootstrap_command(command),
    ]


def _inspect(name: str) -> tuple[bool, int | None]:
    try:
        done = _docker("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", name)
    except subprocess.TimeoutExpired:
        return False, None
    if done.returncode != 0:
        return False, None
    oom, _, code = done.stdout.strip().partition(" ")
    return oom == "true", int(code) if code.lstrip("-").isdigit() else None


def _remove(name: str) -> None:
    """Never raises: a daemon too slow to answer leaves the container to reap_orphans()."""
    try:
        done = _docker("rm", "-f", name)
    except subprocess.TimeoutExpired:
        log.warning("could not remove sandbox container %s: docker timed out", name)
        return
    if done.returncode != 0 and "No such container" not in done.stderr:
        log.warning("could not remove sandbox container %s: %s", name, done.stderr.strip())


def classify(done: Completed, oom_killed: bool) -> str:
    if done.timed_out:
        return "timeout"
    if oom_killed:
        return "memory"
    code = done.returncode
    if code == 0:
        return "ok"
    tail = done.stderr[-2000:]
    if code in (125, 126, 127) and ("docker:" in tail or "Error response" in tail):
        return "error"  # the container never ran the job
    if "MemoryError" in tail or "Cannot allocate memory" in tail:
        return "memory"
    if code is not None and code > 128:
        return "timeout" if code - 128 == signal.SIGXCPU else "killed"
    return "exit"


async def run(staged: Staged, limits: SandboxLimits, command: Sequence[str],
              label: str) -> SandboxResult:
    name = f"harness-sbx-{uuid.uuid4().hex[:12]}"
    argv = build_argv(staged, limits, command, name, label)
    try:
        done = await run_bounded(argv, limits.timeout_s, stdin_data=delivery.tar_of(staged))
        # Only a failure needs the daemon's word on why (OOM): one CLI call less per success.
        oom_killed = False
        if done.returncode not in (0, None):
            oom_killed, _ = await asyncio.to_thread(_inspect, name)
    finally:
        # On success, timeout and cancellation alike: the container goes. Shielded, so a
        # second cancellation cannot leave it behind.
        await asyncio.shield(asyncio.to_thread(_remove, name))
    return SandboxResult(backend=NAME, exit_code=done.returncode, stdout=done.stdout,
                         stderr=done.stderr, reason=classify(done, oom_killed),
                         duration_s=done.duration_s)


def reap_orphans() -> int:
    """Remove our labelled containers whose owning worker (on this host) is dead.
    Called at worker start; 0 when Docker is absent or does not answer."""
    if shutil.which("docker") is None:
        return 0
    try:
        listed = _docker("ps", "-a", "--filter", f"label={SANDBOX_LABEL}", "--format",
                         f'{{{{.ID}}}}\t{{{{.Label "{OWNER_LABEL}"}}}}')
    except subprocess.TimeoutExpired:
        return 0
    if listed.returncode != 0:
        return 0
    reaped = 0
    for line in listed.stdout.splitlines():
        container, _, owner = line.partition("\t")
        if container and not owner_alive(owner):
            _remove(container)
            reaped += 1
    if reaped:
        log.info("removed %d sandbox container(s) left by dead workers", reaped)
    return reaped
