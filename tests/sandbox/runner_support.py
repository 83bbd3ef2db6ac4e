"""Helpers for the runner tests: the runner's package on sys.path, bars and job dirs."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

RUNNER = Path(__file__).resolve().parents[2] / "sandbox" / "runner"
FAMILIES = RUNNER / "backtest" / "families"
# The interpreter the sandboxes run (Debian's python3 with its numpy/pandas).
SANDBOX_PYTHON = "/usr/bin/python3"

if str(RUNNER) not in sys.path:
    sys.path.insert(0, str(RUNNER))


def random_bars(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.cumprod(1.0 + rng.normal(0.0004, 0.02, n))
    start = dt.date(2001, 1, 1)
    return pd.DataFrame({
        "date": [str(start + dt.timedelta(days=i)) for i in range(n)],
        "open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
        "volume": np.full(n, 1000),
    })


def write_job(directory: Path, bars: pd.DataFrame, strategy_source: str, params: dict,
              **extra) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    bars.to_csv(directory / "bars.csv", index=False)
    (directory / "strategy.py").write_text(strategy_source)
    job = {"strategy_file": "strategy.py", "params": params, **extra}
    (directory / "job.json").write_text(json.dumps(job))
    return directory / "job.json"


def family_source(name: str) -> str:
    return (FAMILIES / f"{name}.py").read_text()


def has_sandbox_python() -> bool:
    return shutil.which(SANDBOX_PYTHON) is not None
