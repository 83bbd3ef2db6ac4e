"""`harness pause|resume|stop|limits|steer WORKFLOW_ID`: steer a running agent.

Each is the workflow's own update or signal, so the agent's validator has the last word
(a refused update leaves no event). Before anything is sent, the id is checked (an unknown
one is EXIT_UNKNOWN_AGENT) and so is the input: a limit outside its range or an empty note
is refused here with the field, the value and what is allowed (EXIT_INVALID_CONFIG).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys

from engine.cli.exit_codes import EXIT_INVALID_CONFIG

AGENT_HELP = "the agent's workflow id (`harness agents` lists them)"
NOTE_MAX = 500  # the workflow keeps this many characters of a note: refuse, never cut
# flag -> RiskLimits field; lists are comma-separated.
LIMIT_FLAGS = {
    "max_order": "max_order_notional",
    "max_position_pct": "max_position_pct",
    "max_daily": "max_daily_notional",
    "daily_loss_pct": "daily_loss_limit_pct",
    "max_quantity": "max_quantity",
    "limit_band_pct": "limit_band_pct",
    "approval": "approval_notional",
    "min_confidence": "approval_min_confidence",
    "symbols": "allowed_symbols",
    "restricted_terms": "restricted_terms",
}
LIST_FIELDS = {"allowed_symbols", "restricted_terms"}


def register(subparsers) -> None:
    for verb, what in (("pause", "pause an agent (a tick under way finishes first)"),
                       ("resume", "resume a paused agent (it checks its book first)")):
        parser = subparsers.add_parser(verb, help=what)
        parser.add_argument("workflow_id", help=AGENT_HELP)
        parser.set_defaults(func=lambda args, v=verb: asyncio.run(_guard(_phase(args, v))))

    stop = subparsers.add_parser("stop", help="stop an agent and print its final summary")
    stop.add_argument("workflow_id", help=AGENT_HELP)
    stop.add_argument("--json", action="store_true", help="the summary as JSON")
    stop.set_defaults(func=lambda args: asyncio.run(_guard(_stop(args))))

    limits = subparsers.add_parser(
        "limits", help="show an agent's risk limits, or change some (validated by the agent)")
    limits.add_argument("workflow_id", help=AGENT_HELP)
    for flag, field in LIMIT_FLAGS.items():
        kind = "comma-separated" if field in LIST_FIELDS else "number"
        limits.add_argument(f"--{flag.replace('_', '-')}", dest=flag, default=None,
                            metavar="LIST" if field in LIST_FIELDS else "N",
                            help=f"{field} ({kind}; default: unchanged)")
    limits.add_argument("--json", action="store_true", help="print the limits as JSON")
    limits.set_defaults(func=lambda args: asyncio.run(_guard(_limits(args))))

    steer = subparsers.add_parser("steer", help="a note for the agent's next brief")
    steer.add_argument("workflow_id", help=AGENT_HELP)
    steer.add_argument("note", help=f"free text, 1..{NOTE_MAX} characters")
    steer.set_defaults(func=lambda args: asyncio.run(_guard(_steer(args))))


class InvalidInput(ValueError):
    """Input refused before anything is sent (H3's shared validation layer may absorb it)."""


async def _guard(work) -> int:
    from engine.cli.agent_errors import guarded

    try:
        return await guarded(work)
    except InvalidInput as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return EXIT_INVALID_CONFIG


async def _phase(args: argparse.Namespace, verb: str) -> int:
    from engine.cli.session import agent_session

    async with agent_session(args.home, start=False) as harness:
        await harness.require_running(args.workflow_id)
        phase = await getattr(harness, verb)(args.workflow_id)
    print(f"agent {args.workflow_id}: {phase.value}")
    return 0


async def _stop(args: argparse.Namespace) -> int:
    from engine.cli.run import final_report, print_report
    from engine.cli.session import agent_session

    async with agent_session(args.home, start=False) as harness:
        await harness.require_running(args.workflow_id)
        await harness.stop(args.workflow_id)
        summary = await harness.result(args.workflow_id)
    print_report(final_report(summary), as_json=args.json)
    return 0


def limits_from(current, changes: dict[str, str]):
    """The current limits with `changes` (flag -> text) applied, validated; InvalidInput
    names the flag, the value and what is allowed."""
    from pydantic import ValidationError

    from engine.models import RiskLimits

    values = current.model_dump()
    flag_of = {}
    for flag, text in changes.items():
        field = LIMIT_FLAGS[flag]
        flag_of[field] = flag
        if field in LIST_FIELDS:
            values[field] = [p.strip() for p in text.split(",") if p.strip()]
            if field == "allowed_symbols":
                values[field] = [s.upper() for s in values[field]]
                if not values[field]:
                    raise InvalidInput(f"--symbols {text!r}: name at least one symbol, "
                                       "or the agent could never trade")
            continue
        values[field] = text
        if _non_finite(text):
            raise InvalidInput(f"--{flag.replace('_', '-')} {text!r}: must be a finite number")
    try:
        return RiskLimits.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "limits"
        flag = "--" + flag_of.get(field, field).replace("_", "-")
        raise InvalidInput(
            f"{flag} {changes.get(flag_of.get(field, ''), '')!r}: {error['msg']}") from None


def _non_finite(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False  # not a number at all: pydantic names it


async def _limits(args: argparse.Namespace) -> int:
    from engine.cli.session import agent_session

    changes = {flag: getattr(args, flag) for flag in LIMIT_FLAGS if getattr(args, flag) is not None}
    async with agent_session(args.home, start=False) as harness:
        state = await harness.state(args.workflow_id)
        limits = state.limits
        if changes:
            wanted = limits_from(limits, changes)
            await harness.require_running(args.workflow_id)
            limits = await harness.set_limits(args.workflow_id, wanted)
    if args.json:
        print(limits.model_dump_json(indent=2))
    else:
        for field, value in limits.model_dump().items():
            shown = ", ".join(value) if isinstance(value, list) else value
            print(f"{field:>24}: {shown}")
    return 0


async def _steer(args: argparse.Namespace) -> int:
    from engine.cli.session import agent_session

    note = args.note.strip()
    if not note or len(note) > NOTE_MAX:
        raise InvalidInput(f"note of {len(note)} characters: must be 1..{NOTE_MAX} characters")
    async with agent_session(args.home, start=False) as harness:
        await harness.require_running(args.workflow_id)
        await harness.steer(args.workflow_id, note)
    print(f"agent {args.workflow_id}: note delivered; its next brief carries it")
    return 0
