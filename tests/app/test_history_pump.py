"""The pump: one slice per event-loop turn, and the long-lived tree kept out of the
collector's full scans."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from app.history_pump import FREEZE_EVERY, SLICE, HistoryPump
from app.models.history_model import HistoryModel

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def test_slices_per_turn_then_freezes_the_tree_and_thaws_it_for_a_new_one(qtbot):
    events = json.loads(GOLDEN.read_text())["events"]
    copies = FREEZE_EVERY // len(events) + 1
    model = HistoryModel()
    model.keep_runs = copies  # this test is about slicing and freezing, not forgetting
    pump = HistoryPump(model)
    applied: list[int] = []
    pump.flushed.connect(applied.append)
    gc.unfreeze()
    pump.extend([(f"run-{i}", e) for i in range(copies) for e in events])
    assert model.tree.event_count == 0, "nothing applied within the caller's turn"
    qtbot.waitUntil(lambda: pump.pending() == 0)
    assert max(applied) == SLICE and sum(applied) == copies * len(events)
    assert model.tree.event_count == copies * len(events)
    assert gc.get_freeze_count() > 0
    pump.clear()
    assert gc.get_freeze_count() == 0


def test_a_long_session_keeps_only_its_last_runs_and_frees_the_rest(qtbot):
    """Memory stays flat: every run used to stay in the tree (4.3 KiB an event, ~90 MiB per
    1,000 ticks); now the oldest runs go when a new one starts (Earlier run reloads them),
    and nothing keeps their nodes alive (the model's index map included)."""
    import sys

    events = json.loads(GOLDEN.read_text())["events"]
    model = HistoryModel()
    pump = HistoryPump(model)
    for run in range(10):  # ten continue-as-new runs, streamed one after another
        pump.extend([(f"run-{run}", e) for e in events])
        qtbot.waitUntil(lambda: pump.pending() == 0)
        if run == 0:
            first = model.tree.runs[0]
            model.index(0, 0, model.index(0, 0))  # indexed, as a view would
            record = first.children[0].children[0].record
            held = sys.getrefcount(record)  # ours, the argument's, and its node's
    assert [r.run_id for r in model.tree.runs] == [f"run-{i}" for i in range(6, 10)]
    assert model.tree.event_count == 4 * len(events)
    assert model.rowCount() == 4
    assert all(id(n) not in model._nodes for n in [first])
    del first
    gc.collect()
    assert sys.getrefcount(record) == held - 1, "nothing but this test holds the event"
    assert model.tree.find_tick(1) is None or model.tree.find_tick(1).run_id != "run-0"


def test_events_buffered_when_the_model_goes_away_are_dropped_quietly(qtbot):
    """A window torn down (an agent switched, a test ended) with events still buffered:
    the next turn's flush found a deleted model and raised in the event loop."""
    import shiboken6

    events = json.loads(GOLDEN.read_text())["events"]
    model = HistoryModel()
    pump = HistoryPump(model)
    pump.extend([("run-0", e) for e in events])
    shiboken6.delete(model)
    qtbot.waitUntil(lambda: pump.pending() == 0)  # before: RuntimeError in the flush
