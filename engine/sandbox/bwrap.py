"""The bubblewrap backend: the job in fresh namespaces, seeing only what it needs.

Only /usr (and the few /etc files the loader needs) are bound, read-only, never `/`: the
host's /run/docker.sock, home directories and the worker's files stay out of sight.
No network (--unshare-all), a size-limited tmpfs at /tmp, rlimits set by prlimit inside
the sandbox (address space, CPU seconds, file size, processes), a seccomp filter
(engine/sandbox/seccomp.py: no ptrace, no new namespaces, no mount, keyctl, bpf or
perf_event_open) and --disable-userns. At the limit, on cancellation and after bwrap
exits, the sandbox's pid-namespace init is killed (engine/sandbox/pidns.py), which ends
every process in it: nothing inside can outlive its sandbox.
When the worker runs as root, bwrap runs as uid 65534: the kernel does not enforce
RLIMIT_NPROC for root, so a fork bomb would only be stopped by the wall clock.

What the job can see of bwrap (its pid 1 is a fork of it): bwrap's arguments come in
through a pipe (--args), so its command line names no host path, only
"harness-sbx-<worker pid>-<label>-<random>", the name of the job's staged copy without
its folder (how kill_stray_sandboxes finds a dead worker's sandboxes); its environment
is a bare PATH.
"""

from __future__ import annotations

import asyncio
import functools
import math
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from engine.sandbox import bwrap_python
from engine.sandbox.limits import SandboxLimits, SandboxResult, SandboxUnavailable
from engine.sandbox.paths import JOB_MOUNT, RUNNER_MOUNT
from engine.sandbox.pidns import SandboxInit
from engine.sandbox.process import Completed, run_bounded
from engine.sandbox.seccomp import UnsupportedArchitecture, bpf_program
from engine.sandbox.staging import PREFIX, Staged, safe_label

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
# bwrap's own environment, which its pid 1 (visible to the job) inherits: no more.
HOST_ENV = {"PATH": "/usr/bin:/bin"}
# Loader and alternatives links (libblas.so.3 -> /etc/alternatives/...) numpy needs.
ETC_FILES = ("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime")
_checked_ok = False


@functools.cache
def disables_userns() -> bool:
    """Whether this bwrap has --disable-userns (0.8 and later). Without it, the seccomp
    filter alone refuses new user namespaces (unshare, clone's flags, clone3)."""
    try:
        done = subprocess.run([shutil.which("bwrap") or "bwrap", "--help"],
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--disable-userns" in done.stdout + done.stderr


def _root_links() -> list[str]:
    """Debian's merged /usr: /bin, /lib, /lib64, /sbin are links into /usr; recreate them."""
    args: list[str] = []
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def build_args(limits: SandboxLimits, command: Sequence[str], *, files: list[str],
               seccomp_fd: int, info_fd: int) -> list[str]:
    """bwrap's arguments (after the program name), read by bwrap from a descriptor.
    `files`: the --dir/--file arguments that copy the job and the runner in."""
    argv = ["--unshare-all", "--unshare-user", *(["--disable-userns"] if disables_userns()
                                                   else []), "--die-with-parent",
            "--new-session", "--clearenv", "--seccomp", str(seccomp_fd),
            "--info-fd", str(info_fd),
            "--hostname", "sandbox", "--ro-bind", "/usr", "/usr", *_root_links()]
    for path in ETC_FILES:
        argv += ["--ro-bind-try", path, path]
    python = bwrap_python.select()  # the machine's, or one carried (read-only /opt/python)
    argv += list(python.mounts)
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    argv += files
    # bwrap's own root is a tmpfs without a size limit: make it read-only, so /tmp (sized)
    # is the only place the job can write.
    argv += ["--remount-ro", "/", "--remount-ro", "/dev"]
    for key, value in {**SANDBOX_ENV, **python.env}.items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", "/tmp"]
    return argv


def inner_command(limits: SandboxLimits, command: Sequence[str]) -> list[str]:
    """What bwrap runs (on its own command line: an --args file holds options only)."""
    return ["/usr/bin/prlimit",
            f"--as={limits.memory_mb * 1024 * 1024}",
            # soft:hard. With the two equal the kernel sends SIGKILL, not SIGXCPU, when the
            # CPU seconds run out, and the run reads as 'killed' instead of 'timeout'.
            f"--cpu={math.ceil(limits.timeout_s)}:{math.ceil(limits.timeout_s) + 1}",
            f"--fsize={limits.file_size_mb * 1024 * 1024}",
            f"--nproc={limits.pids}",
            "--", *command]


@dataclass
class Launch:
    """One bwrap invocation: argv (the program name, then `--args FD`), the descriptors it
    inherits, and our end of its info pipe."""

    argv: list[str]
    executable: str
    pass_fds: tuple[int, ...]
    init: SandboxInit
    opened: list[int]

    def close_fds(self) -> None:
        """Our copies of what bwrap inherited: once it runs, bwrap has its own (and our
        write end of the info pipe would keep it from ever reaching end of file)."""
        while self.opened:
            os.close(self.opened.pop())


def _fd_with(data: bytes, opened: list[int]) -> int:
    """A memory file holding `data`, read from its start (bwrap reads it to the end)."""
    fd = os.memfd_create("bwrap-data")
    opened.append(fd)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _copied_in(staged: Staged | None, opened: list[int]) -> list[str]:
    """--dir/--file arguments that copy the job and the runner into the sandbox's own
    (read-only) root. WHY not --ro-bind: a bind mount's source, the host path of the
    job's copy, shows in the job's /proc/self/mountinfo."""
    if staged is None:
        return []
    args: list[str] = []
    for source, mount in ((staged.job, JOB_MOUNT), (staged.runner, RUNNER_MOUNT)):
        for folder, dirs, names in os.walk(source):
            dirs.sort()
            inside = mount + folder[len(str(source)):]
            args += ["--dir", inside]
            for name in sorted(names):
                path = os.path.join(folder, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue  # a link would point at nothing inside: leave it out
                with open(path, "rb") as f:
                    args += ["--file", str(_fd_with(f.read(), opened)), f"{inside}/{name}"]
    return args


@contextmanager
def launch(staged: Staged | None, limits: SandboxLimits, command: Sequence[str],
           label: str) -> Iterator[Launch]:
    try:
        program = bpf_program()
    except UnsupportedArchitecture as exc:
        raise SandboxUnavailable(f"bwrap: {exc}") from None
    opened: list[int] = []
    info_read, info_write = os.pipe()
    os.set_blocking(info_read, False)
    init = SandboxInit(info_read)
    opened.append(info_write)
    try:
        args = build_args(limits, command, files=_copied_in(staged, opened),
                          seccomp_fd=_fd_with(program, opened), info_fd=info_write)
        args_fd = _fd_with(b"".join(a.encode() + b"\0" for a in args), opened)
        # The staged copy's own name (harness-sbx-<worker pid>-<label>-<random>), without
        # the folder it is in: what kill_stray_sandboxes and the tests look for.
        marker = staged.job.parent.name if staged else f"{PREFIX}{os.getpid()}-{safe_label(label)}-"
        yield Launch(argv=[marker, "--args", str(args_fd), "--", *inner_command(limits, command)],
                     executable=shutil.which("bwrap") or "bwrap",
                     pass_fds=tuple(opened), init=init, opened=opened)
    finally:
        while opened:
            os.close(opened.pop())
        init.close()


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
    try:
        with launch(None, SandboxLimits(timeout_s=30),
                    [python.executable, "-c", f"import {python.imports}"], "check") as trial:
            done = subprocess.run(trial.argv, executable=trial.executable,
                                  pass_fds=trial.pass_fds, capture_output=True, text=True,
                                  timeout=60, env=HOST_ENV, **_privileges())
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
    loop = asyncio.get_running_loop()
    with launch(staged, limits, command, label) as bw:
        init, bwrap_pid = bw.init, [0]

        def learn() -> None:
            """Read bwrap's info pipe as soon as it is readable, until the init is known."""
            fd = init.info_fd
            loop.remove_reader(fd)
            if not init.read_info(bwrap_pid[0]):
                loop.add_reader(fd, learn)

        def on_spawn(proc: asyncio.subprocess.Process) -> None:
            bwrap_pid[0] = proc.pid
            bw.close_fds()
            loop.add_reader(init.info_fd, learn)

        def kill_namespace() -> None:
            if init.info_fd >= 0:  # killed before the reader ran: learn the init now
                learn()
            init.kill()

        try:
            done = await run_bounded(bw.argv, limits.timeout_s, env=HOST_ENV,
                                     executable=bw.executable, pass_fds=bw.pass_fds,
                                     on_spawn=on_spawn, kill_also=kill_namespace,
                                     **_privileges())
        finally:
            if init.info_fd >= 0:
                loop.remove_reader(init.info_fd)
    return SandboxResult(backend=NAME, exit_code=done.returncode, stdout=done.stdout,
                         stderr=done.stderr, reason=classify(done), duration_s=done.duration_s)
