"""Entry point inside the sandbox: python3 /opt/runner/run_job.py /job/job.json

Prints exactly one JSON line, {"signal": [exposure per bar]}, on stdout and exits 0; on
failure exits non-zero with a one-line {"error": ...} on stderr. Standard library, numpy
and pandas only: nothing of the engine is importable in here, by design.

Nothing here is trusted once the strategy is imported (it shares this process): the
worker checks the line's shape and scores the series itself. The strategy's own prints
go to stderr, so an honest strategy's debugging output cannot spoil its result line.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

sys.dont_write_bytecode = True  # /opt/runner is mounted read-only
sys.path.insert(0, str(Path(__file__).resolve().parent))

EXIT_JOB_ERROR = 2
EXIT_STRATEGY_ERROR = 3
EXIT_OUT_OF_MEMORY = 4


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        _fail("usage: run_job.py JOB_DIR/job.json")
        return EXIT_JOB_ERROR
    result_fd = _stdout_for_the_result()
    from backtest.job import JobError, run

    try:
        result = run(Path(argv[1]).parent)
    except JobError as exc:
        _fail(str(exc))
        return EXIT_JOB_ERROR
    except MemoryError:
        # "MemoryError" names the reason for the backend (bwrap sees no OOM kill: its
        # address-space limit makes allocations fail instead).
        _fail("MemoryError: the strategy ran out of memory")
        return EXIT_OUT_OF_MEMORY
    except Exception as exc:  # the candidate's own code failed: a scored failure
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        _fail(f"{type(exc).__name__}: {exc}{where}")
        return EXIT_STRATEGY_ERROR
    line = json.dumps(result, separators=(",", ":"), allow_nan=False) + "\n"
    sys.stdout.flush()
    with os.fdopen(result_fd, "w") as out:
        out.write(line)
    return 0


def _stdout_for_the_result() -> int:
    """A private copy of stdout for the result line; fd 1 (and sys.stdout) then point at
    stderr, where whatever the strategy prints goes."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    return saved


def _fail(message: str) -> None:
    print(json.dumps({"error": message[:500]}), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
