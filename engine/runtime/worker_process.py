"""How the supervisor launches a worker and knows it is polling.

The worker (`python -m engine.worker`) is told everything through the environment. It
retries connecting until the server answers, starts polling, and only then writes its
ready file, so "ready" means "polling", not merely "imported".
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

from engine.runtime.home import run_dir

WORKER_MODULE = "engine.worker"


def default_worker_command() -> list[str]:
    if getattr(sys, "frozen", False):
        # A bundle (packaging/): sys.executable is the app itself, which has no `-m`;
        # `harness worker` without flags is this same worker, configured by worker_env.
        return [sys.executable, "worker"]
    # -u: unbuffered, so the log shows a crash's last words.
    return [sys.executable, "-u", "-m", WORKER_MODULE]


def worker_id(index: int) -> str:
    """worker-1 is the active worker; worker-2.. are (later) hot standbys."""
    return f"worker-{index}"


def worker_identity(wid: str, pid: int) -> str:
    """The worker's Temporal identity: what it polls and answers with."""
    return f"{wid}:{pid}@{socket.gethostname()}"


def ready_file(home: Path, wid: str) -> Path:
    return run_dir(home) / f"{wid}.ready"


def worker_env(
    *,
    home: Path,
    temporal_address: str,
    namespace: str,
    mockoon_url: str,
    wid: str,
    broker_journal_url: str = "",
) -> dict[str, str]:
    # The broker's journal (engine/runtime/broker_journal.py): a broker change counts as
    # done only once it holds it. Empty: no journal (a broker this runtime does not own).
    # Imported here: `harness status` reads ready files through this module, and the
    # journal's module brings an HTTP server.
    from engine.runtime.broker_journal import WORKER_JOURNAL_URL_ENV

    return {
        WORKER_JOURNAL_URL_ENV: broker_journal_url,
        "HARNESS_HOME": str(home),
        "HARNESS_TEMPORAL_ADDRESS": temporal_address,
        "HARNESS_NAMESPACE": namespace,
        "HARNESS_MOCKOON_URL": mockoon_url,
        "HARNESS_WORKER_ID": wid,
        "HARNESS_READY_FILE": str(ready_file(home, wid)),
        "PYTHONUNBUFFERED": "1",
    }


def remove_ready_file(path: Path) -> None:
    """Delete a stale ready file before (re)spawning, so an old one never counts."""
    path.unlink(missing_ok=True)


def worker_is_ready(path: Path, pid: int | None) -> bool:
    """True when the ready file exists and was written by this very process."""
    if pid is None:
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # absent, or caught half-written
    return isinstance(data, dict) and data.get("pid") == pid
