"""Smoke test of bench/tick.py: a few ticks of both legs against the session runtime.

No timing assertions (the machine is shared): only that the figures exist, are positive,
and that the plain loop and the durable workflow made the same decisions.
"""

from __future__ import annotations

import json

from bench.process_cpu import cpu_meter
from bench.tick import bench, server_flags

TICKS = 5
KEYS = ("plain_ms_per_tick", "durable_ms_per_tick", "ratio", "events_per_tick",
        "ticks_per_s_1000", "max_events_per_run", "runs_per_workflow")


async def test_tick_bench_smoke(runtime):
    # `runtime` has its own worker process: no in-process worker (and so no global runner
    # override of the Temporal plugin) is involved in the durable leg.
    report = await bench(runtime, ticks=TICKS, symbols=["AAPL"], warmup=1, rounds=2,
                         throughput_ticks=TICKS, flags=server_flags(runtime, False),
                         cpu=cpu_meter(runtime, False), floor_rounds=20)
    json.dumps(report)  # the bench prints it: it must be JSON-ready
    for key in KEYS:
        assert report[key] > 0, key
    assert report["ticks"] == TICKS
    assert len(report["ratio_per_round"]) == 2 and report["overhead_ms_per_step"] != 0
    assert report["durable_steps_per_tick"] >= 3  # context read, two model calls at least
    assert report["approvals_needed"] == 0
    assert report["decisions_compared"] == TICKS
    assert report["same_decisions"] is True, report["mismatches"]
    assert report["same_summary"] is True
    floor = report["floor"]
    assert 0 < floor["activity_round_ms"] < floor["floor_ms_per_tick"]
    assert len(floor["ratio_floor_per_round"]) == 2 and floor["ratio_floor"] > 1
    cpu = report["cpu_ms_per_tick"]
    # The durable leg's steps ran in the worker process; the plain leg's in this one.
    assert cpu["durable"]["worker-1"] > 0 and cpu["durable"]["temporal"] > 0
    assert sum(cpu["plain"].values()) > 0
