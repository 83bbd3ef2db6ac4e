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
    """Remove our labelled Docker containers whose owning worker is dead; 0 without Docker."""
    from engine.sandbox.docker import reap_orphans as reap
    return reap()
