"""The history pane: follows the tail unless the user scrolled up; filters by typing."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from app.models.history_model import HistoryModel
from app.widgets.history_view import HistoryView

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def make_view(qtbot) -> tuple[HistoryView, HistoryModel, list[dict]]:
    model = HistoryModel()
    view = HistoryView(model)
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    return view, model, json.loads(GOLDEN.read_text())["events"]


def test_follows_the_tail_but_not_while_the_user_looks_back(qtbot):
    view, model, events = make_view(qtbot)
    bar = view.tree.verticalScrollBar()
    for start in range(0, len(events), 50):
        model.tree.add_batch([("run-1", e) for e in events[start:start + 50]])
    qtbot.waitUntil(lambda: not view._follow_pending and bar.maximum() > 0)
    assert bar.value() == bar.maximum(), "at the tail"
    newest = view.proxy.index(view.proxy.rowCount(view.proxy.index(0, 0)) - 1, 0,
                              view.proxy.index(0, 0))
    assert view.tree.isExpanded(newest), "the newest tick is open"

    bar.setValue(0)  # the user scrolls up to read
    model.tree.add_batch([("run-2", e) for e in events[:200]])
    qtbot.waitUntil(lambda: not view._follow_pending)
    assert bar.value() == 0, "no jump while the user has scrolled up"


def test_typing_a_search_and_ticking_failures_only(qtbot):
    view, model, events = make_view(qtbot)
    model.tree.add_batch([("run-1", e) for e in events])
    qtbot.keyClicks(view.search, "2004-01-05")
    run = view.proxy.index(0, 0)
    shown = [view.proxy.index(r, 0, run).data() for r in range(view.proxy.rowCount(run))]
    assert "tick 2" in shown, "the tick whose marker's result has that date"
    assert len(shown) < len(model.tree.runs[0].children), "and not every tick"
    view.search.clear()
    qtbot.mouseClick(view.failures, Qt.MouseButton.LeftButton)
    assert view.proxy.rowCount() == 0, "a clean history has no failures"
    qtbot.mouseClick(view.failures, Qt.MouseButton.LeftButton)
    assert view.proxy.rowCount() == 1
