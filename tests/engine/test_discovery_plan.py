"""Candidates, names and the deterministic ranking: pure code, no services."""

from __future__ import annotations

import pytest

from engine.discovery.candidates import FAMILY_ORDER, CandidateError, plan, written_candidate
from engine.discovery.contracts import BacktestOutcome, DiscoveryRequest
from engine.discovery.ranking import rank, winner
from engine.workflows.discovery import _unique


def test_six_candidates_are_one_of_each_family():
    specs = plan(6)
    assert [s.family for s in specs] == list(FAMILY_ORDER)
    assert all("def signal" in s.source for s in specs)


def test_plan_is_deterministic_and_distinct():
    first, again = plan(20), plan(20)
    assert [s.name for s in first] == [s.name for s in again]
    assert len({s.name for s in first}) == 20
    assert all(not ("fast" in s.params and s.params["fast"] >= s.params["slow"]) for s in first)


def test_plan_stops_when_every_grid_is_exhausted():
    specs = plan(64)
    assert 40 < len(specs) <= 64 and len({s.name for s in specs}) == len(specs)


def test_written_candidate_is_checked_for_shape_only():
    spec = written_candidate("My Idea!", "def signal(bars, k=2):\n    return bars['close'] > k\n",
                             {"k": 3})
    assert spec.name == "written-my_idea" and spec.family == "written"
    with pytest.raises(CandidateError, match="does not parse"):
        written_candidate("x", "def signal(:\n")
    with pytest.raises(CandidateError, match="must define a function signal"):
        written_candidate("x", "def other(bars):\n    return 0\n")


def _outcome(name, sharpe, dd, ok=True):
    return BacktestOutcome(name=name, family="f", ok=ok, reason="ok" if ok else "exit",
                           out_of_sample={"sharpe": sharpe, "max_drawdown": dd})


def test_ranking_sharpe_then_drawdown_then_name_failures_last():
    outcomes = [_outcome("e", 9.0, -0.1, ok=False), _outcome("b", 1.0, -0.3),
                _outcome("c", 1.0, -0.1), _outcome("a", 2.0, -0.5), _outcome("d", 1.0, -0.1)]
    ranked = rank(outcomes)
    assert [o.name for o in ranked] == ["a", "c", "d", "b", "e"]
    assert winner(ranked) == "a"
    assert winner(rank([_outcome("x", 1.0, 0.0, ok=False)])) is None


def test_duplicate_names_get_suffixes():
    spec = written_candidate("same", "def signal(bars):\n    return 0\n")
    assert [s.name for s in _unique([spec, spec, spec])] == [
        "written-same", "written-same-2", "written-same-3"]


@pytest.mark.parametrize("field, value", [("candidates", 0), ("candidates", 65),
                                          ("sandbox", "vm"), ("split", 0.95), ("symbol", "")])
def test_bad_requests_are_refused(field, value):
    with pytest.raises(ValueError):
        DiscoveryRequest(**{"symbol": "AAPL", field: value})
