"""Where a bench's figures go when it is run with --save: docs/benchmarks/NAME.json.

docs/benchmarks.md is rendered from those files (bench/render_docs.py), so a figure on
the page always names the command, the machine, the date and the load it was measured
under. A bench calls `add_save_flag(parser)` and ends with `emit(report, args)`.

The machine is shared and its load moves the absolute figures; the load average at the
start (when this module is imported, before the bench does anything) and at the end is
recorded beside them, and the page prefers ratios measured side by side in one run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "docs" / "benchmarks"

_STARTED = time.monotonic()
_LOAD_AT_START = os.getloadavg()
_DATE_AT_START = datetime.datetime.now(datetime.UTC)


def add_save_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--save", action="store_true",
                        help="also write the JSON, with the command, machine, date and load "
                             "average, to docs/benchmarks/NAME.json (docs/benchmarks.md "
                             "is rendered from it: python bench/render_docs.py)")


def emit(report: dict[str, Any], args: argparse.Namespace, name: str | None = None,
         indent: int | None = 2) -> None:
    """Print the report as JSON (what every bench does) and, with --save, write it."""
    print(json.dumps(report, indent=indent), flush=True)
    if getattr(args, "save", False):
        path = save(name or Path(sys.argv[0]).stem, report)
        print(f"saved {path.relative_to(ROOT)}", file=sys.stderr, flush=True)


def save(name: str, report: dict[str, Any], argv: list[str] | None = None) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    record = {"bench": name, "meta": metadata(name, sys.argv[1:] if argv is None else argv),
              "report": report}
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def save_part(name: str, part: str, report: dict[str, Any]) -> Path:
    """A partial run's figures (a separate, long run of the same bench, say) join the saved
    NAME.json under `part`, with that run's own provenance, so the whole run's figures stay
    as they were measured."""
    path = RESULTS_DIR / f"{name}.json"
    record = json.loads(path.read_text())
    record["report"][part] = {**report, "meta": metadata(name, sys.argv[1:])}
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def save_keeping_parts(name: str, report: dict[str, Any], parts: tuple[str, ...]) -> Path:
    """--save of a whole run: its figures replace the last whole run's; the saved partial
    runs named in `parts` are kept."""
    path = RESULTS_DIR / f"{name}.json"
    saved = json.loads(path.read_text())["report"] if path.exists() else {}
    return save(name, {**report, **{part: saved[part] for part in parts if part in saved}})


def metadata(name: str, argv: list[str]) -> dict[str, Any]:
    shown = [a for a in argv if a != "--save"]
    return {
        "command": shlex.join([".venv/bin/python", f"bench/{name}.py", *shown]),
        "date": _DATE_AT_START.strftime("%Y-%m-%d"),
        "started_utc": _DATE_AT_START.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_s": round(time.monotonic() - _STARTED, 1),
        "load_avg_start": [round(x, 2) for x in _LOAD_AT_START],
        "load_avg_end": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
        "commit": _git_commit(),
    }


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gb": _memory_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"
