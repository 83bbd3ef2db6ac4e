"""`harness approve|reject WORKFLOW_ID TRADE_ID [--reason]`: answer a pending approval.

TRADE_ID `strategy:SYMBOL` answers the approval of a model-written strategy instead: the
code, the worker's scorecard and the diff against the nearest shipped family are printed
(on stderr, so stdout stays the JSON answer) before the answer is sent."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys


def register(subparsers) -> None:
    for verb in ("approve", "reject"):
        parser = subparsers.add_parser(verb, help=f"{verb} a trade waiting for approval")
        parser.add_argument("workflow_id", help="the agent asking")
        parser.add_argument("trade_id", help="the pending trade, e.g. t4-AAPL, or "
                            "strategy:SYMBOL for a model-written strategy")
        parser.add_argument("--reason", default="", help="why, kept in the history")
        parser.add_argument("--reviewer", default=getpass.getuser(),
                            help="who answers, kept in the history")
        parser.set_defaults(func=lambda args, v=verb: asyncio.run(_review(args, v == "approve")))


STRATEGY = "strategy:"


async def _review(args, approve: bool) -> int:
    from engine.cli.session import agent_session
    from engine.client import RequestRejected

    async with agent_session(args.home, start=False) as harness:
        try:
            if args.trade_id.startswith(STRATEGY):
                return await _review_strategy(harness, args, approve)
            result = await harness.review(
                args.workflow_id, args.trade_id, approve=approve, reviewer=args.reviewer,
                reason=args.reason,
            )
        except RequestRejected as exc:
            print(f"harness: refused: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(result.model_dump(mode="json"), indent=2))
    return 0


async def _review_strategy(harness, args, approve: bool) -> int:
    from engine.discovery.review import review_of

    symbol = args.trade_id[len(STRATEGY):]
    pick = (await harness.state(args.workflow_id)).strategies.get(symbol)
    if pick is not None:
        print(review_of(pick).render(), file=sys.stderr)
    result = await harness.review_strategy(args.workflow_id, symbol, approve=approve,
                                           reviewer=args.reviewer, reason=args.reason)
    print(json.dumps({"symbol": result.symbol, "strategy": result.winner.name if result.winner
                      else None, "approval": result.approval.value,
                      "note": result.approval_note}, indent=2))
    return 0
