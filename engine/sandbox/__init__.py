"""Sandboxes for untrusted strategy code: Docker (airgapped container) or bubblewrap.

No Qt, no Temporal: the discovery activity calls run_in_sandbox and reads the result.
"""

from engine.sandbox.api import CHOICES, check_backend, resolve_backend, run_in_sandbox
from engine.sandbox.limits import SandboxLimits, SandboxResult, SandboxUnavailable
from engine.sandbox.paths import image_tag, runner_dir

__all__ = [
    "CHOICES", "SandboxLimits", "SandboxResult", "SandboxUnavailable", "check_backend",
    "image_tag", "reap_orphans", "resolve_backend", "run_in_sandbox", "runner_dir",
]


def reap_orphans() -> int:
    """At worker start: remove our labelled Docker containers whose owning worker is dead
    (their number; 0 without Docker), stray bubblewrap sandboxes of dead workers, and the
    job copies dead workers left in /tmp."""
    from engine.sandbox.docker import reap_orphans as reap
    from engine.sandbox.staging import kill_stray_sandboxes, reap_stale_stages

    kill_stray_sandboxes()
    reaped = reap()  # before the copies: a container still running has its copy mounted
    reap_stale_stages()
    return reaped
