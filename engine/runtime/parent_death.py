"""Make a child die with its parent, even when the parent is SIGKILLed (Linux only).

`prctl(PR_SET_PDEATHSIG, SIGKILL)` asks the kernel to SIGKILL the child when its parent
goes away, which covers the one case an orderly `stop()` cannot: the supervisor itself
being killed (the chaos menu, the OOM killer, a crashed app). Two caveats, both handled
by how the supervisor uses this:

* The signal fires when the *thread* that forked the child exits, not the process. So every
  child must be spawned from a thread that lives as long as the supervisor (the
  supervisor's own thread), never from a short-lived helper thread.
* `preexec_fn` runs in the forked child of a possibly multi-threaded parent, where only
  async-signal-safe work is sound. The libc function is resolved here, at import time, so
  the child does nothing but two syscalls.

SIGKILL rather than SIGTERM: the point is certainty, and every child is crash-safe by
design (SQLite in WAL mode, a worker whose in-flight activities Temporal retries).
On other platforms this is a no-op; process groups still make `stop()` complete.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1

if sys.platform.startswith("linux"):
    try:
        _prctl = ctypes.CDLL(None, use_errno=True).prctl
        _prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                           ctypes.c_ulong]
        _prctl.restype = ctypes.c_int
    except (OSError, AttributeError):  # exotic libc: degrade to process-group cleanup only
        _prctl = None
else:
    _prctl = None


def supported() -> bool:
    return _prctl is not None


def die_with_parent_preexec() -> Callable[[], None] | None:
    """A `preexec_fn` for `subprocess.Popen`, or None where the platform has no prctl."""
    if _prctl is None:
        return None
    prctl = _prctl
    parent_pid = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # The parent may have died between fork() and prctl(): then nobody will signal us.
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec
