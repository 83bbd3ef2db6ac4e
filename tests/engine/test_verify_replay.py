"""`harness verify-replay`: every run of an agent, or an exported file, against today's
code; a changed history is reported at the very event where it stops matching."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from engine.replay import HistoryFileError, load_history_file, verify
from tests.runtime.helpers import harness

HISTORIES = Path(__file__).parents[1] / "histories"
GOLDEN = HISTORIES / "v2" / "auto_approve.run0.json"


def _tampered(tmp_path: Path, nth: int) -> tuple[Path, int]:
    """The golden history with the `nth` scheduled activity renamed: a workflow that
    asked for something else at that point. Returns the file and that event's id."""
    data = json.loads(GOLDEN.read_text())
    scheduled = [e for e in data["events"]
                 if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"]
    event = scheduled[nth]
    event["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "renamed_activity"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(data))
    return path, int(event["eventId"])


@pytest.mark.parametrize("nth", [0, 7, 25])
async def test_the_first_diverging_event_is_found(tmp_path, nth):
    path, event_id = _tampered(tmp_path, nth)
    [outcome] = await verify([load_history_file(path)])
    assert not outcome.ok
    assert outcome.event_id == event_id
    assert outcome.event_type == "ACTIVITY_TASK_SCHEDULED"
    assert "nondeterminism" in outcome.error.lower()


def test_the_command_reports_ok_gzip_and_failures_with_exit_codes(tmp_path):
    ok = harness(tmp_path, "verify-replay", "--file", str(HISTORIES / "v1" / "tick_loop.run1.json"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK ")

    zipped = tmp_path / "h.json.gz"
    zipped.write_bytes(gzip.compress(GOLDEN.read_bytes()))
    result = harness(tmp_path, "verify-replay", "--file", str(zipped), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["ok"] is True

    path, event_id = _tampered(tmp_path, 3)
    failed = harness(tmp_path, "verify-replay", "--file", str(path))
    assert failed.returncode == 1
    assert f"first nondeterminism at event {event_id} (ACTIVITY_TASK_SCHEDULED)" in failed.stdout


@pytest.mark.parametrize(("content", "message"), [
    (b"not json", "is not a JSON history"),
    (b'{"events": []}', "has no 'events' list"),
    (b"\x1f\x8b broken gzip", "is not a JSON history"),
    (b'{"events": [{"eventType": "NOPE_NOT_A_TYPE"}]}', "is not a Temporal history"),
])
def test_a_file_that_is_not_a_history_gets_one_clear_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(HistoryFileError, match=message):
        load_history_file(path)
    result = harness(tmp_path, "verify-replay", "--file", str(path))
    assert result.returncode == 4
    assert message in result.stderr and "Traceback" not in result.stderr


def test_every_run_of_a_live_agent_replays(runtime):
    run = harness(runtime.home, "run", "--ticks", "4", "--start-date", "2004-01-02", "--json",
                  timeout=180)
    assert run.returncode == 0, run.stderr
    workflow_id = json.loads(run.stdout)["workflow_id"]
    result = harness(runtime.home, "verify-replay", workflow_id, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    [outcome] = json.loads(result.stdout)
    assert outcome["ok"] and outcome["workflow_id"] == workflow_id and outcome["events"] > 20
