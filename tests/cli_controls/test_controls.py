"""pause, resume, limits, steer, stop, agents and runs, run as a user would (a subprocess
per command) against a real agent on the session's runtime."""

from __future__ import annotations

import json

from engine.cli.exit_codes import EXIT_INVALID_CONFIG, EXIT_UNHEALTHY, EXIT_UNKNOWN_AGENT
from engine.contracts import ApprovalPolicy, Phase
from tests.cli_controls.conftest import agent_config, cli, cli_json, wait_for_state
from tests.runtime.helpers import wait_until


async def _event_count(client, workflow_id: str) -> int:
    return len((await client.history(workflow_id)).events)


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


async def test_a_user_pauses_limits_steers_resumes_and_stops_an_agent(runtime, client):
    workflow_id = await client.start_agent(agent_config(
        tick_interval_s=0.2, approval_policy=ApprovalPolicy.AUTO_APPROVE))
    await wait_for_state(client, workflow_id, lambda s: s.tick >= 2, "two ticks")

    # Temporal's visibility lists a new workflow a moment after its start: poll for it.
    row = wait_until(lambda: {r["workflow_id"]: r for r in cli_json(runtime, "agents")}.get(
        workflow_id), 60, "the agent in `harness agents`")
    assert (row["status"], row["phase"]) == ("running", "running")
    assert row["tick"] >= 2 and row["equity"] > 0
    assert workflow_id in cli(runtime, "agents").stdout

    paused = cli(runtime, "pause", workflow_id)
    assert paused.returncode == 0 and f"agent {workflow_id}: paused" in paused.stdout
    parked = await wait_for_state(client, workflow_id, lambda s: s.phase == Phase.PAUSED,
                                  "the loop to park")

    shown = cli(runtime, "limits", workflow_id)
    assert shown.returncode == 0 and "max_order_notional: 25000.0" in shown.stdout
    changed = cli_json(runtime, "limits", workflow_id, "--max-order", "5000",
                       "--approval", "2000", "--symbols", "aapl,msft")
    assert changed["max_order_notional"] == 5000 and changed["approval_notional"] == 2000
    assert changed["allowed_symbols"] == ["AAPL", "MSFT"]
    assert (await client.state(workflow_id)).limits.max_order_notional == 5000

    # Refused input: one line naming the flag and what is allowed, nothing written.
    before = await _event_count(client, workflow_id)
    bad = cli(runtime, "limits", workflow_id, "--max-order", "-1")
    assert bad.returncode == EXIT_INVALID_CONFIG
    assert "--max-order '-1'" in _one_line(bad) and "greater than 0" in bad.stderr
    # The agent's own validator refuses what only it can judge.
    above = cli(runtime, "limits", workflow_id, "--approval", "9000")
    assert above.returncode == EXIT_UNHEALTHY
    assert "approval threshold $9,000.00 is above the per-order limit" in _one_line(above)
    empty_note = cli(runtime, "steer", workflow_id, "   ")
    assert empty_note.returncode == EXIT_INVALID_CONFIG and "1..500" in _one_line(empty_note)
    long_note = cli(runtime, "steer", workflow_id, "x" * 501)
    assert long_note.returncode == EXIT_INVALID_CONFIG and "501 characters" in long_note.stderr
    assert await _event_count(client, workflow_id) == before
    assert (await client.state(workflow_id)).limits.approval_notional == 2000

    steered = cli(runtime, "steer", workflow_id, "buy only on dips")
    assert steered.returncode == 0, steered.stderr
    # Paused all along: many seconds of commands and not one tick moved.
    assert (await client.state(workflow_id)).tick == parked.tick

    resumed = cli(runtime, "resume", workflow_id)
    assert resumed.returncode == 0 and "running" in resumed.stdout
    after = await wait_for_state(
        client, workflow_id, lambda s: any(d.tick > parked.tick for d in s.last_decisions),
        "a decision after resume")
    noted = [d for d in after.last_decisions if d.tick > parked.tick]
    assert noted and "buy only on dips" in noted[0].intent.rationale, noted

    stopped = cli(runtime, "stop", workflow_id, "--json")
    assert stopped.returncode == 0, stopped.stderr
    summary = json.loads(stopped.stdout)
    assert summary["phase"] == "stopped" and summary["workflow_id"] == workflow_id
    assert summary["ticks"] >= after.tick and summary["decisions"] == summary["ticks"]

    again = cli(runtime, "pause", workflow_id)
    assert again.returncode == EXIT_UNHEALTHY
    assert "is not running (completed)" in _one_line(again)
    # Under load the agent may have lived past 25 ticks, i.e. continued as new: the runs
    # then cover ticks 1..N without a gap, and only the last one completed.
    runs = cli_json(runtime, "runs", workflow_id)
    assert [r["status"] for r in runs] == ["continued_as_new"] * (len(runs) - 1) + ["completed"]
    assert runs[0]["first_tick"] == 1 and runs[-1]["last_tick"] == summary["ticks"]
    assert all(a["last_tick"] + 1 == b["first_tick"] for a, b in zip(runs, runs[1:], strict=False))
    listed = {r["workflow_id"]: r for r in cli_json(runtime, "agents")}[workflow_id]
    assert (listed["phase"], listed["tick"]) == ("stopped", summary["ticks"])


async def test_runs_names_each_run_of_an_agent_that_continued_as_new(runtime, client):
    workflow_id = await client.start_agent(agent_config(max_ticks=10, continue_as_new_every=4))
    summary = await client.result(workflow_id)
    assert summary.ticks == 10
    runs = cli_json(runtime, "runs", workflow_id)
    assert [(r["status"], r["first_tick"], r["last_tick"]) for r in runs] == [
        ("continued_as_new", 1, 4), ("continued_as_new", 5, 8), ("completed", 9, 10)]
    histories = await client.run_histories(workflow_id)
    assert [r["events"] for r in runs] == [len(h.events) for h in histories]
    table = cli(runtime, "runs", workflow_id).stdout
    assert "5-8" in table and runs[1]["run_id"] in table


async def test_listing_a_long_chain_of_runs_costs_no_round_trip_per_run(
    runtime, client, monkeypatch
):
    """A fast agent leaves thousands of runs a day: `harness runs` took 9.5 s for 372 of
    them (one describe and one close-event read per run, in turn), `harness agents` listed
    every run of every agent. Counted here: the describes and the listed executions."""
    import asyncio
    from datetime import timedelta

    from engine import listing

    workflow_id = await client.start_agent(agent_config(max_ticks=24, continue_as_new_every=2))
    summary = await client.result(workflow_id)
    assert summary.counters.runs == 12
    # Runs continued as new this recently are listed too (a successor may not be yet):
    # a shorter while than a minute, so that this agent's are past it.
    monkeypatch.setattr(listing, "CONTINUED_LATELY", timedelta(seconds=2), raising=False)
    await asyncio.sleep(3)
    service = client.temporal.workflow_service
    calls = {"describe": 0, "listed": 0}
    describe, list_page = service.describe_workflow_execution, service.list_workflow_executions

    async def counted_describe(*args, **kwargs):
        calls["describe"] += 1
        return await describe(*args, **kwargs)

    async def counted_list(*args, **kwargs):
        page = await list_page(*args, **kwargs)
        calls["listed"] += len(page.executions)
        return page

    service.describe_workflow_execution = counted_describe
    service.list_workflow_executions = counted_list
    try:
        rows = await client.runs(workflow_id)
        assert [(r.first_tick, r.last_tick) for r in rows] == [
            (t, t + 1) for t in range(1, 25, 2)]
        # Before: 12, one per run; now the runs visibility does not list as continued yet.
        assert calls["describe"] <= 3, calls
        calls["listed"] = 0
        agents = await client.list_agents(limit=500)
        assert [a.workflow_id for a in agents].count(workflow_id) == 1
        assert calls["listed"] < 12 + len(agents), calls  # before: every run of every agent
    finally:
        service.describe_workflow_execution = describe
        service.list_workflow_executions = list_page


def test_an_unknown_agent_id_is_one_line_and_its_own_exit_code(runtime):
    for args in (("runs",), ("pause",), ("resume",), ("stop",), ("limits",),
                 ("limits", "--max-order", "10"), ("steer", "note"), ("state",),
                 ("history",), ("history", "--json"), ("why", "1")):
        verb, *rest = args
        result = cli(runtime, verb, "agent-nobody-started", *rest)
        assert result.returncode == EXIT_UNKNOWN_AGENT, (args, result.stderr)
        assert _one_line(result) == "harness: no agent 'agent-nobody-started' in this namespace"
