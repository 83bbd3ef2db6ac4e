"""Causal indicators in numpy, for the strategy families (and any strategy: the runner's
directory is importable inside the sandbox). Each value at bar t uses bars 0..t only.

The moving averages reproduce pandas' own arithmetic step for step (its running sums,
Welford's variance, ewm's recursion), so the families, ported from pandas, keep their
exact signals and scorecards. Plain Python loops: a few thousand bars take milliseconds.
"""

from __future__ import annotations

import math

import numpy as np


def as_close(bars) -> np.ndarray:
    """bars["close"] as a float array, from our Bars or a pandas DataFrame alike."""
    return np.asarray(bars["close"], dtype=float)


def shift(values: np.ndarray, bars: int) -> np.ndarray:
    """values[t - bars] at t, NaN where there is none (pandas' Series.shift)."""
    out = np.full(len(values), np.nan)
    if bars < len(values):
        out[bars:] = values[:len(values) - bars]
    return out


def diff(values: np.ndarray) -> np.ndarray:
    return values - shift(values, 1)


def sma(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last `window` values, NaN until there are that many: pandas'
    rolling(window).mean(), its running Kahan sum step for step. WHY not a plain mean per
    window: two averages that tie (a flat stretch) must tie or not exactly as they did
    in pandas, or a cross flips and the scorecard moves."""
    out = np.full(len(values), np.nan)
    total = add_c = remove_c = 0.0
    nobs = negative = same = 0
    vals = np.asarray(values, dtype=float).tolist()
    prev = vals[0] if vals else 0.0
    for i, val in enumerate(vals):
        if i >= window:  # the value leaving the window
            old = vals[i - window]
            if old == old:
                nobs -= 1
                y = -old - remove_c
                t = total + y
                remove_c = t - total - y
                total = t
                negative -= math.copysign(1.0, old) < 0
        if val == val:
            nobs += 1
            y = val - add_c
            t = total + y
            add_c = t - total - y
            total = t
            negative += math.copysign(1.0, val) < 0
            same = same + 1 if val == prev else 1
            prev = val
        if nobs >= window and nobs > 0:
            mean = total / nobs
            if same >= nobs:
                mean = prev
            elif (negative == 0 and mean < 0) or (negative == nobs and mean > 0):
                mean = 0.0
            out[i] = mean
    return out


def rolling_std(values: np.ndarray, window: int, ddof: int = 0) -> np.ndarray:
    """pandas' rolling(window).std(ddof): Welford's running variance with Kahan terms,
    step for step (see sma for why exactly), NaN until `window` values."""
    out = np.full(len(values), np.nan)
    mean = ssqdm = add_c = remove_c = 0.0
    nobs = same = 0
    vals = np.asarray(values, dtype=float).tolist()
    prev = vals[0] if vals else 0.0
    for i, val in enumerate(vals):
        if i >= window:
            old = vals[i - window]
            if old == old:
                nobs -= 1
                if nobs:
                    prev_mean = mean - remove_c
                    y = old - remove_c
                    t = y - mean
                    remove_c = t + mean - y
                    mean = mean - t / nobs
                    ssqdm = ssqdm - (old - prev_mean) * (old - mean)
                else:
                    mean = ssqdm = 0.0
        if val == val:
            nobs += 1
            same = same + 1 if val == prev else 1
            prev = val
            prev_mean = mean - add_c
            y = val - add_c
            t = y - mean
            add_c = t + mean - y
            mean = mean + t / nobs
            ssqdm = ssqdm + (val - prev_mean) * (val - mean)
        if nobs >= max(window, 1) and nobs > ddof:
            var = 0.0 if nobs == 1 or same >= nobs else ssqdm / (nobs - ddof)
            out[i] = math.sqrt(var) if var > 0.0 else 0.0
    return out


def ewm(values: np.ndarray, *, span: float | None = None, alpha: float | None = None
        ) -> np.ndarray:
    """pandas' ewm(span=.. | alpha=.., adjust=False).mean(): y = (1-a)*y + a*x, starting
    at the first non-NaN value, NaN before it; a gap (NaN) later keeps the last value
    and weighs it down by (1-a) per missing bar, as pandas does."""
    com = (span - 1.0) / 2.0 if span is not None else (1.0 - alpha) / alpha
    a = 1.0 / (1.0 + com)  # as pandas computes it, so the floats match exactly
    factor = 1.0 - a
    out = []
    weighted = float("nan")
    old = 1.0  # the weight of the past: (1-a) per bar since the last value seen
    for cur in np.asarray(values, dtype=float).tolist():
        if weighted != weighted:  # nothing seen yet
            weighted = cur
        else:
            old *= factor
            if cur == cur:
                if weighted != cur:
                    weighted = (old * weighted + a * cur) / (old + a)
                old = 1.0
        out.append(weighted)
    return np.array(out, dtype=float)


def ffill(values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Carry the last non-NaN value forward; `fill` before the first one."""
    seen = ~np.isnan(values)
    last = np.maximum.accumulate(np.where(seen, np.arange(len(values)), -1))
    return np.where(last >= 0, values[np.maximum(last, 0)], fill)
