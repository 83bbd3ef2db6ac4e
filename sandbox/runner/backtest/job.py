"""Read a job directory (job.json, bars.csv, the strategy file) and score it.

A job is everything one candidate needs, mounted read-only at /job:
  job.json   {"strategy_file": "strategy.py", "params": {...}, "split": 0.7,
              "fee_bps": 1.0, "slippage_bps": 5.0, "equity_points": 120}
  bars.csv   date,open,high,low,close,volume: only bars before the agent's start date
  strategy.py  defines signal(bars, **params) -> exposure per bar in [0, 1]

`bars` is a pandas DataFrame, unless the strategy declares BARS = "numpy": then it is a
Bars of numpy columns (bars["close"] alike), and pandas is never imported (it costs more
CPU than the backtest). The families all declare it; code the model writes may not.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np

from backtest.bars import Bars, BarsError, load_bars
from backtest.engine import Costs, clean_signal, simulate
from backtest.metrics import scorecard

NUMPY_BARS = "numpy"


class JobError(Exception):
    """The job itself is wrong (missing file, bad parameter): a scored failure."""


def load_job(path: Path) -> dict:
    try:
        job = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise JobError(f"cannot read the job {path}: {exc}") from exc
    if not isinstance(job, dict) or not isinstance(job.get("strategy_file"), str):
        raise JobError("job.json needs a 'strategy_file' (the strategy's file name)")
    if not isinstance(job.get("params", {}), dict):
        raise JobError("job.json 'params' must be an object")
    split = job.get("split", 0.7)
    if not isinstance(split, (int, float)) or not 0.1 <= split <= 0.9:
        raise JobError(f"job.json 'split' must be between 0.1 and 0.9, not {split!r}")
    return job


def load_strategy(path: Path):
    """Import the candidate's file (this is why it only ever runs in a sandbox)."""
    if path.suffix != ".py" or not path.is_file():
        raise JobError(f"the strategy file {path.name} is missing or not a .py file")
    spec = importlib.util.spec_from_file_location("candidate_strategy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, "signal", None)
    if not callable(fn):
        raise JobError(f"{path.name} defines no function signal(bars, **params)")
    wants = getattr(module, "BARS", "pandas")
    if wants not in (NUMPY_BARS, "pandas"):
        raise JobError(f"{path.name}: BARS must be 'numpy' or 'pandas', not {wants!r}")
    return fn, wants == NUMPY_BARS


def run(job_dir: Path) -> dict:
    job = load_job(job_dir / "job.json")
    try:
        bars = load_bars(job_dir / job.get("bars_file", "bars.csv"))
    except BarsError as exc:
        raise JobError(str(exc)) from exc
    strategy, numpy_bars = load_strategy(job_dir / job["strategy_file"])
    params = job.get("params", {})
    try:
        # A copy either way: the strategy may write into its bars, never into ours.
        raw = strategy(_copy(bars) if numpy_bars else bars.to_pandas(), **params)
    except TypeError as exc:
        raise JobError(f"signal() rejected the parameters {params}: {exc}") from exc
    signal = clean_signal(raw, bars["close"])
    costs = Costs(float(job.get("fee_bps", 1.0)), float(job.get("slippage_bps", 5.0)))
    sim = simulate(bars["close"], signal, costs)
    cut = int(len(bars) * float(job.get("split", 0.7)))
    dates = bars["date"]
    return {
        "params": params,
        "first_date": str(dates[0]),
        "last_date": str(dates[-1]),
        "split_date": str(dates[cut]),
        "full": scorecard(sim.net, signal),
        "in_sample": scorecard(sim.net[:cut], signal[:cut]),
        "out_of_sample": scorecard(sim.net[cut:], signal[cut:]),
        "walk_forward": walk_forward(sim.net[cut:], signal[cut:]),
        "signal_now": round(float(signal[-1]), 6),
        "equity": sample_curve(dates, sim.equity, int(job.get("equity_points", 120))),
    }


def _copy(bars: Bars) -> Bars:
    return Bars({name: np.array(bars[name]) for name in bars})


def walk_forward(net: np.ndarray, signal: np.ndarray, folds: int = 3) -> list[dict]:
    """The out-of-sample stretch cut into consecutive folds: is the edge stable over time,
    or one lucky spell? (Parameters are fixed per candidate, so no refit per fold.)"""
    size = len(net) // folds
    if size < 20:
        return []
    return [
        {k: v for k, v in scorecard(net[i * size:(i + 1) * size],
                                    signal[i * size:(i + 1) * size]).items()
         if k in ("bars", "total_return", "sharpe", "max_drawdown")}
        for i in range(folds)
    ]


def sample_curve(dates: np.ndarray, equity: np.ndarray, points: int) -> list[list]:
    """At most `points` [date, equity] pairs, always including the last bar."""
    n = len(equity)
    step = max(1, math.ceil(n / max(2, points)))
    picks = list(range(0, n, step))
    if picks[-1] != n - 1:
        picks.append(n - 1)
    return [[str(dates[i]), round(float(equity[i]), 6)] for i in picks]
