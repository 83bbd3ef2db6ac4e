"""Bounded child logs: a runtime that runs for weeks must not fill the disk with them.

Each child writes its stdout and stderr straight into `logs/<name>.log` through a
descriptor opened for appending (engine/runtime/processes.py), so the supervisor never
copies a line. Mockoon logs every request and the worker every activity: a fast agent
writes tens of kilobytes per tick. When a log passes its cap, its contents move to
`<name>.log.1` (replacing the previous one) and the live file is truncated in place
("copy, then truncate", as logrotate's copytruncate): the child keeps its descriptor,
and appending puts its next line at the new end. A line written between the copy and the
truncation is lost; nothing else is. On disk a log never takes more than twice its cap.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

DEFAULT_CAP_BYTES = 16 * 1024 * 1024
CHECK_EVERY_S = 10.0
log = logging.getLogger("harness.supervisor")


def previous_log(path: Path) -> Path:
    return path.with_name(path.name + ".1")


def trim(path: Path, cap_bytes: int = DEFAULT_CAP_BYTES) -> bool:
    """Move a log past `cap_bytes` to its `.1` and empty it; True when it did."""
    try:
        if path.stat().st_size <= cap_bytes:
            return False
    except FileNotFoundError:  # a child not started yet (the standby) has no log
        return False
    try:
        kept = previous_log(path)
        partial = kept.with_name(kept.name + ".tmp")
        shutil.copyfile(path, partial)
        os.replace(partial, kept)  # a reader never sees half a previous log
        os.truncate(path, 0)
    except OSError as exc:  # a full disk, a log removed meanwhile: try again next time
        log.warning("could not trim %s: %s", path, exc)
        return False
    return True


class LogTrim:
    """Rate-limited trimming for the supervisor's loop (a stat per log every few seconds)."""

    def __init__(self, cap_bytes: int = DEFAULT_CAP_BYTES, every_s: float | None = None):
        self.cap_bytes = cap_bytes
        self.every_s = CHECK_EVERY_S if every_s is None else every_s
        self._next = 0.0

    def check(self, now: float, paths: Iterable[Path]) -> list[Path]:
        if now < self._next:
            return []
        self._next = now + self.every_s
        return [path for path in paths if trim(path, self.cap_bytes)]
