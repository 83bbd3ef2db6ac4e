"""Helpers for the sandbox tests: a stand-in runner and a view of live sandbox processes.

The stand-in runner is ours, not the real backtest runner (sandbox/runner/, built
separately): it honours the same contract (read /job/job.json, print one JSON line) and
imports numpy and pandas, so the tests prove the sandbox can run the real thing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

STAND_IN_RUNNER = r'''
import json, sys
import numpy, pandas
job = json.load(open(sys.argv[1]))
bars = pandas.read_csv("/job/bars.csv")
print(json.dumps({"echo": job, "rows": len(bars), "mean": float(numpy.mean(bars["close"]))}))
'''


def make_runner(folder: Path) -> Path:
    runner = folder / "runner"
    runner.mkdir()
    (runner / "run_job.py").write_text(STAND_IN_RUNNER)
    return runner


def make_job(folder: Path, **fields) -> Path:
    job = folder / "job"
    job.mkdir(mode=0o700)  # as mkdtemp makes it: unreadable to the sandbox's user
    (job / "job.json").write_text(json.dumps({"strategy": "strategy.py", **fields}))
    (job / "bars.csv").write_text("date,close\n2004-01-02,1.0\n2004-01-05,3.0\n")
    return job


def make_script_job(folder: Path, script: str) -> Path:
    job = folder / "job"
    job.mkdir(mode=0o700)
    (job / "probe.py").write_text(script)
    return job


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains `text` (the staging dir names bwrap's mounts)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline and int(entry) != os.getpid():
            found.append(int(entry))
    return found
