"""The workers' model-endpoint probes as kept on disk ($HARNESS_HOME/model-endpoints.json):
read and described with the standard library only, so that `harness status` loads neither
pydantic nor httpx (tests/cli_controls/test_read_imports.py). engine/agent/endpoint.py
probes and writes them."""

from __future__ import annotations

import json
import os
from pathlib import Path

FILE = "model-endpoints.json"


def endpoints_file(home: Path | None = None) -> Path | None:
    home = home or (Path(os.environ["HARNESS_HOME"]) if os.environ.get("HARNESS_HOME") else None)
    return home / FILE if home else None


def read_records(home: Path | None = None) -> list[dict]:
    """Every probe's record; none when the file is missing or unreadable."""
    path = endpoints_file(home)
    if path is None or not path.exists():
        return []
    try:
        records = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def describe(record: dict) -> str:
    """One line: the model, where it is served, and what the endpoint takes."""
    def yes(flag: str) -> str:
        return "yes" if record.get(flag) else "no"

    return (f"{record.get('model', '?')} at {record.get('base_url', '?')}: tools {yes('tools')}, "
            f"json_schema {yes('json_schema')}, json_object {yes('json_object')}")
