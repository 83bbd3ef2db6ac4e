"""The agent's own journal of a run, rebuilt by replaying that run's history.

The guardrail is pure code inside the workflow: its verdict is computed, not written to the
history. It is a function of recorded inputs only, so replaying the run against the workflow
code recomputes exactly what the agent decided, with no server, worker or network (this is
what a worker taking the agent over does). The replay stops at the history's end, so a run
still going gives its memory as of its last workflow task.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    Replayer,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from engine.contracts import Decision
from engine.plugin import agents_plugin
from engine.workflows.trading_agent import TradingAgentWorkflow


class ReplayFailed(RuntimeError):
    """The run does not replay against the code installed here (see `harness verify-replay`)."""


class _Capture(Interceptor):
    """Keeps the workflow instance the replay built, to read its memory afterwards."""

    def __init__(self) -> None:
        self.instances: list[object] = []

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput):
        instances = self.instances

        class Inbound(WorkflowInboundInterceptor):
            async def execute_workflow(self, input: ExecuteWorkflowInput):
                instances.append(workflow.instance())
                return await super().execute_workflow(input)

        return Inbound


async def journal_after(history: WorkflowHistory) -> list[Decision]:
    """The decisions in the agent's memory at the end of this run's history."""
    capture = _Capture()
    replayer = Replayer(workflows=[TradingAgentWorkflow], plugins=[agents_plugin()],
                        interceptors=[capture])
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    if result.replay_failure is not None:
        raise ReplayFailed(f"run does not replay against this code: {result.replay_failure}")
    memory = getattr(capture.instances[-1], "_memory", None) if capture.instances else None
    return list(memory.journal) if memory is not None else []
