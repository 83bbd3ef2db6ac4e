"""Is a process id alive? Used to tell a live runtime.json from a stale one."""

from __future__ import annotations

import os


def pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # A zombie is dead for our purposes (it only waits to be reaped).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def process_start_ticks(pid: int | None) -> int | None:
    """When the process started (clock ticks since boot, /proc/PID/stat field 22), or None.

    A pid alone does not name a process: the kernel hands a dead supervisor's pid to the next
    process that asks. The pair (pid, start time) does.
    """
    if not pid or pid <= 0:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None
