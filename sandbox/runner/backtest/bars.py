"""The job's price bars, read with the standard library into numpy columns.

WHY not pandas: importing pandas costs about 0.25 s of CPU per sandbox, more than the
backtest itself, and every candidate pays it. A strategy that wants a DataFrame still
gets one (job.py builds it only then, importing pandas lazily).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

COLUMNS = ("date", "open", "high", "low", "close", "volume")
MIN_BARS = 30


class BarsError(ValueError):
    """bars.csv cannot be read as price bars; the message says why."""


class Bars(Mapping):
    """Oldest bar first. bars["close"] is a float array, bars["date"] an array of str:
    the same `bars["close"]` a pandas strategy writes, as plain numpy."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self._columns = columns

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:  # the number of bars, as len(DataFrame) is
        return len(self._columns["close"])

    def to_pandas(self):
        import pandas as pd  # only a strategy that asks for a DataFrame pays for it

        return pd.DataFrame({name: self._columns[name] for name in self._columns})


def _number(text: str, column: str, line: int) -> float:
    if text.strip() == "":
        return math.nan  # a gap; a missing close is refused below
    try:
        return float(text)
    except ValueError:
        raise BarsError(f"bars.csv line {line}: {column} {text!r} is not a number") from None


def load_bars(path: Path) -> Bars:
    try:
        with open(path, newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BarsError(f"cannot read the bars {path}: {exc}") from exc
    if not rows:
        raise BarsError(f"cannot read the bars {path}: the file is empty")
    header = [name.strip() for name in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BarsError(f"bars.csv lacks the columns {missing}")
    body = [row for row in rows[1:] if row]
    if len(body) < MIN_BARS:
        raise BarsError(f"{len(body)} bars is too few to backtest (at least {MIN_BARS})")
    at = {name: header.index(name) for name in COLUMNS}
    try:
        dates = np.array([row[at["date"]] for row in body], dtype=str)
        columns = {name: np.array([_number(row[at[name]], name, i + 2)
                                   for i, row in enumerate(body)], dtype=float)
                   for name in COLUMNS[1:]}
    except IndexError:
        raise BarsError("bars.csv has a row with fewer fields than its header") from None
    order = np.argsort(dates, kind="stable")  # ISO dates sort as text
    close = columns["close"][order]
    if np.isnan(close).any() or (close <= 0).any():
        raise BarsError("bars.csv has missing or non-positive closes")
    return Bars({"date": dates[order], **{name: col[order] for name, col in columns.items()}})
