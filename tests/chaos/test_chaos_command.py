"""`harness chaos`, as CI runs it: 60 ticks, 8 worker kills at seeded moments. The run
with kills must end exactly like the run without, with no order twice; the recovery
figures are printed (run with -s), never asserted (the machine is shared)."""

from __future__ import annotations

import json

import pytest

from engine.chaos_run import MAX_KILL_DELAY_S, kill_delays
from tests.runtime.helpers import harness


def test_kill_moments_are_seeded_and_short():
    delays = kill_delays(8, seed=3)
    assert delays == kill_delays(8, seed=3) != kill_delays(8, seed=4)
    assert len(delays) == 8 and len(set(delays)) > 1
    assert all(0 <= d < MAX_KILL_DELAY_S for d in delays)


@pytest.mark.timeout(660)  # after the command's own limit, so its output is shown
def test_eight_worker_kills_change_nothing_and_duplicate_nothing(tmp_path):
    result = harness(tmp_path, "chaos", "--ticks", "60", "--kills", "8", "--seed", "3",
                     "--json", timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    print(f"\nchaos: recoveries {report['recoveries_ms']} ms, median {report['median_ms']}")
    assert report["kills"] == 8 and len(report["recoveries_ms"]) == 8
    assert report["duplicate_orders"] == 0
    assert report["orders_unseen"] == 0, "the census saw every order the broker numbered"
    assert report["lost_ticks"] == 0
    assert report["final_state_equal"] is True, report["diff"]


@pytest.mark.timeout(660)  # after the command's own limit, so its output is shown
def test_app_kills_restart_the_runtime_and_the_agent_resumes_unchanged(tmp_path):
    """--target app: the process hosting the runtime is SIGKILLed (everything dies with
    it) and the next one starts on the same home; the agent ends as if nothing happened.
    The home does not exist beforehand, as for a user's first try."""
    home = tmp_path / "new-home"
    result = harness(home, "chaos", "--target", "app", "--ticks", "30", "--kills", "2",
                     "--seed", "5", "--json", timeout=600)
    app_log = home / "logs" / "chaos-app.log"
    assert result.returncode == 0, (result.stdout[-2000:] + result.stderr[-3000:]
                                    + (app_log.read_text()[-4000:] if app_log.exists() else ""))
    report = json.loads(result.stdout)
    print(f"\napp chaos: recoveries {report['recoveries_ms']} ms")
    assert report["target"] == "app" and report["kills"] == 2
    assert report["duplicate_orders"] == 0 and report["lost_ticks"] == 0
    assert report["final_state_equal"] is True, report["diff"]
