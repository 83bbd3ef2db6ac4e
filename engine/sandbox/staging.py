"""A private, world-readable copy of one job and the runner, for one sandboxed run.

Why copy: the sandbox runs as an unprivileged user (uid 65534) that must read the job
and the runner, but the activity's job directory (mkdtemp: mode 0700) and the checkout
may sit where that user cannot traverse. A copy under the temp directory with plain
read permissions fixes both, and the job can no longer change under a running backtest.
The files are small (a strategy, a job.json, price bars), so the copy costs little.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PREFIX = "harness-sbx-"


@dataclass(frozen=True)
class Staged:
    job: Path
    runner: Path


def _open_up(root: Path) -> None:
    os.chmod(root, 0o755)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)


def safe_label(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", label)[:60]


@contextmanager
def staged(job_dir: Path, runner: Path, label: str = "") -> Iterator[Staged]:
    """The label is in the directory's name: a live sandbox can be found by it."""
    if not job_dir.is_dir():
        raise ValueError(f"job directory {job_dir} does not exist or is not a directory")
    if not runner.is_dir():
        raise ValueError(f"sandbox runner directory {runner} does not exist")
    # The owner's pid in the name: reap_stale_stages() knows whose copy it is.
    root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-{safe_label(label)}-"))
    try:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        # symlinks=True: a link in the job is copied as a link (to nowhere inside the
        # sandbox), never followed to a host file.
        shutil.copytree(job_dir, root / "job", symlinks=True, ignore=ignore)
        shutil.copytree(runner, root / "runner", symlinks=True, ignore=ignore)
        _open_up(root)
        yield Staged(job=root / "job", runner=root / "runner")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_stray_sandboxes(folder: Path | None = None) -> int:
    """SIGKILL sandbox processes whose caller is dead (their command line names a copy
    `<temp folder>/harness-sbx-<caller pid>-...`, or starts with `harness-sbx-<caller
    pid>-`: bwrap's argv[0], engine/sandbox/bwrap.py). bwrap's --die-with-parent and our
    own parent-death signal kill them nearly always, but an inner bwrap (the sandbox's
    pid 1) was seen to outlive a SIGKILLed caller about once in eight: this is the
    backstop, run at worker start beside the Docker reaping."""
    marker = f"{Path(folder or tempfile.gettempdir())}/{PREFIX}".encode()
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(PREFIX.encode()):
            rest = cmdline[len(PREFIX):]
        elif (at := cmdline.find(marker)) >= 0:
            rest = cmdline[at + len(marker):]
        else:
            continue
        owner = rest.split(b"-", 1)[0]
        if owner.isdigit() and not _pid_alive(int(owner)):
            try:
                os.kill(int(entry), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


def reap_stale_stages(folder: Path | None = None) -> int:
    """Remove the copies a killed worker left behind (it died before its `finally`).
    Only those whose owner pid is gone: a live worker's running sandbox keeps its copy."""
    removed = 0
    for path in Path(folder or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = path.name[len(PREFIX):].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
