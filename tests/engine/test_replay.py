"""The golden histories in tests/histories/ must replay against today's workflow
code (with the plugin, as production runs it); a nondeterministic change must not."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from engine.client import HarnessClient
from engine.contracts import AgentInput, AgentSummary
from engine.plugin import agents_plugin
from engine.workflows.trading_agent import TradingAgentWorkflow

GOLDEN = sorted((Path(__file__).parents[1] / "histories").glob("*.json"))


def _load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


def test_golden_histories_exist_for_every_scenario():
    names = {p.name.split(".")[0] for p in GOLDEN}
    assert {"tick_loop", "human_in_the_loop"} <= names
    assert any(p.name.endswith(".run1.json") for p in GOLDEN), "a continued-as-new run"


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
async def test_golden_history_replays(path):
    assert await HarnessClient.replay_check([_load(path)]) == []


@workflow.defn(name="TradingAgentWorkflow")
class ReorderedTickWorkflow(TradingAgentWorkflow):
    """A deliberately nondeterministic edit: it sleeps before each tick's market read."""

    @workflow.run
    async def run(self, params: AgentInput) -> AgentSummary:
        return await super().run(params)

    async def _tick(self) -> bool:
        await workflow.sleep(0.01)
        return await super()._tick()


async def test_a_nondeterministic_change_fails_the_replay():
    replayer = Replayer(workflows=[ReorderedTickWorkflow], plugins=[agents_plugin()])
    history = _load(next(p for p in GOLDEN if p.name == "tick_loop.run0.json"))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "nondetermin" in str(result.replay_failure).lower()
