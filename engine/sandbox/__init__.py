"""Sandboxes for untrusted strategy code: Docker (airgapped container) or bubblewrap.

No Qt, no Temporal: the discovery activity calls run_in_sandbox and reads the result.
"""

from engine.sandbox.api import CHOICES, check_backend, resolve_backend, run_in_sandbox
from engine.sandbox.limits import SandboxLimits, SandboxResult, SandboxUnavailable
from engine.sandbox.paths import image_tag, runner_dir

__all__ = [
    "CHOICES", "SandboxLimits", "SandboxResult", "SandboxUnavailable", "check_backend",
    "image_tag", "resolve_backend", "run_in_sandbox", "runner_dir",
]
