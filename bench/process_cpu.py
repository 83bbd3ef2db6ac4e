"""CPU per process of a running runtime, for benches: which process paid for a leg."""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from pathlib import Path

from engine.runtime.state import RuntimeInfo

CpuMeter = Callable[[], dict[str, float]]
THIS_PROCESS = "this process"


def cpu_meter(info: RuntimeInfo, started_here: bool) -> CpuMeter:
    """CPU ms so far of each runtime service and of this process, which hosts the plain
    leg and, when it started the runtime, the supervisor and its task proxy."""
    pids = {name: record["pid"] for name, record in info.services.items()
            if isinstance(record, dict) and record.get("pid")}
    clock_tick = os.sysconf("SC_CLK_TCK")
    own = f"{THIS_PROCESS} (plain leg, supervisor, task proxy)" if started_here \
        else f"{THIS_PROCESS} (plain leg, client)"

    def sample() -> dict[str, float]:
        times = {}
        for name, pid in pids.items():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone (restarted): its share is simply not counted
            times[name] = (int(fields[11]) + int(fields[12])) * 1000 / clock_tick
        usage = resource.getrusage(resource.RUSAGE_SELF)
        times[own] = (usage.ru_utime + usage.ru_stime) * 1000
        return times

    return sample


def cpu_per_tick(before: dict[str, float], after: dict[str, float],
                 ticks: int | None) -> dict[str, float]:
    return {name: round((after[name] - before[name]) / (ticks or 1), 1)
            for name in after if name in before}
