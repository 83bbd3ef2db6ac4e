"""The dev server persists to $HARNESS_HOME/temporal.db: workflows survive a restart."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client, WorkflowExecutionStatus

from engine.runtime.supervisor import Supervisor


async def test_a_workflow_survives_a_runtime_restart(tmp_path: Path) -> None:
    with Supervisor(tmp_path, with_worker=False, headless=True) as first:
        client = await Client.connect(first.info.temporal_address)
        # No worker polls this queue: the workflow simply stays open.
        await client.start_workflow("NoSuchWorkflow", id="survivor", task_queue="nobody")
    with Supervisor(tmp_path, with_worker=False, headless=True) as second:
        client = await Client.connect(second.info.temporal_address)
        described = await client.get_workflow_handle("survivor").describe()
        assert described.status == WorkflowExecutionStatus.RUNNING
