"""Read a job directory (job.json, bars.csv, the strategy file) and compute its signal.

A job is everything one candidate needs, mounted read-only at /job:
  job.json   {"strategy_file": "strategy.py", "params": {...}}
  bars.csv   date,open,high,low,close,volume: only bars before the agent's start date
  strategy.py  defines signal(bars, **params) -> exposure per bar in [0, 1]

Only the exposure series leaves the sandbox: the worker scores it (engine.discovery.
scoring), because nothing that runs beside the strategy's code can be trusted to.

`bars` is a pandas DataFrame, unless the strategy declares BARS = "numpy": then it is a
Bars of numpy columns (bars["close"] alike), and pandas is never imported (it costs more
CPU than the backtest). The families all declare it; code the model writes may not.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from backtest.bars import Bars, BarsError, load_bars
from backtest.engine import clean_signal

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
    """{"signal": [exposure per bar, oldest first]}: all the worker needs to score it."""
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
    return {"signal": clean_signal(raw, bars["close"]).tolist()}


def _copy(bars: Bars) -> Bars:
    return Bars({name: np.array(bars[name]) for name in bars})
