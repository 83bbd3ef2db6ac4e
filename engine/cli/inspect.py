"""`harness state WORKFLOW_ID` and `harness history WORKFLOW_ID`: read an agent."""

from __future__ import annotations

import asyncio


def register(subparsers) -> None:
    state = subparsers.add_parser("state", help="an agent's current state")
    state.add_argument("workflow_id", help="the agent")
    state.add_argument("--json", action="store_true", help="print it as JSON")
    state.set_defaults(func=lambda args: asyncio.run(_state(args)))

    history = subparsers.add_parser("history", help="an agent's event history")
    history.add_argument("workflow_id", help="the agent")
    history.add_argument("--run-id", default=None,
                         help="one run of the agent (default: the current run)")
    history.add_argument("--json", action="store_true",
                         help="the format `temporal workflow show -o json` writes")
    history.set_defaults(func=lambda args: asyncio.run(_history(args)))


async def _state(args) -> int:
    from engine.cli.session import agent_session

    async with agent_session(args.home, start=False, read_only=True) as harness:
        view = await harness.state(args.workflow_id)
    if args.json:
        print(view.model_dump_json(indent=2))
        return 0
    print(f"{view.workflow_id}  {view.phase.value}  tick {view.tick}  {view.date}  "
          f"model: {view.model_label}")
    print(f"cash ${view.cash:,.2f}  equity ${view.equity:,.2f}  "
          f"realized ${view.realized_pnl:,.2f}  unrealized ${view.unrealized_pnl:,.2f}")
    if view.pause_reason:
        print(f"paused: {view.pause_reason}")
    if view.outage:
        print(f"waiting: {view.outage}")
    if view.usage.total.calls:
        print(f"model usage: {view.usage.total.line()} in all; today ({view.usage.day}) "
              f"{view.usage.today.line()}")
    if view.last_model_error:
        print(f"last model error: {view.last_model_error}")
    if view.reconciliations:
        last = view.reconciliations[-1]
        verdict = "agree" if last.agrees else "DISAGREE: " + "; ".join(last.findings)
        print(f"book and broker ({last.trigger}, t{last.tick}): {verdict}")
    for h in view.holdings:
        print(f"  {h.symbol:6} {h.quantity:>8} @ {h.avg_cost:,.4f}  now {h.price:,.4f}")
    for p in view.pending:
        print(f"  pending {p.trade_id}: {p.intent.side.value} {p.intent.quantity} {p.intent.symbol}"
              f" (${p.check.notional:,.2f})")
    for d in view.last_decisions[-5:]:
        print(f"  t{d.tick} {d.date} {d.intent.side.value:4} {d.intent.quantity:>6} "
              f"{d.intent.symbol:5} {d.check.verdict.value:14} {d.intent.rationale[:60]}"
              + (f"  [{d.usage.tokens:,} tokens]" if d.usage else ""))
    return 0


async def _history(args) -> int:
    from engine.cli.session import agent_session
    from engine.history import describe_event

    async with agent_session(args.home, start=False, read_only=True) as harness:
        if args.json:
            print(await harness.export_history(args.workflow_id, args.run_id))
            return 0
        history = await harness.history(args.workflow_id, args.run_id)
    for event in history.events:
        print(describe_event(event))
    return 0
