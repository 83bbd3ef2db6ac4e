"""Pick a backend and run one job in it: the module the discovery activity calls."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from engine.sandbox import bwrap
from engine.sandbox.limits import SandboxLimits, SandboxResult, SandboxUnavailable
from engine.sandbox.paths import RUNNER_COMMAND, runner_dir
from engine.sandbox.staging import staged

log = logging.getLogger("harness.sandbox")

BACKENDS = ("docker", "bwrap")
CHOICES = ("auto", *BACKENDS)
DEFAULT_LIMITS = SandboxLimits()


def _module(name: str):
    if name == "docker":
        from engine.sandbox import docker
        return docker
    return bwrap


def check_backend(name: str) -> None:
    """Raise SandboxUnavailable (which backend, why) unless `name` can run jobs here."""
    if name not in BACKENDS:
        raise ValueError(f"unknown sandbox backend {name!r}: choose one of {', '.join(CHOICES)}")
    _module(name).check_available()


def resolve_backend(name: str) -> str:
    """"auto" -> docker if the daemon answers and the image exists, else bwrap; a named
    backend -> itself if it works here. Raises SandboxUnavailable saying why not."""
    if name not in CHOICES:
        raise ValueError(f"unknown sandbox backend {name!r}: choose one of {', '.join(CHOICES)}")
    if name != "auto":
        check_backend(name)
        return name
    reasons = []
    for candidate in BACKENDS:
        try:
            check_backend(candidate)
            return candidate
        except SandboxUnavailable as exc:
            reasons.append(str(exc))
    raise SandboxUnavailable("no sandbox backend works here: " + "; ".join(reasons))


async def run_in_sandbox(job_dir: Path, *, backend: str = "auto",
                         limits: SandboxLimits = DEFAULT_LIMITS, label: str,
                         command: Sequence[str] = RUNNER_COMMAND,
                         runner: Path | None = None) -> SandboxResult:
    """Run the job in `job_dir` (job.json, bars.csv, strategy.py) in a sandbox:
    `python3 /opt/runner/run_job.py /job/job.json`, job and runner mounted read-only.
    Cancelling the awaiting task kills and removes the sandbox. `command` and `runner`
    exist for the isolation probes and tests; the discovery activity leaves them."""
    if not label or not isinstance(label, str):
        raise ValueError("run_in_sandbox needs a label (e.g. the child workflow id)")
    # In a thread: the checks run docker or a trial bwrap, and must not stall the event
    # loop (the activity's heartbeats run on it).
    name = await asyncio.to_thread(resolve_backend, backend)
    with staged(Path(job_dir), runner or runner_dir(), label) as stage:
        result = await _module(name).run(stage, limits, list(command), label)
    if not result.ok:
        log.info("sandbox %s %s: %s (exit %s) after %.1fs", name, label, result.reason,
                 result.exit_code, result.duration_s)
    return result
