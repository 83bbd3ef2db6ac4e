"""The plain-Python history tree (engine/eventtree), on a real recorded history."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from engine.eventtree import EventTree
from engine.eventtree.payloads import decode_all

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def golden_events() -> list[dict]:
    return json.loads(GOLDEN.read_text())["events"]


class Recorder:
    def __init__(self) -> None:
        self.inserts: list[tuple[str, int, int]] = []
        self.changed_nodes: list[str] = []
        self.open = 0

    def begin_insert(self, parent, first, last):
        assert self.open == 0, "inserts never nest"
        self.open += 1
        self.inserts.append((parent.label if parent else "<root>", first, last))

    def end_insert(self):
        self.open -= 1

    def changed(self, node):
        self.changed_nodes.append(node.label)


def test_every_event_lands_under_its_run_and_tick():
    events = golden_events()
    tree = EventTree()
    tree.add_batch([("run-a", e) for e in events])
    assert tree.event_count == len(events)
    run = tree.runs[0]
    leaves = [n.record.event_id for g in run.children for n in g.children]
    assert leaves == [int(e["eventId"]) for e in events], "none dropped, order kept"
    assert run.children[0].label == "run start"
    ticks = [g for g in run.children if g.tick is not None]
    assert [g.tick for g in ticks] == list(range(1, len(ticks) + 1))
    assert ticks[0].detail == "2004-01-02"
    # Each tick opens at its fetch_tick_context marker.
    assert all(g.children[0].detail == "local activity fetch_tick_context" for g in ticks)


def test_a_batch_is_announced_as_a_few_grouped_inserts_and_replays_are_ignored():
    events = golden_events()
    recorder = Recorder()
    tree = EventTree(recorder)
    tree.add_batch([("run-a", e) for e in events])
    groups = len(tree.runs[0].children)
    # One insert for the run, one per group, one per contiguous slice of events.
    assert len(recorder.inserts) == 1 + 2 * groups
    tree.add_batch([("run-a", e) for e in events[:50]])  # a restarted stream re-sends these
    assert tree.event_count == len(events)
    assert len(recorder.inserts) == 1 + 2 * groups


def test_activities_carry_name_attempt_duration_and_the_order_id():
    tree = EventTree()
    tree.add_batch([("r", e) for e in golden_events()])
    details = [n.detail for g in tree.runs[0].children for n in g.children]
    assert any(d.startswith("invoke_model_activity  attempt 1") and d.endswith(" ms")
               for d in details)
    orders = [d for d in details if d.startswith("place_order  client_order_id=")]
    assert orders and all("golden-tick_loop" in d for d in orders)


def test_a_failure_colours_its_tick_and_run_and_a_retry_is_marked():
    events = golden_events()
    first = next(i for i, e in enumerate(events) if e["eventType"].endswith("TASK_COMPLETED")
                 and "activityTaskCompletedEventAttributes" in e)
    events = events[:first]  # up to the first activity's completion, which becomes a failure
    failed = copy.deepcopy(golden_events()[first])
    failed["eventType"] = "EVENT_TYPE_ACTIVITY_TASK_FAILED"
    attrs = failed.pop("activityTaskCompletedEventAttributes")
    attrs["failure"] = {"message": "broker said 503"}
    failed["activityTaskFailedEventAttributes"] = attrs
    retry = copy.deepcopy(next(e for e in events if e["eventType"].endswith("TASK_STARTED")
                               and "activityTaskStartedEventAttributes" in e))
    retry["eventId"] = str(first + 2)
    retry["activityTaskStartedEventAttributes"]["attempt"] = 2
    tree = EventTree()
    tree.add_batch([("r", e) for e in events + [failed, retry]])
    tick = tree.find_tick(1)
    assert tick.status == "failed" and tree.runs[0].status == "failed"
    statuses = {n.record.event_id: n.status for n in tick.children}
    assert statuses[first + 1] == "failed" and statuses[first + 2] == "retry"
    assert "broker said 503" in tick.children[-2].detail


def test_continue_as_new_starts_a_new_run_numbering_ticks_from_the_carry():
    events = golden_events()
    second = copy.deepcopy(events[:8])
    started = second[0]["workflowExecutionStartedEventAttributes"]
    payload = started["input"]["payloads"][0]
    import base64

    value = json.loads(base64.b64decode(payload["data"]))
    value["carry"] = {"tick": 12}
    payload["data"] = base64.b64encode(json.dumps(value).encode()).decode()
    tree = EventTree()
    tree.add_batch([("run-1", e) for e in events] + [("run-2", e) for e in second])
    assert [r.run_id for r in tree.runs] == ["run-1", "run-2"]
    assert tree.runs[1].children[1].tick == 13
    assert tree.latest_tick() == 13


def test_notes_search_and_export():
    events = golden_events()
    tree = EventTree()
    tree.add_batch([("r", e) for e in events])
    note = tree.annotate("worker killed (SIGKILL, pid 1) at tick 12")
    assert note.status == "note" and note.event_id is None
    assert tree.event_count == len(events), "a note is not an event"
    # Search reaches into decoded payloads: a date only present inside the marker's result.
    marker = tree.find_tick(1).children[0]
    assert "2004-01-02" in marker.record.search_text()
    assert json.loads(tree.export_json())["events"] == events, "the export is the history"


def test_payloads_are_decoded_for_people():
    decoded = decode_all(golden_events()[0])
    config = decoded["workflowExecutionStartedEventAttributes"]["input"]["config"]
    assert config["symbols"] == ["AAPL", "MSFT"]


def test_an_earlier_run_is_fetched_on_demand_and_goes_above():
    folder = GOLDEN.parent
    run0 = json.loads((folder / "tick_loop.run0.json").read_text())["events"]
    run1 = json.loads((folder / "tick_loop.run1.json").read_text())["events"]
    first_id = run0[0]["workflowExecutionStartedEventAttributes"]["originalExecutionRunId"]
    recorder = Recorder()
    tree = EventTree(recorder)
    tree.add_batch([("run-1", e) for e in run1])  # a window opens at the latest run
    assert tree.previous_run_id() == first_id
    first_tick_of_run1 = tree.runs[0].children[1].tick
    assert first_tick_of_run1 > 1, "numbered from the carried tick"

    tree.prepend_run(first_id)
    assert recorder.inserts[-1] == ("<root>", 0, 0)
    tree.add_batch([(first_id, e) for e in run0])
    assert [r.run_id for r in tree.runs] == [first_id, "run-1"]
    assert [r.row for r in tree.runs] == [0, 1]
    assert tree.runs[0].children[1].tick == 1
    assert tree.runs[0].children[-1].tick == first_tick_of_run1 - 1, "no tick lost or doubled"
    assert tree.previous_run_id() is None, "run 0 is the first"
    assert tree.event_count == len(run0) + len(run1)


def test_open_timers_of_the_newest_tick():
    events = golden_events()
    started = next(i for i, e in enumerate(events) if e["eventType"].endswith("TIMER_STARTED"))
    tree = EventTree()
    tree.add_batch([("r", e) for e in events[:started + 1]])
    timer = events[started]["timerStartedEventAttributes"]
    assert tree.open_timers() == [f"durable timer {timer['timerId']}: "
                                  f"{timer['startToFireTimeout']}"]
    closing = next(e for e in events[started + 1:] if e["eventType"].endswith(
        ("TIMER_FIRED", "TIMER_CANCELED")))
    tree.add_batch([("r", closing)])
    assert tree.open_timers() == []
