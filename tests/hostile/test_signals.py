"""SIGINT/SIGTERM in bursts at random moments (while starting, while running, while
stopping) always stop a runtime within its grace period: the supervisor's stop request
is async-signal-safe. (`harness up` owns its handler; this is the supervisor's part.)"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.runtime.pids import pid_alive
from tests.runtime.helpers import REPO, all_dead

RUNS = 8
STOP_BOUND_S = 20.0  # start-up interrupted or not: the 5 s grace per group, plus slack


@pytest.mark.parametrize("seed", range(RUNS))
def test_signal_bursts_at_random_moments_always_stop_the_runtime(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    process = subprocess.Popen([sys.executable, "-m", "tests.hostile.signal_target",
                                str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.0, 3.0))  # anywhere from mid start-up to running
    for _ in range(rng.randint(1, 30)):
        process.send_signal(rng.choice((signal.SIGINT, signal.SIGTERM)))
        time.sleep(rng.uniform(0.0, 0.02))
    began = time.monotonic()
    try:
        out, _ = process.communicate(timeout=STOP_BOUND_S)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"seed {seed}: the runtime did not stop within {STOP_BOUND_S}s")
    assert process.returncode == 0, out
    lines = out.splitlines()
    assert lines[0] in ("started", "interrupted") and lines[-1].startswith("stopped"), out
    pids = [int(p) for p in lines[-1].split()[1:]]
    all_dead(pids, timeout=2.0)
    assert not any(pid_alive(p) for p in pids)
    assert time.monotonic() - began < STOP_BOUND_S
    assert not (tmp_path / "runtime.json").exists()
    assert os.listdir(tmp_path)  # the home was used
