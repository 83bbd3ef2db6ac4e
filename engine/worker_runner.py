"""Which workflow runner the agent's worker uses: unsandboxed, with the sandbox kept as a check.

Why not the SDK's sandbox in the worker: measured on the tick bench (bench/tick.py, one
symbol), the sandbox costs the worker 10 ms of CPU per tick (50 -> 40 ms, about a fifth of
its work): every activation and every payload of it enters the sandbox through `exec`
of a code string, with the import and builtins overrides applied and removed each time.
It bought nothing else here. The sandbox gives two things:

1. Isolation of module state between workflow runs. Every module our workflows use is
   already passed through (`workflow.unsafe.imports_passed_through()` in engine/workflows,
   and the plugin passes `agents` and `openai` through), so they were shared by every run
   in the sandbox too; what the sandbox re-imported per run was the workflow modules
   themselves, whose globals are constants.
2. A run-time check that workflow code calls nothing nondeterministic (clock, random,
   I/O, threads). That check stays where it catches mistakes before they ship: replays
   (`harness verify-replay`, engine/replay.py, and tests/engine/test_replay.py, which
   replays every golden history of every version) still run in the sandbox, and the
   same histories also replay on this runner (the one production uses), so both paths
   are proven to issue the same commands.

So determinism rests on what it always rested on: the workflow code uses only
`workflow.*` for time, randomness, timers and side effects (engine/workflows), and the
replay tests prove it. `HARNESS_WORKFLOW_SANDBOX=1` (or `"workflow_sandbox": true` in
settings.json) puts a worker back in the sandbox, e.g. while developing workflow code, to
have the check on live runs as well.
"""

from __future__ import annotations

from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner


def workflow_runner(sandboxed: bool) -> WorkflowRunner:
    """The worker's runner: `Settings.workflow_sandbox` ($HARNESS_WORKFLOW_SANDBOX, validated
    with every other setting, so a bad value is refused before anything starts)."""
    return SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner()
