"""The agent commands of `harness`, run as a user would, against the session's
runtime and its real worker process (`python -m engine.worker`)."""

from __future__ import annotations

import json
import subprocess

import httpx

from engine.cli.exit_codes import EXIT_UNKNOWN_AGENT
from engine.runtime.pids import pid_alive
from tests.runtime.helpers import REPO, cli_argv, harness


def test_run_prints_the_final_state_then_state_history_and_review_read_it(runtime):
    httpx.post(f"{runtime.mockoon_url}/__harness/reset", json={"cash": 1e12}).raise_for_status()
    result = harness(
        runtime.home, "run", "--symbols", "AAPL,MSFT", "--ticks", "25", "--seed", "3",
        "--start-date", "2004-01-02", "--approve", "auto", "--json", timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ticks"] == 25 and report["decisions"] == 25
    assert report["phase"] == "finished"
    assert report["orders"] > 0 and report["positions"]
    assert report["equity"] > 0 and report["cash"] < 100_000
    assert set(report["approvals"]) <= {"approved"}
    workflow_id = report["workflow_id"]

    state = harness(runtime.home, "state", workflow_id, "--json")
    assert state.returncode == 0, state.stderr
    assert json.loads(state.stdout)["tick"] == 25

    history = harness(runtime.home, "history", workflow_id, "--json")
    events = json.loads(history.stdout)["events"]
    assert events[0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert events[-1]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
    # The agent continued as new on its history's event budget: its model calls and orders
    # are spread over its runs, each read on its own.
    runs = json.loads(harness(runtime.home, "runs", workflow_id, "--json").stdout)
    assert len(runs) > 1
    readable = "".join(harness(runtime.home, "history", workflow_id, "--run-id",
                               run["run_id"]).stdout for run in runs)
    assert "invoke_model_activity" in readable and "place_order" in readable

    refused = harness(runtime.home, "approve", workflow_id, "t1-NOPE", "--reason", "x")
    assert refused.returncode == 1
    assert "is not running" in refused.stderr and "Traceback" not in refused.stderr
    missing = harness(runtime.home, "state", "agent-that-never-was")
    assert missing.returncode == EXIT_UNKNOWN_AGENT
    assert "no agent 'agent-that-never-was'" in missing.stderr


def test_run_on_an_empty_home_starts_a_runtime_and_leaves_nothing_behind(tmp_path):
    result = harness(
        tmp_path, "run", "--ticks", "3", "--start-date", "2004-01-02", "--json", timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ticks"] == 3
    record = json.loads((tmp_path / "runtime.json").read_text()) if (
        tmp_path / "runtime.json"
    ).exists() else None
    if record:  # the file may remain as a record; its processes must be gone
        assert not any(pid_alive(s["pid"]) for s in record["services"].values() if s.get("pid"))
    assert harness(tmp_path, "status").returncode == 2


def test_state_without_a_runtime_says_how_to_start_one(tmp_path):
    result = harness(tmp_path, "state", "agent-x")
    assert result.returncode != 0
    assert "harness up" in result.stderr


def test_run_asks_on_the_terminal_and_keeps_stdout_for_the_report(runtime):
    httpx.post(f"{runtime.mockoon_url}/__harness/reset", json={"cash": 1e12}).raise_for_status()
    result = subprocess.run(
        cli_argv(runtime.home, "run", "--ticks", "12", "--start-date", "2004-01-02",
                 "--approve", "ask", "--json"),
        input="y\n" * 20, capture_output=True, text=True, timeout=180, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # prompts went to stderr, not into the JSON
    assert "approve? [y/N]" in result.stderr and "needs approval:" in result.stderr
    # The clock stood still while each question was open: every one was answered yes,
    # none was superseded or expired under the human's nose.
    assert report["approvals"].get("approved", 0) >= 1
    assert set(report["approvals"]) <= {"approved", "cancelled"}, report["approvals"]


def test_a_seeded_run_gives_the_same_report_every_time(runtime):
    """`--approve auto` is a policy inside the workflow, so nothing races the loop: the same
    seed and options give the same decisions, orders and book (workflow id aside)."""
    argv = ("run", "--symbols", "AAPL,MSFT", "--ticks", "40", "--seed", "7",
            "--start-date", "2004-01-02", "--approve", "auto", "--json")
    reports = []
    for _ in range(2):
        httpx.post(f"{runtime.mockoon_url}/__harness/reset", json={"cash": 1e12}).raise_for_status()
        result = harness(runtime.home, *argv, timeout=180)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        report.pop("workflow_id")
        reports.append(report)
    assert reports[0]["approvals"].get("approved", 0) >= 1, reports[0]
    assert reports[0]["orders"] > 0
    assert reports[0] == reports[1]


def test_run_with_approve_reject_places_no_trade_that_needs_approval(runtime):
    httpx.post(f"{runtime.mockoon_url}/__harness/reset", json={"cash": 1e12}).raise_for_status()
    result = harness(
        runtime.home, "run", "--symbols", "AAPL,MSFT", "--ticks", "40", "--seed", "7",
        "--start-date", "2004-01-02", "--approve", "reject", "--json", timeout=180,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["approvals"]) == {"rejected"}, report["approvals"]
