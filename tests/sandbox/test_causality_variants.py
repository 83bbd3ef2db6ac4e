"""The look-ahead check's three runs (engine/discovery/causality.py), through the real
runner in this process: every peek at the price ahead is caught at every cut, and no
causal strategy (each family, a written one) is ever taken for one."""

from __future__ import annotations

import numpy as np
import pytest
from backtest.job import run  # noqa: E402  (the runner's package: runner_support)

from engine.discovery import causality
from engine.discovery.bars import bars_csv
from tests.sandbox.runner_support import family_source, random_bars, write_job
from tests.security import hostile

PEEKS = {
    "a bar ahead": "def signal(bars):\n    c = bars['close']\n"
                   "    return (c.shift(-1) > c).astype(float)\n",
    "20 bars ahead (the hostile one)": hostile.PEEKS_AHEAD,
    "a fall of 3% ahead": "def signal(bars):\n    c = bars['close']\n"
                          "    return (c.shift(-5) < c * 0.97).astype(float)\n",
    "a rise of 3% ahead": "def signal(bars):\n    c = bars['close']\n"
                          "    return (c.shift(-5) > c * 1.03).astype(float)\n",
    "the mean of every bar": "def signal(bars):\n    c = bars['close']\n"
                             "    return (c > c.mean()).astype(float)\n",
    "the best close ahead": "def signal(bars):\n    c = bars['close']\n"
                            "    return (c[::-1].cummax()[::-1] > c * 1.1).astype(float)\n",
}
CAUSAL_WRITTEN = ("def signal(bars):\n    c = bars['close']\n"
                  "    return (c.rolling(10).mean() > c.rolling(30).mean()).astype(float)\n")
FAMILIES = ("bollinger_reversion", "ema_cross", "macd", "momentum", "rsi_reversion",
            "sma_cross")


def _bars(n: int = 400, seed: int = 3) -> list[dict]:
    frame = random_bars(n, seed=seed)
    return [{"t": f"{r.date}T00:00:00Z", "o": r.open, "h": r.high, "l": r.low, "c": r.close,
             "v": int(r.volume)} for r in frame.itertuples()]


def _signal(tmp_path, name: str, bars: list[dict], source: str) -> np.ndarray:
    job = tmp_path / name
    write_job(job, random_bars(2), source, {})
    (job / "bars.csv").write_text(bars_csv(bars))  # the bars exactly as the worker writes
    return np.asarray(run(job)["signal"])


def _caught(tmp_path, bars: list[dict], cut: int, source: str) -> list[str]:
    full = _signal(tmp_path, "full", bars, source)
    caught = []
    for i, variant in enumerate(causality.variants(bars, cut)):
        again = _signal(tmp_path, f"v{i}", variant.bars, source)
        if causality.first_difference(full, again[:cut]) is not None:
            caught.append(variant.what)
    return caught


@pytest.mark.parametrize("peek", sorted(PEEKS))
def test_every_peek_ahead_is_caught_at_every_cut(tmp_path, peek):
    bars = _bars()
    cuts = range(int(len(bars) * causality.EARLIEST), int(len(bars) * causality.LATEST), 7)
    missed = [cut for cut in cuts if not _caught(tmp_path, bars, cut, PEEKS[peek])]
    assert missed == [], f"{peek}: not caught at cuts {missed}"


def test_removing_the_future_alone_would_miss_one_bar_peeks(tmp_path):
    """Why the rally and the crash: truncation alone misses many cuts."""
    bars, source = _bars(), PEEKS["a bar ahead"]
    cuts = range(int(len(bars) * causality.EARLIEST), int(len(bars) * causality.LATEST), 7)
    caught = [_caught(tmp_path, bars, cut, source) for cut in cuts]
    truncation_misses = [c for c in caught if "removed" not in c]
    assert len(truncation_misses) > len(caught) // 4, caught
    assert all(truncation_misses), "a made-up future catches what truncation missed"


@pytest.mark.parametrize("source", [*FAMILIES, "written"])
def test_a_causal_strategy_is_never_taken_for_a_peek(tmp_path, source):
    code = CAUSAL_WRITTEN if source == "written" else family_source(source)
    bars = _bars(seed=11)
    full = _signal(tmp_path, "full", bars, code)
    assert full.any(), "a flat signal proves nothing"
    for cut in (int(len(bars) * causality.EARLIEST), 300, int(len(bars) * causality.LATEST)):
        assert _caught(tmp_path, bars, cut, code) == [], (source, cut)


def test_the_made_up_futures_keep_the_past_and_sane_bars():
    bars = _bars()
    cut = 250
    removed, rally, crash = causality.variants(bars, cut)
    assert removed.bars == bars[:cut]
    for variant, sign in ((rally, 1), (crash, -1)):
        assert variant.bars[:cut] == bars[:cut] and len(variant.bars) == len(bars)
        later = variant.bars[cut:]
        assert all(b["h"] >= b["l"] > 0 and np.isfinite(b["c"]) for b in later)
        pairs = zip(bars, variant.bars, strict=True)
        assert all(b["t"] == a["t"] and b["v"] == a["v"] for a, b in pairs)
        closes = [b["c"] for b in later]
        assert np.sign(closes[5] - bars[cut - 1]["c"]) == sign
        assert max(closes) / min(closes) == pytest.approx(np.exp(causality.STEP * 29),
                                                           rel=1e-3)
