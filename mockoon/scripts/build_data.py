"""Regenerate the Mockoon environment from the bundled Quandl WIKI prices.

    .venv/bin/python mockoon/scripts/build_data.py [--out DIR]

Deterministic: sorted keys, fixed ordering, uuid5 ids, no timestamps. Running it twice gives
byte-identical files (tests/mockoon checks this against the committed copy).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling modules, also when imported

from environment import compact_json, environment  # noqa: E402
from prices import load_bars, market_calendar  # noqa: E402

MOCKOON_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT_FILE = "harness.json"


def build(out_dir: Path) -> list[Path]:
    series = load_bars()
    env = environment(market_calendar(series), series)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ENVIRONMENT_FILE
    # One line, no indentation: the CLI parses it at every start (the ≤3 s readiness budget).
    target.write_text(compact_json(env) + "\n", encoding="utf-8")
    return [target]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MOCKOON_DIR, help="output directory")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
