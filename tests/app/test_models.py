"""Every Qt model passes qtmodeltester, including while rows stream in."""

from __future__ import annotations

import json
from pathlib import Path

from app.models.decisions_model import DecisionsModel
from app.models.history_filter import HistoryFilter
from app.models.history_model import HistoryModel
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


def test_history_filter_by_type_tick_failures_and_payload_search(qtmodeltester):
    model = HistoryModel()
    model.tree.add_batch([("run-1", e) for e in golden_events()])
    proxy = HistoryFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)

    def leaves() -> list[str]:
        found = []
        for r in range(proxy.rowCount()):
            run = proxy.index(r, 0)
            for t in range(proxy.rowCount(run)):
                tick = proxy.index(t, 0, run)
                found += [proxy.index(e, 0, tick).data() for e in range(proxy.rowCount(tick))]
        return found

    proxy.set_filters(event_type="Timer")
    assert leaves() and all("Timer" in name for name in leaves())
    proxy.set_filters(tick=2)
    assert len(leaves()) == len(model.tree.find_tick(2).children)
    proxy.set_filters(failures_only=True)
    assert leaves() == []  # a clean run: nothing failed
    proxy.set_filters(search="2004-01-05")  # only inside tick 2's decoded marker result
    assert "MarkerRecorded" in leaves()
    proxy.set_filters()
    assert len(leaves()) == model.tree.event_count
    qtmodeltester.check(proxy)


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
