"""Every Qt model passes qtmodeltester, including while rows stream in."""

from __future__ import annotations

import json
from pathlib import Path

from app.models.decisions_model import DecisionsModel
from app.models.history_model import HistoryModel
from app.models.history_search import Filters, MatchesModel, event_nodes
from app.models.positions_model import PositionsModel
from tests.app.conftest import decision, state

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def golden_events() -> list[dict]:
    return json.loads(GOLDEN.read_text())["events"]


def test_history_model_while_events_stream_in(qtmodeltester):
    model = HistoryModel()
    qtmodeltester.check(model)  # empty
    events = golden_events()
    for start in range(0, len(events), 37):  # the tester watches every insert
        model.tree.add_batch([("run-1", e) for e in events[start:start + 37]])
    model.tree.annotate("worker killed at tick 12")
    qtmodeltester.check(model)
    run = model.index(0, 0)
    assert model.rowCount(run) == len(model.tree.runs[0].children)
    tick = model.index(1, 0, run)
    assert model.data(tick).startswith("tick 1")
    assert model.parent(model.index(0, 0, tick)) == tick


def test_the_matches_model_shows_matches_under_their_tick(qtmodeltester):
    model = HistoryModel()
    model.tree.add_batch([("run-1", e) for e in golden_events()])
    matches = MatchesModel(model)
    qtmodeltester.check(matches)
    timers = [n for n in event_nodes(model.tree) if Filters.of(event_type="Timer").accepts(n)]
    matches.set_matches(timers)
    qtmodeltester.check(matches)
    assert matches.rowCount() == len({id(n.parent) for n in timers})
    first = matches.index(0, 0)
    assert matches.index(0, 0, first).data() == "TimerStarted"
    assert matches.node(matches.index(0, 0, first)) is timers[0]
    assert matches.index_of(timers[0]) == matches.index(0, 0, first)
    assert any(Filters.of(search="2004-01-05").accepts(n)
               for n in model.tree.find_tick(2).children), "inside a decoded marker result"
    assert not any(Filters.of(failures_only=True).accepts(n) for n in event_nodes(model.tree))


def test_decisions_model_upserts_newest_first(qtmodeltester):
    model = DecisionsModel()
    model.upsert([decision(1), decision(3, filled=False, approval=None)])
    model.upsert([decision(2)])
    qtmodeltester.check(model)
    assert [model.index(r, 0).data() for r in range(3)] == ["t3", "t2", "t1"]
    updated = decision(3)
    model.upsert([updated])  # its order filled since
    assert model.rowCount() == 3
    assert model.index(0, 5).data().startswith("filled 100")
    assert model.index(0, 6).data() == "agent-x-t3-AAPL"
    assert model.row_of_tick(2) == 1
    qtmodeltester.check(model)


def test_positions_model(qtmodeltester):
    model = PositionsModel()
    model.set_holdings(state().holdings)
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == "AAPL"
    assert model.index(0, 5).data() == "+$750.00"
    assert model.index(0, 6).data() == "+1.88%"


def test_history_model_with_an_earlier_run_prepended(qtmodeltester):
    folder = GOLDEN.parent
    run0 = json.loads((folder / "tick_loop.run0.json").read_text())["events"]
    run1 = json.loads((folder / "tick_loop.run1.json").read_text())["events"]
    model = HistoryModel()
    model.tree.add_batch([("run-1", e) for e in run1])
    qtmodeltester.check(model)
    previous = model.tree.previous_run_id()
    model.tree.prepend_run(previous)
    model.tree.add_batch([(previous, e) for e in run0])
    qtmodeltester.check(model)
    assert model.index(0, 0).data().startswith("earlier run")
    assert model.parent(model.index(0, 0, model.index(1, 0))).row() == 1
