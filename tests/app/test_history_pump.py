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
