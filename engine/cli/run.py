"""`harness run`: run the trading agent to N ticks and print its final state.

Starts the runtime if none is running (and stops it afterwards), or attaches to
the one `harness up` runs. `--approve` picks the agent's approval policy, decided
inside the workflow so a seeded run gives the same book every time: `auto`
approves at once, `reject` rejects at once, `ask` stops the market clock and asks
on the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from engine.contracts import AgentConfig, AgentSummary, ApprovalPolicy, PendingApproval

# The client (temporalio, the Agents SDK) is imported where it is used, so that
# `harness --help` and `harness status` stay quick.

POLL_S = 0.2
POLICIES = {
    "auto": ApprovalPolicy.AUTO_APPROVE,
    "reject": ApprovalPolicy.AUTO_REJECT,
    "ask": ApprovalPolicy.WAIT,
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run the trading agent to N ticks (fast mode)")
    parser.add_argument("--symbols", default="AAPL", help="comma-separated, e.g. AAPL,MSFT")
    parser.add_argument("--ticks", type=int, default=100, help="ticks to run (one bar each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--approve", choices=("auto", "reject", "ask"), default="auto")
    parser.add_argument("--model", default="offline-analyst",
                        help="offline-analyst | openai:<model> | compatible:<model>")
    parser.add_argument("--start-date", default=None, help="YYYY-MM-DD in the price history")
    parser.add_argument("--cash", type=float, default=100_000.0)
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between ticks")
    parser.add_argument("--id", dest="workflow_id", default=None, help="attach to / name the agent")
    parser.add_argument("--json", action="store_true", help="print the final state as JSON")
    parser.set_defaults(func=lambda args: asyncio.run(_run(args)))


async def _run(args: argparse.Namespace) -> int:
    from engine.cli.session import agent_session

    config = AgentConfig(
        symbols=[s.strip().upper() for s in args.symbols.split(",") if s.strip()],
        max_ticks=args.ticks,
        seed=args.seed,
        model=args.model,
        start_date=args.start_date,
        starting_cash=args.cash,
        tick_interval_s=args.interval,
        approval_policy=POLICIES[args.approve],
    )
    async with agent_session(args.home, start=True) as harness:
        workflow_id = await harness.start_agent(config, args.workflow_id)
        print(f"agent {workflow_id} started", file=sys.stderr)
        if args.approve == "ask":
            summary = await _ask_until_done(harness, workflow_id)
        else:
            summary = await harness.result(workflow_id)
    report = final_report(summary)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        for key, value in report.items():
            print(f"{key:>18}: {value}")
    return 0


async def _ask_until_done(harness, workflow_id: str) -> AgentSummary:
    """Ask the human about each approval until the agent finishes. The agent's clock
    stands still while a question is open (the `wait` policy), so nothing races it."""
    result = asyncio.ensure_future(harness.result(workflow_id))
    answered: set[str] = set()
    while not result.done():
        state = await harness.state(workflow_id)
        for pending in state.pending:
            if pending.trade_id not in answered:
                answered.add(pending.trade_id)
                await _ask(harness, workflow_id, pending)
        await asyncio.wait([result], timeout=POLL_S)
    return result.result()


async def _ask(harness, workflow_id: str, pending: PendingApproval) -> None:
    from engine.client import RequestRejected

    intent = pending.intent
    question = (
        f"\n{pending.trade_id} {pending.date}: {intent.side.value} {intent.quantity} "
        f"{intent.symbol} at ${pending.check.price:,.2f} (${pending.check.notional:,.2f})\n"
        f"  why: {intent.rationale}\n  needs approval: {'; '.join(pending.check.reasons)}\n"
        "approve? [y/N] "
    )
    print(question, end="", file=sys.stderr, flush=True)  # stdout is for the report
    answer = await asyncio.to_thread(sys.stdin.readline)
    approve = answer.strip().lower() in ("y", "yes")
    try:
        await harness.review(workflow_id, pending.trade_id, approve=approve, reviewer="cli-ask")
    except RequestRejected as exc:  # expired meanwhile: say so and go on
        print(f"{pending.trade_id}: {exc}", file=sys.stderr)


def final_report(summary: AgentSummary) -> dict:
    return {
        "workflow_id": summary.workflow_id,
        "phase": summary.phase.value,
        "ticks": summary.ticks,
        "date": summary.date,
        "orders": summary.orders,
        "cash": summary.cash,
        "positions": summary.positions,
        "equity": summary.equity,
        "realized_pnl": summary.realized_pnl,
        "decisions": summary.decisions,
        "approvals": summary.approvals,
        "buys": summary.counters.buys,
        "sells": summary.counters.sells,
        "holds": summary.counters.holds,
        "blocked": summary.counters.blocked,
        "model_errors": summary.counters.model_errors,
        "runs": summary.counters.runs,
        "book_vs_broker": summary.book_vs_broker,
    }
