"""`harness agents [--json] [--limit N]`: every agent, newest first, with phase, tick, equity."""

from __future__ import annotations

import argparse
import asyncio
import json

from engine.cli.table import render_table

HEADERS = ("AGENT", "STATUS", "PHASE", "TICK", "EQUITY", "STARTED")


def register(subparsers) -> None:
    parser = subparsers.add_parser("agents", help="list the agents, newest first")
    parser.add_argument("--limit", type=_positive, default=50,
                        help="at most this many agents (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="one JSON object per agent, in a list")
    parser.set_defaults(func=lambda args: asyncio.run(_agents(args)))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


async def _agents(args: argparse.Namespace) -> int:
    from engine.cli.agent_errors import guarded
    from engine.cli.session import agent_session

    async def work() -> int:
        async with agent_session(args.home, start=False, read_only=True) as harness:
            rows = await harness.list_agents(args.limit)
        if args.json:
            print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        elif not rows:
            print("no agents yet: start one with `harness run` or `harness up --agent`")
        else:
            print(render_table([_cells(r) for r in rows], HEADERS))
        return 0

    return await guarded(work())


def _cells(row) -> tuple[str, ...]:
    return (row.workflow_id, row.status, row.phase,
            "-" if row.tick is None else str(row.tick),
            "-" if row.equity is None else f"${row.equity:,.2f}", row.started)
