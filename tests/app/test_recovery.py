"""The recovery story, from service changes and history events (no real crash needed)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.history_pump import HistoryPump
from app.recovery import RecoveryNarrator
from tests.app.conftest import state

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def narrator(controller):
    controller.supervisor = controller.info = None
    controller.home = Path("/nonexistent")
    controller.pump = HistoryPump(controller.history)
    controller.state = state(tick=12)
    controller.history.tree.add_batch(
        [("run-1", e) for e in json.loads(GOLDEN.read_text())["events"]])
    notices: list[tuple[str, str]] = []
    controller.notice.connect(lambda level, text: notices.append((level, text)))
    return RecoveryNarrator(controller), notices


def test_a_worker_that_dies_by_itself_is_narrated_until_it_resumes(controller, qtbot):
    story, notices = narrator(controller)
    with qtbot.waitSignal(controller.crash_marked) as marked:
        story.on_services({"worker-1": {"status": "restarting", "pid": None}})
    assert marked.args == [12]
    assert notices[-1] == ("warn", "Worker killed at tick 12: waiting for a worker to take "
                                   "over…")
    story.on_services({"worker-1": {"status": "starting", "pid": 4242}})
    assert "restarted worker (pid 4242) is starting" in notices[-1][1]
    story.on_event("WorkflowTaskTimedOut", time.time() + 0.5)  # the server's, not a worker's
    assert story.recovering
    story.on_event("WorkflowTaskCompleted", story.watch.killed_at + 2.25)
    level, text = notices[-1]
    assert level == "ok" and text.endswith("resumed at tick 12, 2,250 ms after the kill")
    # A crash the runtime recovered from is no error: the Log button must not count one.
    assert [level for level, _ in notices if level == "error"] == []
    notes = [n.detail for n in controller.history.tree.runs[0].children[-1].children
             if n.record.raw is None]
    assert notes == ["worker died at tick 12", "resumed at tick 12, 2,250 ms after the kill"]


def test_simulate_crash_without_a_worker_says_so(controller):
    story, _ = narrator(controller)
    failures = []
    controller.request_failed.connect(lambda action, text: failures.append((action, text)))
    story.kill_now()
    assert failures == [("crash", "no worker is running right now")]
    assert story.watch is None
