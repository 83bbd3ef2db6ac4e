"""A worker process imports without the garbage collector (issue 21's cold start): the
imports build about a million objects (the Agents SDK, pydantic schemas) and free almost
none, so each collection during them was wasted CPU on the start-up's critical path. Then
the collector is back on and those objects are frozen out of its sight. A real
`python -m engine.worker` process, as the supervisor runs it, says so in its log before it
connects (here to a port where nothing listens; the test stops it there)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from engine.runtime.ports import free_loopback_ports

LINE = re.compile(r"imported in ([\d.]+) s of CPU; (\d+) garbage collections while "
                  r"importing; gc enabled: (\w+); (\d+) objects frozen")


def test_the_worker_imports_with_no_collection_then_freezes_them(tmp_path):
    env = {**os.environ, "HARNESS_HOME": str(tmp_path),
           "HARNESS_TEMPORAL_ADDRESS": f"127.0.0.1:{free_loopback_ports(1)[0]}"}
    process = subprocess.Popen([sys.executable, "-u", "-m", "engine.worker"], cwd=tmp_path,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if (found := LINE.search(line)) or not line:
                break
        assert found, "".join(lines)
    finally:
        process.kill()
        process.wait()
    cpu, collections, enabled, frozen = found.groups()
    assert int(collections) == 0, line
    assert enabled == "True" and int(frozen) > 100_000, line
    assert float(cpu) > 0
