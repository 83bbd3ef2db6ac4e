"""`harness verify-replay WORKFLOW_ID | --file HISTORY.json[.gz]`: does it still replay?

Replays every run of an agent (or one exported history, which needs no runtime) against
the workflow code installed here, and reports OK or the first nondeterminism with its
event id. Exit 0 when everything replays, 1 when something does not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from engine.cli.exit_codes import EXIT_INVALID_CONFIG, EXIT_OK, EXIT_UNHEALTHY


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify-replay", help="replay an agent's histories against the code installed here"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("workflow_id", nargs="?", help="every run of this agent")
    target.add_argument("--file", help="a history exported with `harness history --json` "
                                       "or `temporal workflow show -o json` (gzip is fine)")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.set_defaults(func=lambda args: asyncio.run(_verify(args)))


async def _verify(args: argparse.Namespace) -> int:
    from engine.replay import HistoryFileError, load_history_file, verify

    if args.file:
        try:
            outcomes = await verify([load_history_file(args.file)])
        except HistoryFileError as exc:
            print(f"harness: {exc}", file=sys.stderr)
            return EXIT_INVALID_CONFIG
    else:
        from engine.cli.session import agent_session

        async with agent_session(args.home, start=False) as harness:
            outcomes = await harness.verify_replay(args.workflow_id)
    if args.json:
        print(json.dumps([o.to_json() for o in outcomes], indent=2))
    else:
        for o in outcomes:
            where = f"{o.workflow_id} run {o.run_id or '?'} ({o.events} events)"
            if o.ok:
                print(f"OK    {where}")
            else:
                print(f"FAIL  {where}: first nondeterminism at event {o.event_id} "
                      f"({o.event_type})\n      {o.error[:300]}")
    return EXIT_OK if outcomes and all(o.ok for o in outcomes) else EXIT_UNHEALTHY
