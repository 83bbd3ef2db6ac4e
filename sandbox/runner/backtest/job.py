"""Read a job directory (job.json, bars.csv, the strategy file) and score it.

A job is everything one candidate needs, mounted read-only at /job:
  job.json   {"strategy_file": "strategy.py", "params": {...}, "split": 0.7,
              "fee_bps": 1.0, "slippage_bps": 5.0, "equity_points": 120}
  bars.csv   date,open,high,low,close,volume: only bars before the agent's start date
  strategy.py  defines signal(bars, **params) -> exposure per bar in [0, 1]
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pandas as pd

from backtest.engine import Costs, clean_signal, simulate
from backtest.metrics import scorecard

MIN_BARS = 30
COLUMNS = ("date", "open", "high", "low", "close", "volume")


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


def load_bars(path: Path) -> pd.DataFrame:
    try:
        bars = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise JobError(f"cannot read the bars {path}: {exc}") from exc
    missing = [c for c in COLUMNS if c not in bars.columns]
    if missing:
        raise JobError(f"bars.csv lacks the columns {missing}")
    if len(bars) < MIN_BARS:
        raise JobError(f"{len(bars)} bars is too few to backtest (at least {MIN_BARS})")
    bars = bars.sort_values("date").reset_index(drop=True)
    if bars["close"].isna().any() or (bars["close"] <= 0).any():
        raise JobError("bars.csv has missing or non-positive closes")
    return bars


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
    return fn


def run(job_dir: Path) -> dict:
    job = load_job(job_dir / "job.json")
    bars = load_bars(job_dir / job.get("bars_file", "bars.csv"))
    strategy = load_strategy(job_dir / job["strategy_file"])
    params = job.get("params", {})
    try:
        raw = strategy(bars.copy(), **params)
    except TypeError as exc:
        raise JobError(f"signal() rejected the parameters {params}: {exc}") from exc
    signal = clean_signal(raw, bars.index)
    costs = Costs(float(job.get("fee_bps", 1.0)), float(job.get("slippage_bps", 5.0)))
    sim = simulate(bars["close"], signal, costs)
    cut = int(len(bars) * float(job.get("split", 0.7)))
    return {
        "params": params,
        "first_date": str(bars["date"].iloc[0]),
        "last_date": str(bars["date"].iloc[-1]),
        "split_date": str(bars["date"].iloc[cut]),
        "full": scorecard(sim.net, signal),
        "in_sample": scorecard(sim.net.iloc[:cut], signal.iloc[:cut]),
        "out_of_sample": scorecard(sim.net.iloc[cut:], signal.iloc[cut:]),
        "walk_forward": walk_forward(sim.net.iloc[cut:], signal.iloc[cut:]),
        "signal_now": round(float(signal.iloc[-1]), 6),
        "equity": sample_curve(bars["date"], sim.equity, int(job.get("equity_points", 120))),
    }


def walk_forward(net: pd.Series, signal: pd.Series, folds: int = 3) -> list[dict]:
    """The out-of-sample stretch cut into consecutive folds: is the edge stable over time,
    or one lucky spell? (Parameters are fixed per candidate, so no refit per fold.)"""
    size = len(net) // folds
    if size < 20:
        return []
    return [
        {k: v for k, v in scorecard(net.iloc[i * size:(i + 1) * size],
                                    signal.iloc[i * size:(i + 1) * size]).items()
         if k in ("bars", "total_return", "sharpe", "max_drawdown")}
        for i in range(folds)
    ]


def sample_curve(dates: pd.Series, equity: pd.Series, points: int) -> list[list]:
    """At most `points` [date, equity] pairs, always including the last bar."""
    n = len(equity)
    step = max(1, math.ceil(n / max(2, points)))
    picks = list(range(0, n, step))
    if picks[-1] != n - 1:
        picks.append(n - 1)
    return [[str(dates.iloc[i]), round(float(equity.iloc[i]), 6)] for i in picks]
