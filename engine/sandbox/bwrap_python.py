"""Which Python runs the runner in a bubblewrap sandbox, and what to mount for it.

- The machine's: /usr/bin/python3 with Debian's numpy and pandas, seen through the
  read-only /usr bind. A source install on Debian takes this one.
- A carried one: an interpreter, its standard library and numpy in one directory
  (packaging/sandbox_python.py lays it out), bound read-only at /opt/python and first on
  the sandbox's PATH. A frozen bundle carries it as `<bundle>/sandbox-python`, so a
  machine without Python (or without numpy) still runs backtests without Docker.
  $HARNESS_SANDBOX_PYTHON names such a directory explicitly (tests, a user's own build).

The runner needs the standard library and numpy only; pandas is there only in the
machine's Python (and the Docker image), for a strategy that asks for a DataFrame.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from engine.sandbox.limits import SandboxUnavailable

SYSTEM_PYTHON = "/usr/bin/python3"
CARRIED_MOUNT = "/opt/python"
CARRIED_DIR_NAME = "sandbox-python"
CARRIED_ENV = "HARNESS_SANDBOX_PYTHON"
NOBODY = 65534
log = logging.getLogger("harness.sandbox")
_announced: set[str] = set()


@dataclass(frozen=True)
class SandboxPython:
    executable: str  # inside the sandbox
    imports: str  # what a sandbox with this Python must be able to import
    origin: str  # "system", or the host directory of a carried one
    mounts: tuple[str, ...] = ()  # bwrap arguments
    env: dict[str, str] = field(default_factory=dict)  # set inside, over the defaults


def carried_dir(env: dict[str, str] | None = None) -> Path | None:
    """The carried Python's host directory: $HARNESS_SANDBOX_PYTHON, else the bundle's."""
    named = (os.environ if env is None else env).get(CARRIED_ENV, "").strip()
    if named:
        return Path(named)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None and (Path(frozen_root) / CARRIED_DIR_NAME).is_dir():
        return Path(frozen_root) / CARRIED_DIR_NAME
    return None


def select(env: dict[str, str] | None = None) -> SandboxPython:
    """The Python the next sandbox runs. Raises SandboxUnavailable (one line) when a
    carried one is named but unusable."""
    root = carried_dir(env)
    if root is None:
        return SandboxPython(SYSTEM_PYTHON, "numpy, pandas", "system")
    interpreter = root / "bin" / "python3"
    if not interpreter.is_file() or not os.access(interpreter, os.X_OK):
        raise SandboxUnavailable(f"bwrap: the carried Python {root} has no bin/python3 "
                                 f"(check ${CARRIED_ENV}, or rebuild the bundle)")
    if os.geteuid() == 0:
        _check_nobody_can_read(root)
    if str(root) not in _announced:  # once per process: the log says which Python ran
        _announced.add(str(root))
        log.info("bwrap sandboxes run the carried Python %s (read-only at %s)", root,
                 CARRIED_MOUNT)
    # The carried interpreter's libpython is beside it; its own RUNPATH names the build
    # machine's directory, which the sandbox does not have.
    return SandboxPython(
        f"{CARRIED_MOUNT}/bin/python3", "numpy", str(root),
        mounts=("--ro-bind", str(root), CARRIED_MOUNT),
        env={"PATH": f"{CARRIED_MOUNT}/bin:/usr/bin:/bin",
             "LD_LIBRARY_PATH": f"{CARRIED_MOUNT}/lib"})


def _check_nobody_can_read(root: Path) -> None:
    """As root the sandbox runs as uid 65534, and bwrap (as that user) binds the
    directory: every folder above it must let others through (a bundle under /root
    does not)."""
    for folder in [root.resolve(), *root.resolve().parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise SandboxUnavailable(
                f"bwrap: the carried Python {root} is not reachable by uid {NOBODY} (the "
                f"sandbox's user when the worker runs as root): {folder} is not "
                "searchable by others; install the bundle outside it")
