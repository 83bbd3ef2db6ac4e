"""The one thing a sandbox hands back: the strategy's exposure per bar, checked.

Whatever ran in the sandbox may have written this line itself, so nothing in it is
trusted but its shape: one JSON object {"signal": [...]} on the last line of stdout,
exactly one number per bar, every one finite and within 0..1. Anything else is the
candidate's scored failure (ExposureError), never an exception that fails the activity
(a deeply nested line raised RecursionError, and the activity was retried for it).
"""

from __future__ import annotations

import json

import numpy as np

# The longest number a float's repr needs, and the line's own braces and key.
CHARS_PER_VALUE = 32
LINE_OVERHEAD = 64


class ExposureError(ValueError):
    """The sandbox's output is not a usable exposure series: the message says why."""


def parse_json_line(line: str, limit: int) -> object:
    """One JSON value from untrusted text, or ExposureError: too long, malformed, or
    nested deeper than the parser's recursion allows."""
    if len(line) > limit:
        raise ExposureError(f"the output line is {len(line)} characters, more than {limit}")
    try:
        return json.loads(line)
    except RecursionError:
        raise ExposureError("the output is JSON nested too deeply to read") from None
    except ValueError as exc:
        raise ExposureError(f"the output is not JSON: {exc}") from None


def read_exposure(stdout: str, bars: int) -> np.ndarray:
    """The exposure series in the sandbox's stdout, as a float array of length `bars`."""
    lines = stdout.strip().splitlines()
    if not lines:
        raise ExposureError("the sandbox printed no exposure series")
    value = parse_json_line(lines[-1], bars * CHARS_PER_VALUE + LINE_OVERHEAD)
    if not isinstance(value, dict) or not isinstance(value.get("signal"), list):
        raise ExposureError('the output is not {"signal": [one exposure per bar]}')
    series = value["signal"]
    if len(series) != bars:
        raise ExposureError(f"the exposure series has {len(series)} values, expected "
                            f"{bars} (one per bar)")
    for i, x in enumerate(series):
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ExposureError(f"the exposure at bar {i} is {x!r}, not a number")
    signal = np.asarray(series, dtype=float)
    bad = np.flatnonzero(~np.isfinite(signal))
    if bad.size:
        raise ExposureError(f"the exposure at bar {bad[0]} is not finite ({signal[bad[0]]})")
    outside = np.flatnonzero((signal < 0.0) | (signal > 1.0))
    if outside.size:
        raise ExposureError(f"the exposure at bar {outside[0]} is {signal[outside[0]]}, "
                            "outside 0..1")
    return signal
