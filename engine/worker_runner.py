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
replay tests prove it. `HARNESS_WORKFLOW_SANDBOX=1` puts a worker back in the sandbox,
e.g. while developing workflow code, to have the check on live runs as well.
"""

from __future__ import annotations

import os

from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

SANDBOX_ENV = "HARNESS_WORKFLOW_SANDBOX"


_ON, _OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def sandbox_requested() -> bool:
    """HARNESS_WORKFLOW_SANDBOX as a flag; a value that is neither on nor off is refused
    (the worker does not start) rather than read as off."""
    value = os.environ.get(SANDBOX_ENV, "").strip().lower()
    if value not in _ON + _OFF:
        raise ValueError(f"${SANDBOX_ENV}: {value!r} is not allowed; must be one of "
                         f"{', '.join(v for v in _ON + _OFF if v)} (or unset)")
    return value in _ON


def workflow_runner(sandboxed: bool | None = None) -> WorkflowRunner:
    """The worker's runner; `sandboxed=None` reads HARNESS_WORKFLOW_SANDBOX (default off)."""
    if sandboxed is None:
        sandboxed = sandbox_requested()
    return SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner()
