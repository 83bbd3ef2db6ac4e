"""The shipped price tape: which symbols and dates the embedded market serves.

Read from the Mockoon environment the runtime serves (its `bars` data), so that an
agent's symbols and start date can be checked before anything is started: a typo must
not start a runtime, a workflow, and only then fail inside Temporal.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path

from engine.runtime.mockoon import environment_files


@dataclass(frozen=True)
class Tape:
    symbols: frozenset[str]
    first_date: dt.date
    last_date: dt.date


@functools.cache
def shipped_tape(path: Path | None = None) -> Tape:
    """The symbols and the date range of the shipped history (about 20 ms to read)."""
    env = json.loads((path or environment_files()[0]).read_text(encoding="utf-8"))
    bars = next(json.loads(d["value"]) for d in env["data"] if d["name"] == "bars")
    dates = next(json.loads(d["value"])["dates"] for d in env["data"] if d["name"] == "calendar")
    return Tape(
        symbols=frozenset(bars),
        first_date=dt.date.fromisoformat(dates[0]),
        last_date=dt.date.fromisoformat(dates[-1]),
    )
