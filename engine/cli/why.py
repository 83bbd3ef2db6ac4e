"""`harness why WORKFLOW_ID TICK [--json]` (or `--file HISTORY.json ... TICK`): why did the
agent do what it did at that tick? The audit trail, read from the event history alone
(every run of the agent, so a tick after continue-as-new is found in its own run)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from engine.cli.exit_codes import EXIT_INVALID_CONFIG, EXIT_UNKNOWN_AGENT


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "why", help="a tick's audit trail: brief, model, tools, guardrail, approval, order")
    parser.add_argument("workflow_id", nargs="?",
                        help="the agent's workflow id (`harness agents`); omit it with --file")
    parser.add_argument("tick", type=_tick, help="the tick to explain (1 = the first)")
    parser.add_argument("--file", action="append", default=[], metavar="HISTORY",
                        help="read exported run histories instead of the server (repeat it "
                             "for each run, in order); no runtime needed")
    parser.add_argument("--json", action="store_true", help="the trail as JSON")
    parser.set_defaults(func=lambda args: asyncio.run(_why(args)))


def _tick(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tick {text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"tick {value}: ticks count from 1")
    return value


async def _why(args: argparse.Namespace) -> int:
    from engine.audit import TickNotFound
    from engine.audit.render import render
    from engine.cli.agent_errors import guarded

    async def work() -> int:
        try:
            audit = await _audit(args)
        except TickNotFound as exc:
            print(f"harness: {exc}", file=sys.stderr)
            return EXIT_UNKNOWN_AGENT
        except _Refused as exc:
            print(f"harness: {exc}", file=sys.stderr)
            return EXIT_INVALID_CONFIG
        print(audit.model_dump_json(indent=2) if args.json else render(audit))
        return 0

    return await guarded(work())


async def _audit(args: argparse.Namespace):
    from engine.audit import MixedHistories, audit_tick
    from engine.replay import HistoryFileError, load_history_file

    if args.file and args.workflow_id:  # `why --file F 3` parses fine: only F and 3
        raise _Refused("give either WORKFLOW_ID or --file, not both")
    if args.file:
        try:
            return await audit_tick([load_history_file(p) for p in args.file], args.tick)
        except (HistoryFileError, MixedHistories) as exc:
            raise _Refused(str(exc)) from None
    if not args.workflow_id:
        raise _Refused("name the agent (WORKFLOW_ID) or give --file")
    from engine.cli.session import agent_session

    # Reading the histories needs no plugin; the replay that rebuilds the agent's journal
    # (engine/audit/memory.py) loads the workflow code and the plugin itself.
    async with agent_session(args.home, start=False, read_only=True) as harness:
        return await harness.audit_tick(args.workflow_id, args.tick)  # AgentNotFound: exit 5


class _Refused(ValueError):
    """Arguments or files that cannot be audited (exit EXIT_INVALID_CONFIG)."""
