"""`harness run --id X` for an X that already finished: a clear refusal, no traceback."""

from __future__ import annotations

import json
import uuid

from tests.runtime.helpers import harness


def test_running_a_finished_agent_id_again_is_refused_clearly(runtime):
    workflow_id = f"test-finished-{uuid.uuid4().hex[:6]}"
    args = ("run", "--ticks", "2", "--start-date", "2004-01-02", "--id", workflow_id, "--json")
    first = harness(runtime.home, *args, timeout=180)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["phase"] == "finished" and report["book_vs_broker"] == "agrees"

    again = harness(runtime.home, *args, timeout=180)
    assert again.returncode == 1, again.stderr
    assert "Traceback" not in again.stderr
    assert f"agent {workflow_id} already ran to its end (completed)" in again.stderr
    assert f"harness state {workflow_id}" in again.stderr
