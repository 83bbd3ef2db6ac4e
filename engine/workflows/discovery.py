"""StrategyDiscoveryWorkflow (fan-out / fan-in) and BacktestWorkflow (one candidate).

The parent plans its candidates (a local activity reading the families), starts one
child per candidate with an id derived from its own id and the candidate's name, and
collects every outcome. Replaying after a crash re-issues the same child commands,
which Temporal matches to the children already started: none is started twice. The
parent-close policy TERMINATE means no child outlives its parent. A child never fails:
whatever goes wrong with its sandbox comes back as a scored failure, so one bad
candidate cannot fail the discovery.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from temporalio.exceptions import ActivityError, ChildWorkflowError

    from engine.discovery.contracts import (
        BacktestOutcome,
        BacktestRequest,
        CandidateProgress,
        CandidateSpec,
        CandidateState,
        DiscoveryProgress,
        DiscoveryRequest,
        DiscoveryResult,
    )
    from engine.discovery.ranking import rank, winner
    from engine.workflows.failures import describe_failure

PLAN_TIMEOUT = timedelta(seconds=10)
# The sandbox activity heartbeats twice a second: a dead sandbox worker is noticed in 3 s.
BACKTEST_HEARTBEAT = timedelta(seconds=3)
BACKTEST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=5),
    maximum_attempts=3,  # a dead worker or a market outage; the strategy's own failure is a result
    non_retryable_error_types=["SandboxUnavailable"],
)


def child_id(parent_id: str, spec: CandidateSpec) -> str:
    return f"{parent_id}-bt-{spec.name}"


# sandboxed=False: the SDK's workflow sandbox re-imports this module for every run, and a
# fan-out starts one run per candidate (~8 ms of worker CPU each, measured: bench/fanout.py
# noop). The workflow only schedules one activity and wraps its failure: nothing in it can
# be non-deterministic, and Temporal's sandbox changes no command, so histories replay.
@workflow.defn(name="BacktestWorkflow", sandboxed=False)
class BacktestWorkflow:
    @workflow.run
    async def run(self, request: BacktestRequest) -> BacktestOutcome:
        spec = request.candidate
        try:
            return await workflow.execute_activity(
                "run_backtest",
                request,
                result_type=BacktestOutcome,
                task_queue=request.task_queue,
                # The sandbox's own wall clock stops the job first; this is the safety net.
                start_to_close_timeout=timedelta(seconds=request.timeout_s + 60),
                # Waiting for a sandbox worker to pick it up is not the backtest's fault.
                schedule_to_close_timeout=timedelta(seconds=3 * request.timeout_s + 600),
                heartbeat_timeout=BACKTEST_HEARTBEAT,
                retry_policy=BACKTEST_RETRY,
            )
        except ActivityError as exc:
            return BacktestOutcome(name=spec.name, family=spec.family, params=spec.params,
                                   ok=False, reason="error", error=describe_failure(exc))


@workflow.defn(name="StrategyDiscoveryWorkflow")
class StrategyDiscoveryWorkflow:
    def __init__(self) -> None:
        self._progress: DiscoveryProgress | None = None

    @workflow.query(name="progress")
    def progress(self) -> DiscoveryProgress | None:
        return self._progress

    @workflow.run
    async def run(self, request: DiscoveryRequest) -> DiscoveryResult:
        planned = await workflow.execute_local_activity(
            "plan_candidates", request.candidates, result_type=list[CandidateSpec],
            start_to_close_timeout=PLAN_TIMEOUT,
        )
        specs = _unique([*planned, *request.written])
        parent = workflow.info().workflow_id
        self._progress = DiscoveryProgress(
            symbol=request.symbol, total=len(specs),
            candidates=[CandidateProgress(name=s.name, family=s.family,
                                          child_id=child_id(parent, s)) for s in specs],
        )
        outcomes = await asyncio.gather(
            *(self._backtest(request, spec, row)
              for spec, row in zip(specs, self._progress.candidates, strict=True))
        )
        ranked = rank(list(outcomes))
        self._progress.finished = True
        best = winner(ranked)
        return DiscoveryResult(symbol=request.symbol, start_date=request.start_date,
                               ranked=ranked, winner=best,
                               failed=sum(1 for o in ranked if not o.ok),
                               winner_source=next((s.source for s in specs if s.name == best), ""))

    async def _backtest(self, request: DiscoveryRequest, spec: CandidateSpec,
                        row: CandidateProgress) -> BacktestOutcome:
        child = BacktestRequest(
            symbol=request.symbol, start_date=request.start_date, candidate=spec,
            sandbox=request.sandbox, split=request.split, fee_bps=request.fee_bps,
            slippage_bps=request.slippage_bps, timeout_s=request.timeout_s,
            label=row.child_id, task_queue=request.sandbox_queue,
        )
        row.state = CandidateState.RUNNING
        try:
            outcome = await workflow.execute_child_workflow(
                BacktestWorkflow.run, child, id=row.child_id,
                parent_close_policy=ParentClosePolicy.TERMINATE,
                result_type=BacktestOutcome,
            )
        except ChildWorkflowError as exc:  # terminated by hand, or a bug: still a score
            outcome = BacktestOutcome(name=spec.name, family=spec.family, params=spec.params,
                                      ok=False, reason="error", error=describe_failure(exc))
        row.state = CandidateState.DONE if outcome.ok else CandidateState.FAILED
        self._progress.done += 1
        return outcome


def _unique(specs: list[CandidateSpec]) -> list[CandidateSpec]:
    """Child ids come from names: two candidates with one name get -2, -3 ... suffixes."""
    seen: dict[str, int] = {}
    out = []
    for spec in specs:
        n = seen.get(spec.name, 0) + 1
        seen[spec.name] = n
        out.append(spec if n == 1 else spec.model_copy(update={"name": f"{spec.name}-{n}"}))
    return out
