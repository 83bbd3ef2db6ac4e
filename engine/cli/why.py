"""`harness why WORKFLOW_ID TICK [--json]` (or `--file HISTORY.json ... TICK`): why did the
agent do what it did at that tick? The audit trail, read from the event history alone
(every run of the agent, so a tick after continue-as-new is found in its own run).
`harness why WORKFLOW_ID strategy:SYMBOL`: the strategy it trades that symbol on, with
its code, scorecard, approval and the diff against the nearest shipped family."""

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
    parser.add_argument("tick", type=_tick, help="the tick to explain (1 = the first), or "
                        "strategy:SYMBOL for the strategy picked for that symbol")
    parser.add_argument("--file", action="append", default=[], metavar="HISTORY",
                        help="read exported run histories instead of the server (repeat it "
                             "for each run, in order); no runtime needed")
    parser.add_argument("--json", action="store_true", help="the trail as JSON")
    parser.set_defaults(func=lambda args: asyncio.run(_why(args)))


def _tick(text: str) -> int | str:
    if text.startswith("strategy:") and len(text) > len("strategy:"):
        return text
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
        if isinstance(args.tick, str):
            return await _strategy(args)
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


async def _strategy(args: argparse.Namespace) -> int:
    from engine.cli.session import agent_session
    from engine.discovery.review import review_of

    if args.file or not args.workflow_id:
        print("harness: strategy:SYMBOL needs the agent's WORKFLOW_ID (not --file)",
              file=sys.stderr)
        return EXIT_INVALID_CONFIG
    symbol = args.tick.split(":", 1)[1]
    async with agent_session(args.home, start=False) as harness:
        state = await harness.state(args.workflow_id)
    pick = state.strategies.get(symbol)
    if pick is None:
        print(f"harness: agent {args.workflow_id} has no strategy for {symbol!r} (it has: "
              f"{', '.join(sorted(state.strategies)) or 'none'})", file=sys.stderr)
        return EXIT_UNKNOWN_AGENT
    review = review_of(pick)
    if args.json:
        import json
        from dataclasses import asdict

        print(json.dumps(asdict(review), indent=2))
    else:
        print(review.render())
    return 0
