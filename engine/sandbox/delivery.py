"""The job and the runner handed to a Docker container on its stdin, not bind-mounted.

WHY: a bind mount's source (the host path of the job's copy, which names the temp
folder, the worker's pid and the job) shows in the container's /proc/self/mountinfo.
Instead the container gets empty tmpfs folders at /job and /opt/runner, and a small
bootstrap (BOOTSTRAP, run by the image's python3) unpacks a tar we stream on stdin into
them, read-only (mode 0555/0444), then runs the command: in-process when it is a python3
script (one interpreter start, not two), else by exec. The job owns its copy and could
make it writable again: nothing depends on it staying as it was (the worker scores the
exposure series on its own bars).
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Sequence

from engine.sandbox.paths import JOB_MOUNT, RUNNER_MOUNT
from engine.sandbox.staging import Staged

BOOTSTRAP = """\
import io, os, runpy, sys, tarfile
with tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()), mode="r:") as tar:
    tar.extractall("/")
for folder in FOLDERS:
    os.chmod(folder, 0o555)  # as read-only as a mount its owner could chmod anyway
os.close(0)
command = sys.argv[1:]
if command[0] == "python3" and len(command) > 1 and not command[1].startswith("-"):
    sys.argv = command[1:]
    sys.path[0] = os.path.dirname(command[1])
    runpy.run_path(command[1], run_name="__main__")
else:
    os.execvp(command[0], command)
"""


def folders() -> tuple[str, ...]:
    return (JOB_MOUNT, RUNNER_MOUNT)


def bootstrap_command(command: Sequence[str]) -> list[str]:
    script = BOOTSTRAP.replace("FOLDERS", repr(folders()))
    return ["python3", "-c", script, *command]


def tar_of(staged: Staged) -> bytes:
    """An uncompressed tar of the job at /job and the runner at /opt/runner: regular
    files and folders only (a link in the job would point at nothing inside anyway)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        for source, mount in ((staged.job, JOB_MOUNT), (staged.runner, RUNNER_MOUNT)):
            for folder, dirs, names in os.walk(source):
                dirs.sort()
                inside = mount + folder[len(str(source)):]
                if inside not in folders():  # the mount points exist already
                    tar.addfile(_info(inside.lstrip("/"), tarfile.DIRTYPE, 0o555))
                for name in sorted(names):
                    path = os.path.join(folder, name)
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue
                    with open(path, "rb") as f:
                        data = f.read()
                    info = _info(f"{inside}/{name}".lstrip("/"), tarfile.REGTYPE, 0o444)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _info(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = kind, mode, 0
    return info
