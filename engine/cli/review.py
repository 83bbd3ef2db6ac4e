"""`harness approve|reject WORKFLOW_ID TRADE_ID [--reason]`: answer a pending approval."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys


def register(subparsers) -> None:
    for verb in ("approve", "reject"):
        parser = subparsers.add_parser(verb, help=f"{verb} a trade waiting for approval")
        parser.add_argument("workflow_id", help="the agent asking")
        parser.add_argument("trade_id", help="the pending trade, e.g. t4-AAPL")
        parser.add_argument("--reason", default="", help="why, kept in the history")
        parser.add_argument("--reviewer", default=getpass.getuser(),
                            help="who answers, kept in the history")
        parser.set_defaults(func=lambda args, v=verb: asyncio.run(_review(args, v == "approve")))


async def _review(args, approve: bool) -> int:
    from engine.cli.session import agent_session
    from engine.client import RequestRejected

    async with agent_session(args.home, start=False) as harness:
        try:
            result = await harness.review(
                args.workflow_id, args.trade_id, approve=approve, reviewer=args.reviewer,
                reason=args.reason,
            )
        except RequestRejected as exc:
            print(f"harness: refused: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(result.model_dump(mode="json"), indent=2))
    return 0
