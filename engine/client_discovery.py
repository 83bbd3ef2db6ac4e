"""The client facade's strategy-discovery calls: start or attach to a discovery, read its
progress (with each candidate's real state from the server) and its result. A mixin of
engine/client.py's HarnessClient, which supplies `temporal`, `settings`, `_handle` and
`_writing`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from engine.config import Settings
from engine.discovery.contracts import (
    DiscoveryProgress,
    DiscoveryRequest,
    DiscoveryResult,
    discovery_id,
)

# A workflow task that takes longer fails and is retried, on another worker if need be: the
# same bound as the agents' (engine/client.py).
WORKFLOW_TASK_TIMEOUT = timedelta(seconds=2)


class DiscoveryCalls:
    temporal: Client
    settings: Settings
    _handle: Callable[..., WorkflowHandle]
    _writing: Callable[[], None]

    async def start_discovery(self, request: DiscoveryRequest, workflow_id: str) -> str:
        """Start a discovery (or attach to the running one with this id). Its backtests
        go to the sandbox queue of these settings."""
        from engine.workflows.discovery import StrategyDiscoveryWorkflow

        self._writing()
        request = request.model_copy(update={"sandbox_queue": self.settings.sandbox_task_queue})
        await self.temporal.start_workflow(
            StrategyDiscoveryWorkflow.run, request, id=workflow_id,
            task_queue=self.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_timeout=WORKFLOW_TASK_TIMEOUT,
        )
        return workflow_id

    async def discovery_progress(self, workflow_id: str) -> DiscoveryProgress | None:
        """The discovery's progress; a candidate still waiting for a sandbox worker shows
        as queued, not running, and one already over as done (engine/discovery/observed.py
        asks the server)."""
        progress = await self._handle(workflow_id).query(
            "progress", result_type=DiscoveryProgress | None)
        if progress is None or progress.finished:
            return progress
        from engine.discovery.observed import observe_candidates

        return await observe_candidates(self.temporal, progress)

    async def agent_discovery_progress(self, workflow_id: str, symbols: list[str]
                                       ) -> list[DiscoveryProgress]:
        """The progress of an agent's discoveries (one per symbol) while it discovers."""
        out = []
        for symbol in symbols:
            with contextlib.suppress(RPCError):  # not started yet
                progress = await self.discovery_progress(discovery_id(workflow_id, symbol))
                if progress is not None:
                    out.append(progress)
        return out

    async def discovery_result(self, workflow_id: str) -> DiscoveryResult:
        handle = self.temporal.get_workflow_handle(workflow_id, result_type=DiscoveryResult)
        return await handle.result()
