"""`harness discover`: backtest N candidate strategies in sandboxes and rank them.

Starts the runtime if none runs (and stops it afterwards), or attaches to `harness up`'s.
Each candidate is a child workflow whose one activity runs the backtest in a sandbox
(Docker or bubblewrap); the ranked table is printed when every candidate is scored.
Exit 0 with a winner, 1 when every candidate failed, 3 when no sandbox works here.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys

from engine.cli.exit_codes import (
    EXIT_INVALID_CONFIG,
    EXIT_MISSING_DEPENDENCY,
    EXIT_OK,
    EXIT_UNHEALTHY,
)

DEFAULT_START = "2004-01-02"  # the embedded agent's first day (engine/cli/feed.py)
POLL_S = 0.25


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "discover", help="backtest candidate strategies in sandboxes and rank them")
    parser.add_argument("--symbol", default="AAPL", help="the stock the strategies trade")
    parser.add_argument("--candidates", type=int, default=8, help="how many (1-64)")
    parser.add_argument("--sandbox", choices=("auto", "docker", "bwrap"), default="auto",
                        help="where backtests run (auto: Docker if it answers, else bwrap)")
    parser.add_argument("--start-date", default=DEFAULT_START,
                        help="the agent's first day: only bars before it are backtested")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per backtest")
    parser.add_argument("--id", dest="workflow_id", default=None, help="name / attach to it")
    parser.add_argument("--json", action="store_true", help="print the ranked table as JSON")
    parser.set_defaults(func=lambda args: asyncio.run(_discover(args)))


async def _discover(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from engine.discovery.contracts import DiscoveryRequest

    try:
        dt.date.fromisoformat(args.start_date)
        request = DiscoveryRequest(symbol=args.symbol.strip().upper(), start_date=args.start_date,
                                   candidates=args.candidates, sandbox=args.sandbox,
                                   timeout_s=args.timeout)
    except (ValueError, ValidationError) as exc:
        print(f"harness: invalid discovery: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INVALID_CONFIG
    from engine.cli.session import agent_session

    workflow_id = args.workflow_id or (
        f"discovery-{request.symbol}-{request.start_date}-n{request.candidates}-{request.sandbox}-"
        f"{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S-%f')}")
    async with agent_session(args.home, start=True) as harness:
        await harness.start_discovery(request, workflow_id)
        print(f"discovery {workflow_id} started", file=sys.stderr)
        result = await _follow(harness, workflow_id)
    rows = [table_row(rank, o) for rank, o in enumerate(result.ranked, 1)]
    if args.json:
        print(json.dumps({"workflow_id": workflow_id, "symbol": result.symbol,
                          "start_date": result.start_date, "winner": result.winner,
                          "failed": result.failed, "ranked": rows}, indent=2))
    else:
        print(format_table(rows))
        print(f"winner: {result.winner or 'none (every candidate failed)'}")
    if result.winner is None:
        unavailable = {o.error for o in result.ranked if "no sandbox backend" in o.error
                       or "not available" in o.error.lower()}
        if len(unavailable) == 1 and len(result.ranked) == result.failed:
            print(f"harness: missing dependency: {unavailable.pop()}", file=sys.stderr)
            return EXIT_MISSING_DEPENDENCY
        return EXIT_UNHEALTHY
    return EXIT_OK


async def _follow(harness, workflow_id: str):
    """Print done/total on stderr while the backtests run, then return the result."""
    result = asyncio.ensure_future(harness.discovery_result(workflow_id))
    shown = None
    while not result.done():
        try:
            progress = await harness.discovery_progress(workflow_id)
        except Exception:  # noqa: BLE001 - the first query may race the first task
            progress = None
        if progress is not None:
            states = [c.state.value for c in progress.candidates]
            now = (progress.done, progress.total, states.count("running"), states.count("queued"))
            if now != shown:
                shown = now
                # Queued: the child started, but no sandbox worker has taken it yet.
                print(f"  {progress.done}/{progress.total} backtests done, {now[2]} running, "
                      f"{now[3]} queued", file=sys.stderr)
        await asyncio.wait([result], timeout=POLL_S)
    final = result.result()
    if shown is None or shown[:2] != (len(final.ranked), len(final.ranked)):  # between polls
        print(f"  {len(final.ranked)}/{len(final.ranked)} backtests done", file=sys.stderr)
    return final


def table_row(rank: int, o) -> dict:
    oos = o.out_of_sample
    return {
        "rank": rank, "name": o.name, "family": o.family, "params": o.params, "ok": o.ok,
        "reason": o.reason, "error": o.error, "backend": o.backend,
        "oos_sharpe": oos.get("sharpe"), "oos_return": oos.get("total_return"),
        "oos_max_drawdown": oos.get("max_drawdown"),
        "is_sharpe": o.in_sample.get("sharpe"), "trades": o.full.get("trades"),
        "win_rate": o.full.get("win_rate"), "exposure": o.full.get("exposure"),
        "signal_now": o.signal_now, "duration_s": o.duration_s,
    }


def format_table(rows: list[dict]) -> str:
    head = f"{'#':>2}  {'candidate':<40} {'OOS Sharpe':>10} {'OOS ret':>8} {'OOS DD':>8} " \
           f"{'IS Sharpe':>9} {'trades':>6}  state"
    lines = [head]
    for r in rows:
        if r["ok"]:
            lines.append(f"{r['rank']:>2}  {r['name'][:40]:<40} {r['oos_sharpe']:>10.2f} "
                         f"{r['oos_return']:>8.1%} {r['oos_max_drawdown']:>8.1%} "
                         f"{r['is_sharpe']:>9.2f} {int(r['trades']):>6}  ok ({r['backend']}, "
                         f"{r['duration_s']:.1f}s)")
        else:
            lines.append(f"{r['rank']:>2}  {r['name'][:40]:<40} {'':>10} {'':>8} {'':>8} "
                         f"{'':>9} {'':>6}  FAILED {r['reason']}: {r['error'][:80]}")
    return "\n".join(lines)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]
