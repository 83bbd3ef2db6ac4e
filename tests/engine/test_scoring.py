"""The worker's trusted scorer: an exposure series is checked to the letter, then scored
on the worker's own bars; nothing the sandbox printed but the series counts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.discovery.contracts import BacktestRequest
from engine.discovery.exposure import ExposureError, read_exposure
from engine.discovery.scorecards import outcome_from_result
from engine.discovery.scoring import score
from engine.sandbox.limits import SandboxResult
from tests.sandbox.runner_support import random_bars


def _bars(n: int, seed: int = 1) -> list[dict]:
    frame = random_bars(n, seed)
    return [{"t": f"{d}T00:00:00Z", "c": float(c)} for d, c in zip(frame["date"], frame["close"],
                                                                 strict=True)]


def _line(values) -> str:
    return json.dumps({"signal": list(values)})


def _request(**fields) -> BacktestRequest:
    return BacktestRequest.model_validate({
        "symbol": "AAPL", "start_date": "2004-01-02", "sandbox": "bwrap", "split": 0.6,
        "fee_bps": 1.0, "slippage_bps": 5.0, "timeout_s": 10, "label": "t",
        "candidate": {"name": "c", "family": "written", "source": "x", "params": {}},
        **fields})


def _ok(stdout: str) -> SandboxResult:
    return SandboxResult(backend="bwrap", exit_code=0, stdout=stdout, stderr="", reason="ok",
                         duration_s=0.1)


def test_the_card_is_computed_from_the_series_and_the_bars():
    bars = _bars(500)
    signal = (np.arange(500) // 25 % 2).astype(float)
    outcome = outcome_from_result(_request(), _ok("noise\n" + _line(signal)), bars)
    assert outcome.ok, outcome.error
    assert (outcome.in_sample["bars"], outcome.out_of_sample["bars"]) == (300, 200)
    assert outcome.split_date == bars[300]["t"][:10]
    assert outcome.signal_now == signal[-1]
    assert outcome.equity[-1][0] == outcome.last_date == bars[-1]["t"][:10]
    assert outcome.full["trades"] == 10


def test_costs_lower_the_return():
    bars, signal = _bars(400), (np.arange(400) // 10 % 2).astype(float)
    close = np.array([b["c"] for b in bars])
    dates = [b["t"][:10] for b in bars]
    cheap = score(dates, close, signal, split=0.7, fee_bps=0.0, slippage_bps=0.0)
    dear = score(dates, close, signal, split=0.7, fee_bps=10.0, slippage_bps=20.0)
    assert dear["full"]["trades"] == cheap["full"]["trades"] > 0
    assert dear["full"]["total_return"] < cheap["full"]["total_return"]
    assert len(cheap["walk_forward"]) == 3


@pytest.mark.parametrize("stdout, words", [
    ("", "printed no exposure series"),
    ('{"full": {"sharpe": 99}}', 'not {"signal"'),
    (_line([1.0] * 3), "has 3 values, expected 40"),
    (_line([0.5] * 39 + [1.5]), "bar 39 is 1.5, outside 0..1"),
    (_line([0.5] * 39 + [-0.1]), "outside 0..1"),
    ('{"signal": [' + ",".join(["NaN"] * 40) + "]}", "bar 0 is not finite"),
    ('{"signal": [' + ",".join(["1e999"] * 40) + "]}", "not finite"),
    (_line([True] * 40), "not a number"),
    (_line(["1"] * 40), "not a number"),
    ("[" * 100_000, "characters, more than 1344"),
    ("[" * 1200, "nested too deeply"),
    ("{not json", "not JSON"),
])
def test_anything_but_a_clean_series_is_refused(stdout, words):
    with pytest.raises(ExposureError, match=words.replace("(", r"\(").replace("{", r"\{")):
        read_exposure(stdout, 40)


def test_nested_stderr_does_not_break_the_failure_report():
    result = SandboxResult(backend="bwrap", exit_code=1, stdout="", stderr="[" * 200_000,
                           reason="exit", duration_s=0.1)
    outcome = outcome_from_result(_request(), result, _bars(40))
    assert (outcome.ok, outcome.reason) == (False, "exit")
    assert outcome.error.startswith("exit code 1")


def test_the_causality_cut_is_deterministic_and_leaves_most_bars_to_compare():
    from engine.discovery.causality import cut_point, first_difference

    cuts = {cut_point(1970, f"agent-{i}-bt-written-x") for i in range(200)}
    assert min(cuts) >= int(1970 * 0.55) and max(cuts) < int(1970 * 0.95) + 1
    assert len(cuts) > 50 and cut_point(1970, "a") == cut_point(1970, "a")
    full = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    assert first_difference(full, full[:3]) is None
    assert first_difference(full, np.array([0.0, 1.0, 0.0])) == 2
