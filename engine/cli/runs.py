"""`harness runs WORKFLOW_ID [--json]`: the runs of one agent (continue-as-new), with their
ticks, so `harness history --run-id` and the Web UI can be pointed at the right one."""

from __future__ import annotations

import argparse
import asyncio
import json

from engine.cli.table import render_table

AGENT_HELP = "the agent's workflow id (`harness agents` lists them)"
HEADERS = ("RUN", "STATUS", "TICKS", "EVENTS", "STARTED", "CLOSED")


def register(subparsers) -> None:
    parser = subparsers.add_parser("runs", help="the runs of one agent, first to last")
    parser.add_argument("workflow_id", help=AGENT_HELP)
    parser.add_argument("--json", action="store_true", help="a JSON list, first run first")
    parser.set_defaults(func=lambda args: asyncio.run(_runs(args)))


async def _runs(args: argparse.Namespace) -> int:
    from engine.cli.agent_errors import guarded
    from engine.cli.session import agent_session

    async def work() -> int:
        async with agent_session(args.home, start=False, read_only=True) as harness:
            rows = await harness.runs(args.workflow_id)
        if args.json:
            print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        else:
            print(render_table([_cells(r) for r in rows], HEADERS))
        return 0

    return await guarded(work())


def _cells(row) -> tuple[str, ...]:
    last = "?" if row.last_tick is None else str(row.last_tick)
    ticks = "-" if row.last_tick is not None and row.last_tick < row.first_tick else (
        f"{row.first_tick}-{last}")
    return (row.run_id, row.status, ticks, str(row.events), row.started, row.closed or "-")
