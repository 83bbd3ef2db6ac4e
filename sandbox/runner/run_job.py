"""Entry point inside the sandbox: python3 /opt/runner/run_job.py /job/job.json

Prints exactly one JSON line (the scorecard) on stdout and exits 0; on failure exits
non-zero with a one-line {"error": ...} on stderr. Standard library, numpy and pandas
only: nothing of the engine is importable in here, by design.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

sys.dont_write_bytecode = True  # /opt/runner is mounted read-only
sys.path.insert(0, str(Path(__file__).resolve().parent))

EXIT_JOB_ERROR = 2
EXIT_STRATEGY_ERROR = 3


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        _fail("usage: run_job.py JOB_DIR/job.json")
        return EXIT_JOB_ERROR
    from backtest.job import JobError, run

    try:
        result = run(Path(argv[1]).parent)
    except JobError as exc:
        _fail(str(exc))
        return EXIT_JOB_ERROR
    except MemoryError:
        _fail("the strategy ran out of memory")
        return EXIT_STRATEGY_ERROR
    except Exception as exc:  # the candidate's own code failed: a scored failure
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        _fail(f"{type(exc).__name__}: {exc}{where}")
        return EXIT_STRATEGY_ERROR
    print(json.dumps(result, separators=(",", ":"), allow_nan=False))
    return 0


def _fail(message: str) -> None:
    print(json.dumps({"error": message[:500]}), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
