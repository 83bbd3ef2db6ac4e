"""Cold start of the bundle next to the source install's: launch to the window's first
paint, and to every service healthy, alternating the two programs for N rounds.

    .venv/bin/python bench/bundle_start.py [--rounds 3] [--bundle dist/harness/harness]

Each launch gets a fresh HARNESS_HOME and offscreen Qt; the bundle also gets a PATH with no
python and no node (as packaging/smoke_test.py). The source install is `.venv/bin/harness`,
what `make run` starts. Prints JSON: per program the median of each figure, and the rounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import smoke_test  # noqa: E402 - the smoke test's environment and process helpers

sys.path.insert(0, str(ROOT))
from bench.results import add_save_flag, emit  # noqa: E402


def launch_once(program: Path, bare: bool) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="harness-coldstart-"))
    if bare:
        env = smoke_test.bare_environment(home)
    else:
        env = {**os.environ, "HARNESS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
               "XDG_CONFIG_HOME": str(home / "config")}
    stderr_path = home / "app.stderr"
    started = time.monotonic()
    with open(stderr_path, "w") as stderr:
        app = subprocess.Popen([str(program)], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    seen: set[tuple[int, str]] = set()
    try:
        smoke_test.wait_for("first paint", 60,
                            lambda: "window painted" in stderr_path.read_text(), every=0.01)
        painted = time.monotonic() - started
        status = [str(program), "--home", str(home), "status"]
        smoke_test.wait_for("healthy", 120, lambda: subprocess.run(
            status, env=env, capture_output=True).returncode == 0, every=0.1)
        healthy = time.monotonic() - started
        seen |= smoke_test.descendants(app.pid)
        app.send_signal(signal.SIGTERM)
        app.wait(60)
        return {"window_painted_s": round(painted, 3), "all_healthy_s": round(healthy, 3)}
    finally:
        if app.poll() is None:
            seen |= smoke_test.descendants(app.pid)
            os.killpg(app.pid, signal.SIGKILL)
        for pid in smoke_test.still_alive(seen):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "harness" / "harness")
    add_save_flag(parser)
    args = parser.parse_args()
    programs = {"source_make_run": (ROOT / ".venv" / "bin" / "harness", False),
                "bundle": (args.bundle.resolve(), True)}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in programs}
    for _ in range(args.rounds):
        for name, (program, bare) in programs.items():  # alternated: same load for both
            rounds[name].append(launch_once(program, bare))
    medians = {name: {key: round(statistics.median(r[key] for r in runs), 3)
                      for key in runs[0]} for name, runs in rounds.items()}
    emit({"median": medians, "rounds": rounds, "load_avg": os.getloadavg()[0]}, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
