"""SIGINT/SIGTERM always stop `harness up`, at any moment and however many arrive: during
start-up, once it supervises, while it is already stopping. Each round sends a burst of
signals at a seeded random moment and checks that `up` ends within its grace period,
with a documented code, no traceback, and no child process left.

(Before the self-pipe handler, a signal landing inside threading.Event.set() blocked the
handler on a lock its own thread held: `up` hung about one stop in eight.)"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

from engine.cli.exit_codes import EXIT_OK
from engine.runtime.processes import DEFAULT_GRACE_S
from tests.cli.helpers import processes_of
from tests.runtime.helpers import REPO, cli_argv, wait_until

ROUNDS = 6
# Workers are stopped first, then the server and Mockoon, each group within the grace
# period (SIGKILL after it); 3 s more for the interpreter to exit under load.
STOP_BUDGET_S = 2 * DEFAULT_GRACE_S + 3


def _catches_sigterm(pid: int) -> bool:
    """True once `up` has installed its handler (SigCgt lists SIGTERM): before that a
    signal meets Python's defaults, which is not what this test is about."""
    with open(f"/proc/{pid}/status") as status:
        caught = next(line for line in status if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def test_random_signal_bursts_always_stop_up_cleanly(tmp_path: Path) -> None:
    rng = random.Random(12)
    for round_no in range(ROUNDS):
        home = tmp_path / f"round-{round_no}"
        home.mkdir()
        output = home / "up.out"
        with output.open("w") as sink:
            process = subprocess.Popen(cli_argv(home, "up", "--headless", "--workers", "1"),
                                       stdout=sink, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            wait_until(lambda p=process.pid: _catches_sigterm(p), 60, "up's signal handler")
            time.sleep(rng.uniform(0.0, 6.0))  # while starting, or supervising
            burst = [rng.choice((signal.SIGINT, signal.SIGTERM)) for _ in range(rng.randint(1, 8))]
            first = time.monotonic()
            for sig in burst:
                if process.poll() is not None:
                    break
                process.send_signal(sig)
                time.sleep(rng.choice((0.0, 0.0, 0.001, 0.05, 0.3)))
            try:
                process.wait(timeout=STOP_BUDGET_S)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"round {round_no}: up still runs {STOP_BUDGET_S}s after "
                                     f"{burst}:\n{output.read_text()[-2000:]}") from None
            took = time.monotonic() - first
            said = output.read_text()
            assert process.returncode == EXIT_OK, (round_no, said)  # a stop is how up ends
            assert "Traceback" not in said, said
            assert took < STOP_BUDGET_S
            wait_until(lambda h=home: not processes_of(h), 5, f"round {round_no}: no child left")
            assert not (home / "runtime.json").exists()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
