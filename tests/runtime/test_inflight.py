"""The in-flight record a worker leaves for its supervisor (no process needed)."""

from __future__ import annotations

from engine.inflight_recorder import InflightRecorder
from engine.runtime.inflight import MAX_WORKFLOWS, inflight_path, read_inflight


def test_the_record_follows_activities_and_remembers_recent_workflows(tmp_path):
    path = inflight_path(tmp_path, "worker-1")
    recorder = InflightRecorder(path)
    recorder.begin("place_order:wf-a/7", b"\x00token-a", "wf-a", "run-1")
    recorder.begin(None, b"", "wf-b", "run-2")  # a local activity: no token kept
    recorder.begin("invoke_model_activity:wf-b/3", b"token-b\xff", "wf-b", "run-2")
    state = read_inflight(path)
    assert state.activities == {"place_order:wf-a/7": b"\x00token-a",
                                "invoke_model_activity:wf-b/3": b"token-b\xff"}
    assert state.workflows == [("wf-a", "run-1"), ("wf-b", "run-2")]

    recorder.end("place_order:wf-a/7")
    recorder.end(None)
    assert list(read_inflight(path).activities) == ["invoke_model_activity:wf-b/3"]

    for n in range(MAX_WORKFLOWS + 5):
        recorder.begin(None, b"", f"wf-{n}", "r")
    workflows = read_inflight(path).workflows
    assert len(workflows) == MAX_WORKFLOWS and workflows[-1] == (f"wf-{MAX_WORKFLOWS + 4}", "r")


def test_a_missing_or_torn_record_reads_as_nothing_in_flight(tmp_path):
    path = inflight_path(tmp_path, "worker-9")
    assert read_inflight(path).activities == {}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"activities": {"x": "')
    assert read_inflight(path).activities == {} and read_inflight(path).workflows == []


def test_a_dead_runtimes_records_are_taken_before_new_workers_start(tmp_path):
    """The supervisor takes them (read and removed) before it spawns its own workers, and
    hands them over once its failover runs (after the spawns, off the start-up's path)."""
    from engine.runtime.inflight import take_leftovers

    InflightRecorder(inflight_path(tmp_path, "worker-2")).begin(
        "place_order:wf-a/7", b"token", "wf-a", "run-1")
    leftovers = take_leftovers(tmp_path)
    assert list(leftovers) == ["worker-2"]
    assert leftovers["worker-2"].activities == {"place_order:wf-a/7": b"token"}
    assert not inflight_path(tmp_path, "worker-2").exists() and take_leftovers(tmp_path) == {}
