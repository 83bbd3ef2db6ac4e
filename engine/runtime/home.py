"""Where one harness installation keeps its state: the SQLite store, logs, runtime.json.

Resolution order: the `--home` option, then `HARNESS_HOME`, then the per-user data dir.
Everything the runtime writes lives under this one directory, so a test (or a second
profile) gets a fully separate world by pointing `HARNESS_HOME` at a temp dir.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "durable-agentic-harness"
HOME_ENV = "HARNESS_HOME"


def resolve_home(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """Return the absolute harness home, creating it and its `logs/` directory."""
    if cli_value:
        home = Path(cli_value)
    elif os.environ.get(HOME_ENV):
        home = Path(os.environ[HOME_ENV])
    else:
        home = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    home = home.expanduser().resolve()
    logs_dir(home).mkdir(parents=True, exist_ok=True)
    run_dir(home).mkdir(parents=True, exist_ok=True)
    return home


def logs_dir(home: Path) -> Path:
    """One `<service>.log` per child process, appended across restarts."""
    return home / "logs"


def run_dir(home: Path) -> Path:
    """Ephemeral per-run files (worker ready files); safe to delete when nothing runs."""
    return home / "run"
