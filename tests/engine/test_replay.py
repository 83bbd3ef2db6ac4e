"""The golden histories in tests/histories/ must replay against today's workflow
code (with the plugin, as production runs it); a nondeterministic change must not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from engine.client import HarnessClient
from engine.config import WORKFLOW_SANDBOX_ENV, SettingsError, load_settings
from engine.contracts import AgentInput, AgentSummary
from engine.plugin import agents_plugin
from engine.replay import _replayer, workflow_id_of
from engine.worker_runner import workflow_runner
from engine.workflows.trading_agent import TradingAgentWorkflow

with workflow.unsafe.imports_passed_through():
    # The sandbox re-imports this module (it defines a workflow below); the recorder
    # imports the runtime, which the sandbox must not load.
    from tests.histories.record import SCENARIOS, VERSION

HISTORIES = Path(__file__).parents[1] / "histories"
# Every version ever recorded: agents started on any of them must keep replaying. And the
# upgrades: runs begun on an earlier version and carried on by later code, recorded by the
# tests that drive them (tests/engine/test_owed_account.py).
GOLDEN = sorted(HISTORIES.glob("v*/*.json")) + sorted(HISTORIES.glob("upgrades/*.json"))


def _load(path: Path) -> WorkflowHistory:
    data = json.loads(path.read_text())
    return WorkflowHistory.from_json(workflow_id_of(data, path.stem), data)


def test_golden_histories_exist_for_every_scenario_of_the_current_version():
    current = [p for p in GOLDEN if p.parent.name == VERSION]
    assert {p.name.split(".")[0] for p in current} == set(SCENARIOS)
    assert any(p.name.endswith(".run1.json") for p in current), "a continued-as-new run"
    assert {p.parent.name for p in GOLDEN} >= {"v1", VERSION}


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_golden_history_replays(path):
    assert await HarnessClient.replay_check([_load(path)]) == []


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_golden_history_replays_on_the_workers_unsandboxed_runner(path):
    """Production runs workflows unsandboxed (engine/worker_runner.py): the same
    histories must replay there too, not only in the sandbox the check above uses."""
    replayer = Replayer(workflows=[TradingAgentWorkflow], plugins=[agents_plugin()],
                        workflow_runner=workflow_runner(sandboxed=False))
    result = await replayer.replay_workflow(_load(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def test_the_worker_runs_unsandboxed_and_replays_keep_the_sandbox(tmp_path):
    def runner(**env):
        return workflow_runner(load_settings(tmp_path, env=env).workflow_sandbox)

    assert isinstance(runner(), UnsandboxedWorkflowRunner)
    assert isinstance(runner(**{WORKFLOW_SANDBOX_ENV: "1"}), SandboxedWorkflowRunner)
    assert isinstance(runner(**{WORKFLOW_SANDBOX_ENV: "off"}), UnsandboxedWorkflowRunner)
    with pytest.raises(SettingsError, match=r"\$HARNESS_WORKFLOW_SANDBOX\): workflow_sandbox"):
        runner(**{WORKFLOW_SANDBOX_ENV: "maybe"})
    # The replay check (verify-replay, the test above) keeps the sandbox's run-time
    # check for nondeterministic calls in workflow code.
    runner = _replayer().config(active_config=True)["workflow_runner"]
    assert isinstance(runner, SandboxedWorkflowRunner)


@workflow.defn(name="TradingAgentWorkflow")
class ReorderedTickWorkflow(TradingAgentWorkflow):
    """A deliberately nondeterministic edit: it sleeps before each tick's market read."""

    @workflow.run
    async def run(self, params: AgentInput) -> AgentSummary:
        return await super().run(params)

    async def _tick(self) -> bool:
        await workflow.sleep(0.01)
        return await super()._tick()


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "unsandboxed"])
async def test_a_nondeterministic_change_fails_the_replay(sandboxed):
    replayer = Replayer(workflows=[ReorderedTickWorkflow], plugins=[agents_plugin()],
                        workflow_runner=workflow_runner(sandboxed=sandboxed))
    history = _load(HISTORIES / VERSION / "tick_loop.run0.json")
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "nondetermin" in str(result.replay_failure).lower()
