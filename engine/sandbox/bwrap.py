"""The bubblewrap backend: the job in fresh namespaces, seeing only what it needs.

Only /usr (and the few /etc files the loader needs) are bound, read-only, never `/`: the
host's /run/docker.sock, home directories and the worker's files stay out of sight.
No network (--unshare-all), a size-limited tmpfs at /tmp, rlimits set by prlimit inside
the sandbox (address space, CPU seconds, file size, processes), and --die-with-parent so
the sandbox dies with the bwrap process we kill on timeout or cancellation.
When the worker runs as root, bwrap runs as uid 65534: the kernel does not enforce
RLIMIT_NPROC for root, so a fork bomb would only be stopped by the wall clock.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence

from engine.sandbox import bwrap_python
from engine.sandbox.limits import SandboxLimits, SandboxResult, SandboxUnavailable
from engine.sandbox.paths import JOB_MOUNT, RUNNER_MOUNT
from engine.sandbox.process import Completed, run_bounded
from engine.sandbox.staging import Staged

NAME = "bwrap"
NOBODY = 65534
PYTHON = bwrap_python.SYSTEM_PYTHON  # unless a carried one is selected (bwrap_python.py)
SANDBOX_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    # One BLAS thread: threads count against the process limit, and each reserves memory.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
# Loader and alternatives links (libblas.so.3 -> /etc/alternatives/...) numpy needs.
ETC_FILES = ("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime")
_checked_ok = False


def _root_links() -> list[str]:
    """Debian's merged /usr: /bin, /lib, /lib64, /sbin are links into /usr; recreate them."""
    args: list[str] = []
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def build_argv(staged: Staged | None, limits: SandboxLimits, command: Sequence[str]) -> list[str]:
    bwrap = shutil.which("bwrap") or "bwrap"
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
            "--hostname", "sandbox", "--ro-bind", "/usr", "/usr", *_root_links()]
    for path in ETC_FILES:
        argv += ["--ro-bind-try", path, path]
    python = bwrap_python.select()  # the machine's, or one carried (read-only /opt/python)
    argv += list(python.mounts)
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    if staged is not None:
        argv += ["--ro-bind", str(staged.job), JOB_MOUNT, "--ro-bind", str(staged.runner),
                 RUNNER_MOUNT]
    # bwrap's own root is a tmpfs without a size limit: make it read-only, so /tmp (sized)
    # is the only place the job can write.
    argv += ["--remount-ro", "/", "--remount-ro", "/dev"]
    for key, value in {**SANDBOX_ENV, **python.env}.items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", "/tmp", "--",
             "/usr/bin/prlimit",
             f"--as={limits.memory_mb * 1024 * 1024}",
             f"--cpu={math.ceil(limits.timeout_s)}",
             f"--fsize={limits.file_size_mb * 1024 * 1024}",
             f"--nproc={limits.pids}",
             "--", *command]
    return argv


def _privileges() -> dict:
    if os.geteuid() == 0:
        return {"user": NOBODY, "group": NOBODY, "extra_groups": []}
    return {}


def check_available() -> None:
    """Raise SandboxUnavailable (one line: why) unless a bwrap sandbox can run the
    runner's Python with numpy and pandas here. Trial-runs it once per process."""
    global _checked_ok
    if _checked_ok:
        return
    for tool in ("bwrap", "prlimit"):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(f"bwrap: `{tool}` is not installed (Debian: apt-get install "
                                     f"{'bubblewrap' if tool == 'bwrap' else 'util-linux'})")
    python = bwrap_python.select()
    if python.origin == "system" and not os.path.exists(PYTHON):
        raise SandboxUnavailable(f"bwrap: {PYTHON} is missing (Debian: apt-get install python3)")
    trial = build_argv(None, SandboxLimits(timeout_s=30),
                       [python.executable, "-c", f"import {python.imports}"])
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=60,
                              **_privileges())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bwrap: trial sandbox failed: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        if "No module named" in last and python.origin == "system":
            last += " (Debian: apt-get install python3-numpy python3-pandas)"
        raise SandboxUnavailable(f"bwrap: trial sandbox failed: {last}")
    _checked_ok = True


def classify(done: Completed) -> str:
    """Why the run ended, from what bwrap reports (it exits 128+N when the job died of
    signal N) and what the job's Python said on its way out."""
    if done.timed_out:
        return "timeout"
    code = done.returncode
    if code == 0:
        return "ok"
    tail = done.stderr[-2000:]
    if "MemoryError" in tail or "Cannot allocate memory" in tail or "std::bad_alloc" in tail:
        return "memory"
    if code is not None and code > 128:
        signum = code - 128
        # prlimit --cpu: the kernel sends SIGXCPU when the CPU seconds are spent.
        return "timeout" if signum == signal.SIGXCPU else "killed"
    if done.stderr.startswith("bwrap:"):
        return "error"
    return "exit"


async def run(staged: Staged, limits: SandboxLimits, command: Sequence[str],
              label: str) -> SandboxResult:
    del label  # a bwrap sandbox dies with its parent: nothing to label for reaping
    done = await run_bounded(build_argv(staged, limits, command), limits.timeout_s,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                             **_privileges())
    return SandboxResult(backend=NAME, exit_code=done.returncode, stdout=done.stdout,
                         stderr=done.stderr, reason=classify(done), duration_s=done.duration_s)
