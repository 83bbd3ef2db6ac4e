"""run_job.py as the sandboxes run it: Debian's python3, a job dir, one JSON line out
(the exposure series; the worker scores it: tests/engine/test_scoring.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.sandbox.runner_support import (
    RUNNER,
    SANDBOX_PYTHON,
    family_source,
    has_sandbox_python,
    random_bars,
    write_job,
)

if not has_sandbox_python():  # pragma: no cover - the sandboxes need it too
    pytest.fail(f"{SANDBOX_PYTHON} (with numpy and pandas) is what the sandbox runs: install "
                "python3-numpy python3-pandas", pytrace=False)


def _run(job: Path) -> subprocess.CompletedProcess:
    return subprocess.run([SANDBOX_PYTHON, str(RUNNER / "run_job.py"), str(job)],
                          capture_output=True, text=True, timeout=60)


def test_the_signal_is_the_one_json_line_and_prints_go_to_stderr(tmp_path):
    source = family_source("sma_cross").replace(
        "    close = as_close(bars)\n", "    close = as_close(bars)\n    print('debugging')\n")
    job = write_job(tmp_path, random_bars(500), source, {"fast": 10, "slow": 50})
    done = _run(job)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    signal = json.loads(lines[0])["signal"]
    assert len(signal) == 500 and set(signal) == {0.0, 1.0}
    assert "debugging" in done.stderr  # the strategy's own print, out of the result's way


def test_a_memory_error_is_named_so(tmp_path):
    source = "def signal(bars):\n    raise MemoryError()\n"
    done = _run(write_job(tmp_path, random_bars(100), source, {}))
    assert done.returncode == 4
    assert "MemoryError" in json.loads(done.stderr.strip().splitlines()[-1])["error"]


@pytest.mark.parametrize("case, expected", [
    ("bad_params", "rejected the parameters"),
    ("raises", "ZeroDivisionError"),
    ("no_signal", "defines no function signal"),
    ("few_bars", "too few to backtest"),
    ("not_json", "cannot read the job"),
    ("bad_bars_kind", "BARS must be 'numpy' or 'pandas'"),
    ("not_a_number", "close 'n/a' is not a number"),
    ("no_close", "missing or non-positive closes"),
])
def test_bad_jobs_fail_with_one_json_error(tmp_path, case, expected):
    bars, source, params, extra = random_bars(200), family_source("sma_cross"), {}, {}
    if case == "bad_params":
        params = {"window": 3}
    elif case == "raises":
        source = "def signal(bars):\n    return 1 / 0\n"
    elif case == "no_signal":
        source = "x = 1\n"
    elif case == "few_bars":
        bars = random_bars(10)
    elif case == "bad_bars_kind":
        source = "BARS = 'polars'\ndef signal(bars):\n    return bars['close'] * 0\n"
    elif case in ("not_a_number", "no_close"):
        bars = bars.astype({"close": object})
        bars.loc[7, "close"] = "n/a" if case == "not_a_number" else None
    job = write_job(tmp_path, bars, source, params, **extra)
    if case == "not_json":
        job.write_text("{not json")
    done = _run(job)
    assert done.returncode != 0
    assert done.stdout == ""
    assert expected in json.loads(done.stderr.strip().splitlines()[-1])["error"]


NUMPY_ONLY = """
import sys
BARS = "numpy"
def signal(bars):
    assert "pandas" not in sys.modules, "pandas was imported"
    assert type(bars).__name__ == "Bars" and bars["close"].dtype.kind == "f"
    return (bars["close"] > bars["close"][0]).astype(float)
"""
WITH_PANDAS = """
import pandas as pd
def signal(bars):
    assert isinstance(bars, pd.DataFrame) and list(bars.columns[:2]) == ["date", "open"]
    return (bars["close"] > bars["close"].iloc[0]).astype(float)
"""


def test_numpy_strategies_never_import_pandas_and_others_get_a_dataframe(tmp_path):
    """The same rule as numpy and as pandas code: one signal, and pandas is loaded only
    for the strategy that asked for a DataFrame (it costs more than the backtest)."""
    bars = random_bars(300, seed=3)
    cards = {}
    for name, source in (("numpy", NUMPY_ONLY), ("pandas", WITH_PANDAS)):
        done = _run(write_job(tmp_path / name, bars, source, {}))
        assert done.returncode == 0, done.stderr
        cards[name] = json.loads(done.stdout)["signal"]
    assert 0.0 in cards["numpy"] and 1.0 in cards["numpy"]
    assert cards["numpy"] == cards["pandas"]


def test_the_families_run_without_pandas(tmp_path):
    for name in ("sma_cross", "ema_cross", "rsi_reversion", "bollinger_reversion", "momentum",
                 "macd"):
        source = family_source(name)
        job = write_job(tmp_path / name, random_bars(400), source, {})
        done = subprocess.run([SANDBOX_PYTHON, "-c", PANDAS_FREE, str(RUNNER), str(job)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{name}: {done.stderr}"
        assert len(json.loads(done.stdout.splitlines()[0])["signal"]) == 400
        # run_job pointed fd 1 at stderr for anything printed after its result line.
        assert "pandas loaded: False" in done.stderr, name


# run_job's main, then whether pandas got imported on the way.
PANDAS_FREE = """
import sys
sys.path.insert(0, sys.argv[1])
import run_job
code = run_job.main(["run_job.py", sys.argv[2]])
print("pandas loaded:", "pandas" in sys.modules)
sys.exit(code)
"""
