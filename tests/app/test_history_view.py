"""The history pane: follows the tail unless the user scrolled up; filters by typing,
without freezing: debounced, matched off the tree, only the matches shown (capped)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from app.models import history_search
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


def shown_leaves(view) -> list[str]:
    model = view.tree.model()
    found = []
    for t in range(model.rowCount()):
        tick = model.index(t, 0)
        found += [model.index(e, 0, tick).data() for e in range(model.rowCount(tick))]
    return found


def test_follows_the_tail_but_not_while_the_user_looks_back(qtbot):
    view, model, events = make_view(qtbot)
    bar = view.tree.verticalScrollBar()
    for start in range(0, len(events), 50):
        model.tree.add_batch([("run-1", e) for e in events[start:start + 50]])
    qtbot.waitUntil(lambda: not view._follow_pending and bar.maximum() > 0)
    assert bar.value() == bar.maximum(), "at the tail"
    run = model.index(0, 0)
    newest = model.index(model.rowCount(run) - 1, 0, run)
    assert view.tree.isExpanded(newest), "the newest tick is open"

    bar.setValue(0)  # the user scrolls up to read
    model.tree.add_batch([("run-2", e) for e in events[:200]])
    qtbot.waitUntil(lambda: not view._follow_pending)
    assert bar.value() == 0, "no jump while the user has scrolled up"


def test_typing_a_search_and_ticking_failures_only(qtbot):
    view, model, events = make_view(qtbot)
    model.tree.add_batch([("run-1", e) for e in events])
    with qtbot.waitSignal(view.filtered):
        qtbot.keyClicks(view.search, "2004-01-05")
    shown = [view.tree.model().index(r, 0).data() for r in range(view.tree.model().rowCount())]
    assert "tick 2  (run 1)" in shown, "the tick whose marker's result has that date"
    assert len(shown) < len(model.tree.runs[0].children), "and not every tick"
    assert "MarkerRecorded" in shown_leaves(view)
    with qtbot.waitSignal(view.filtered):
        view.search.clear()
    assert view.tree.model() is model, "no filter: the whole tree again"
    with qtbot.waitSignal(view.filtered):
        qtbot.mouseClick(view.failures, Qt.MouseButton.LeftButton)
    assert view.tree.model().rowCount() == 0, "a clean history has no failures"
    with qtbot.waitSignal(view.filtered):
        view.event_type.setCurrentText("Timer")
        qtbot.mouseClick(view.failures, Qt.MouseButton.LeftButton)
    assert shown_leaves(view) and all("Timer" in name for name in shown_leaves(view))
    with qtbot.waitSignal(view.filtered):
        view.event_type.setCurrentIndex(0)
        view.tick.setText("2")
    assert len(shown_leaves(view)) == len(model.tree.find_tick(2).children)


def test_a_search_on_a_big_history_runs_once_per_pause_and_shows_only_capped_matches(
        qtbot, monkeypatch):
    """The freeze: every keystroke refiltered the whole tree and expanded all of it (5.7 s a
    keystroke at 2,048 events). Now: one search when the keys rest, and at most MAX_MATCHES
    events shown (and expanded)."""
    monkeypatch.setattr(history_search, "MAX_MATCHES", 50)
    view, model, events = make_view(qtbot)
    ticks = events[5:]
    for copy in range(8):  # ~2,400 events over 8 runs
        model.tree.add_batch([(f"run-{copy}", e) for e in events[:5] + ticks])
    assert model.tree.event_count > 2_000
    starts = []
    original = view.matcher.start
    view.matcher.start = lambda tree, filters: (starts.append(filters.search),
                                                original(tree, filters))
    with qtbot.waitSignal(view.filtered, timeout=10_000) as shown:
        qtbot.keyClicks(view.search, "activity")
    assert starts == ["activity"], "one search for five keystrokes, not one per key"
    assert shown.args == [50]
    assert "the first 50" in view.note.text()
    assert len(shown_leaves(view)) == 50
    rows = view.tree.model().rowCount()
    assert rows <= 50 and all(view.tree.isExpanded(view.tree.model().index(r, 0))
                              for r in range(rows))
    node = view.shown_node(view.tree.model().index(0, 0, view.tree.model().index(0, 0)))
    assert "activity" in node.record.search_text()
