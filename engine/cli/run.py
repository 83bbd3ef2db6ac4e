"""`harness run`: run the trading agent to N ticks and print its final state.

Starts the runtime if none is running (and stops it afterwards), or attaches to
the one `harness up` runs. `--approve` picks the agent's approval policy, decided
inside the workflow so a seeded run gives the same book every time: `auto`
approves at once, `reject` rejects at once, `ask` stops the market clock and asks
on the terminal.

Every value is checked before anything starts (engine/validation.py): a refused
one is one line on stderr and exit 4, with no runtime and no workflow started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from typing import TYPE_CHECKING

from engine.cli.exit_codes import EXIT_INTERRUPTED

if TYPE_CHECKING:  # imported where used: every command builds this parser
    from engine.contracts import AgentConfig, AgentSummary, PendingApproval

# The client (temporalio, the Agents SDK) is imported where it is used, so that
# `harness --help` and `harness status` stay quick.

POLL_S = 0.2
POLICIES = {  # --approve -> ApprovalPolicy's value
    "auto": "auto-approve",
    "reject": "auto-reject",
    "ask": "wait",
}
# The defaults live here, not in argparse: an option left out stays None, so `--attach`
# can tell the options a user typed from the ones they did not.
DEFAULTS = {
    "symbols": "AAPL", "ticks": 100, "seed": 0, "approve": "auto", "model": "offline-analyst",
    "start_date": None, "cash": 100_000.0, "interval": 0.0,
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="run the trading agent to N ticks (fast mode)",
        description="Run the agent N ticks and print its final state. Attaches to the "
                    "runtime of `harness up`, or starts one and stops it afterwards.")

    def option(flag: str, help: str, **kw) -> None:
        dest = flag.lstrip("-").replace("-", "_")
        parser.add_argument(flag, default=None, help=f"{help} (default: {DEFAULTS[dest]})",
                            **kw)

    option("--symbols", "comma-separated symbols of the price tape, e.g. AAPL,MSFT")
    option("--ticks", "ticks to run, one bar each; at least 1", type=int)
    option("--seed", "seed of the agent's choices (same seed, same report)", type=int)
    option("--approve", "approval policy: auto-approve, auto-reject, or ask here",
           choices=tuple(POLICIES))
    option("--model", "offline-analyst | openai:<model> | compatible:<model>")
    option("--start-date", "YYYY-MM-DD inside the price tape (2000-03-01..2013-03-01)")
    option("--cash", "starting cash in dollars; greater than 0", type=float)
    option("--interval", "seconds between ticks; 0 is as fast as possible", type=float)
    parser.add_argument("--id", dest="workflow_id", default=None,
                        help="name the new agent; with --attach, the running agent to follow")
    parser.add_argument("--attach", action="store_true",
                        help="follow the running agent --id names (options given must match)")
    parser.add_argument("--json", action="store_true", help="print the final state as JSON")
    parser.set_defaults(func=lambda args: asyncio.run(_run(args)))


def agent_config(args: argparse.Namespace) -> tuple[AgentConfig, set[str]]:
    """The validated config and the options given explicitly; raises InvalidInput."""
    from engine.contracts import AgentConfig, ApprovalPolicy
    from engine.validation import build, check_at_least

    explicit = {name for name in DEFAULTS if getattr(args, name) is not None}
    value = {name: getattr(args, name) if name in explicit else DEFAULTS[name]
             for name in DEFAULTS}
    check_at_least("--ticks", value["ticks"], 1)
    symbols = [s.strip().upper() for s in value["symbols"].split(",") if s.strip()]
    config = build(AgentConfig, {
        "symbols": symbols, "max_ticks": value["ticks"], "seed": value["seed"],
        "model": value["model"], "start_date": value["start_date"],
        "starting_cash": value["cash"], "tick_interval_s": value["interval"],
        "approval_policy": ApprovalPolicy(POLICIES[value["approve"]]),
    })
    return config, explicit


# AgentConfig field -> the option that sets it, so a refusal names what the user typed.
OPTION_OF = {"symbols": "--symbols", "max_ticks": "--ticks", "seed": "--seed", "model": "--model",
             "start_date": "--start-date", "starting_cash": "--cash",
             "tick_interval_s": "--interval"}


def checked_config(args: argparse.Namespace) -> tuple[AgentConfig, set[str]]:
    from engine.validation import InvalidInput

    try:
        return _checked_config(args)
    except InvalidInput as exc:
        option = OPTION_OF.get(exc.field)
        if option is None:
            raise
        raise InvalidInput(option, exc.value, exc.allowed) from None


def _checked_config(args: argparse.Namespace) -> tuple[AgentConfig, set[str]]:
    """agent_config, plus what needs the home: its settings, the tape it serves, the
    model's key or base URL. Everything before any process starts."""
    from engine.config import load_settings
    from engine.runtime.home import resolve_home
    from engine.tape import shipped_tape
    from engine.validation import InvalidInput, validate_agent_config

    if args.attach and not args.workflow_id:
        raise InvalidInput("--attach", True, "name the running agent to follow with --id")
    settings = load_settings(resolve_home(args.home))
    config, explicit = agent_config(args)
    # A market served elsewhere has a tape we cannot read here: its own checks apply.
    validate_agent_config(config, None if settings.market_url else shipped_tape())
    check_model_where_called(config.model, resolve_home(args.home),
                             settings.openai_base_url)
    return config, explicit


def check_model_where_called(model: str, home, base_url: str | None) -> None:
    """The model's key is checked in the process that calls the model: this one's
    environment when it starts the runtime (its workers inherit it), else the workers of
    the runtime it attaches to (engine/runtime/model_access.py)."""
    from engine.runtime.model_access import check_runtime_model_access
    from engine.runtime.state import attach
    from engine.validation import check_model_name, check_model_reachable

    if check_model_name(model)[0] == "offline":
        return
    running = attach(home)
    if running is None:  # the runtime this command starts calls the model with our settings
        check_model_reachable(model, base_url=base_url)
        check_model_endpoint(model, base_url)
        return
    for warning in check_runtime_model_access(model, running):
        print(f"harness: warning: {warning}", file=sys.stderr)


def check_model_endpoint(model: str, base_url: str | None) -> None:
    """A compatible model's endpoint answers GET /models and lists the model, or this raises
    MissingDependencyError (exit 3, one line) before anything starts."""
    import os

    from engine.runtime.errors import MissingDependencyError

    provider, _, name = model.partition(":")
    if provider != "compatible":
        return
    from engine.agent.endpoint import check_endpoint

    url = base_url or os.environ.get("HARNESS_OPENAI_BASE_URL", "").strip()
    key = os.environ.get("HARNESS_OPENAI_API_KEY", "").strip() or None
    problem = check_endpoint(url, name, key)
    if problem:
        raise MissingDependencyError(problem)


async def _run(args: argparse.Namespace) -> int:
    # Checked before the client is imported: a refusal takes a second, not the Agents SDK's
    # import time (9 s measured under load).
    config, explicit = checked_config(args)

    from engine.cli.session import agent_session
    from engine.runtime.home import resolve_home
    from engine.runtime.state import attach

    workflow_id: str | None = args.workflow_id
    # Whether the agent outlives a Ctrl-C: it does in a runtime `harness up` runs.
    attached_runtime = attach(resolve_home(args.home)) is not None
    try:
        async with agent_session(args.home, start=True) as harness:
            workflow_id = await _start_or_attach(harness, config, explicit, args)
            if args.approve == "ask":
                summary = await _ask_until_done(harness, workflow_id)
            else:
                summary = await harness.result(workflow_id)
    except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels this task
        _say_interrupted(workflow_id, attached_runtime)
        return EXIT_INTERRUPTED
    print_report(final_report(summary), as_json=args.json)
    return 0


async def _start_or_attach(harness, config: AgentConfig, explicit: set[str],
                           args: argparse.Namespace) -> str:
    from engine.cli.run_attach import refuse_differences, running_config
    from engine.validation import InvalidInput

    if args.workflow_id:
        running = await running_config(harness, args.workflow_id)
        if running is not None and not args.attach:
            raise InvalidInput("--id", args.workflow_id, "that agent is already running: pass "
                               "--attach to follow it, or pick another id for a new agent")
        if running is None and args.attach:
            raise InvalidInput("--id", args.workflow_id, "no running agent has this id; "
                               "leave out --attach to start a new one")
        if running is not None:
            refuse_differences(args.workflow_id, config, explicit, running)
            print(f"attached to running agent {args.workflow_id}", file=sys.stderr)
            return args.workflow_id
    workflow_id = await harness.start_agent(config, args.workflow_id)
    print(f"agent {workflow_id} started", file=sys.stderr)
    return workflow_id


def _say_interrupted(workflow_id: str | None, attached_runtime: bool) -> None:
    if workflow_id is None:
        print("harness: interrupted before the agent started", file=sys.stderr)
    elif attached_runtime:
        print(f"harness: interrupted; agent {workflow_id} goes on in the running runtime. "
              f"Follow it with `harness state {workflow_id}`, stop it with "
              f"`harness stop {workflow_id}`", file=sys.stderr)
    else:
        print(f"harness: interrupted; the runtime this command started is stopped, so agent "
              f"{workflow_id} is halted where it was (saved). It goes on at the next "
              f"`harness up`, or `harness run --id {workflow_id} --attach`", file=sys.stderr)


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
    answer = await _read_line()
    approve = answer.strip().lower() in ("y", "yes")
    try:
        await harness.review(workflow_id, pending.trade_id, approve=approve, reviewer="cli-ask")
    except RequestRejected as exc:  # expired meanwhile: say so and go on
        print(f"{pending.trade_id}: {exc}", file=sys.stderr)


async def _read_line() -> str:
    """A line from stdin on a daemon thread. Not asyncio.to_thread: asyncio.run waits for
    the default executor's threads when it ends, so a Ctrl-C at the prompt would hang
    until the human pressed Enter."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def read() -> None:
        line = sys.stdin.readline()
        try:
            loop.call_soon_threadsafe(lambda: answer.done() or answer.set_result(line))
        except RuntimeError:  # the loop is gone (Ctrl-C): nobody waits for this line
            pass

    threading.Thread(target=read, name="harness-ask", daemon=True).start()
    return await answer


def print_report(report: dict, *, as_json: bool) -> None:
    """An agent's summary on stdout, as `run` and `stop` end: JSON, or aligned lines."""
    if as_json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        for key, value in report.items():
            print(f"{key:>18}: {value}")


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
        "model_usage": summary.usage.line(),
        "last_model_error": summary.last_model_error,
    }
