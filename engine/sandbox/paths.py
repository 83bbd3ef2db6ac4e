"""Where the sandbox's runner lives on the host, and the image tag it runs in."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

IMAGE_NAME = "durable-agent-sandbox"
# Inside every sandbox: the runner (read-only) and the job (read-only).
RUNNER_MOUNT = "/opt/runner"
JOB_MOUNT = "/job"
RUNNER_COMMAND = ("python3", f"{RUNNER_MOUNT}/run_job.py", f"{JOB_MOUNT}/job.json")


def runner_dir() -> Path:
    """The repo's sandbox/runner: beside the package in a checkout, under the bundle's
    data directory (sys._MEIPASS) in a frozen PyInstaller build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "sandbox" / "runner"
    return Path(__file__).resolve().parents[2] / "sandbox" / "runner"


def project_version() -> str:
    try:
        return metadata.version("durable-agentic-harness")
    except metadata.PackageNotFoundError:  # a frozen bundle without dist-info
        return "0.0.0"


def image_tag() -> str:
    return f"{IMAGE_NAME}:{project_version()}"
