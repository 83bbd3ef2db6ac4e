"""The numpy indicators equal pandas' own, bit for bit, on the pandas the sandbox runs
(Debian's): the families were ported from pandas and their scorecards must not move."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.sandbox.runner_support import RUNNER, SANDBOX_PYTHON, has_sandbox_python

if not has_sandbox_python():  # pragma: no cover - the sandboxes need it too
    pytest.fail(f"{SANDBOX_PYTHON} (with numpy and pandas) is what the sandbox runs",
                pytrace=False)

COMPARE = r"""
import json, sys
import numpy as np, pandas as pd
sys.path.insert(0, sys.argv[1])
from backtest import indicators as ind
rng = np.random.default_rng(5)
walk = 100 * np.cumprod(1 + rng.normal(0, 0.02, 1500))
walk[300:360] = walk[300]            # a flat stretch: equal averages must stay equal
walk[700:705] = np.round(walk[700:705], 1)
gappy = walk.copy(); gappy[[0, 50, 51, 900]] = np.nan
checked = 0
for x in (walk, gappy, -walk):
    s = pd.Series(x)
    for w in (1, 5, 10, 20, 30, 50, 100, 250, 2000):
        np.testing.assert_array_equal(ind.sma(x, w), s.rolling(w, min_periods=w).mean().to_numpy())
        np.testing.assert_array_equal(ind.rolling_std(x, w),
                                      s.rolling(w, min_periods=w).std(ddof=0).to_numpy())
        np.testing.assert_array_equal(ind.rolling_std(x, w, ddof=1),
                                      s.rolling(w, min_periods=w).std(ddof=1).to_numpy())
        np.testing.assert_array_equal(ind.ewm(x, span=w),
                                      s.ewm(span=w, adjust=False).mean().to_numpy())
        np.testing.assert_array_equal(ind.ewm(x, alpha=1.0 / w),
                                      s.ewm(alpha=1.0 / w, adjust=False).mean().to_numpy())
        np.testing.assert_array_equal(ind.shift(x, w), s.shift(w).to_numpy())
        checked += 6
    np.testing.assert_array_equal(ind.diff(x), s.diff().to_numpy())
    np.testing.assert_array_equal(ind.ffill(x, 0.0), s.ffill().fillna(0.0).to_numpy())
print(json.dumps({"checked": checked, "pandas": pd.__version__}))
"""


def test_indicators_equal_pandas_bit_for_bit():
    done = subprocess.run([SANDBOX_PYTHON, "-c", COMPARE, str(RUNNER)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["checked"] == 3 * 9 * 6
