"""`harness sandbox check [--backend B] [--json]`: which sandbox backends work here, and
proof of their isolation.

For each backend: available or why not; if available, the hostile probes run in it (no
network, no write outside /tmp, no docker socket/home/host environment, a memory hog, a
fork bomb and an infinite loop stopped by their limits) and the hostile ones (privileged
system calls, a daemon that would outlive its sandbox, host paths in sight); then the
backend's weaknesses: what it does not promise, and any probe that failed. Exit 0 when at
least one backend works and every available one passes every probe; 1 when a probe fails
(a sandbox that does not isolate); 3 when no backend (or the one named) is available.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time

from engine.cli.exit_codes import EXIT_MISSING_DEPENDENCY, EXIT_OK, EXIT_UNHEALTHY

BACKENDS = ("docker", "bwrap")


def register(subparsers) -> None:
    parser = subparsers.add_parser("sandbox", help="the backtest sandboxes (Docker, bubblewrap)")
    actions = parser.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="which backends work here; prove their isolation")
    check.add_argument("--backend", choices=("all", *BACKENDS), default="all",
                       help="check only this backend (default: all)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=lambda args: asyncio.run(_check(args)))


async def _check_backend(name: str) -> dict:
    from engine.sandbox import SandboxUnavailable, check_backend
    from engine.sandbox.probes import WEAKNESSES, probes, run_probe

    try:
        await asyncio.to_thread(check_backend, name)
    except SandboxUnavailable as exc:
        return {"backend": name, "available": False, "why_not": str(exc), "probes": []}

    async def one(probe) -> dict:
        started = time.monotonic()
        result, problem = await run_probe(probe, name)
        return {"name": probe.name, "claim": probe.claim, "passed": problem is None,
                "problem": problem, "reason": result.reason, "exit_code": result.exit_code,
                "seconds": round(time.monotonic() - started, 2)}

    # The probes run side by side: the loop probe waits out its clock, the rest are quick.
    results = await asyncio.gather(*(one(p) for p in probes()))
    failed = [f"FAILED: {r['claim']}: {r['problem']}" for r in results if not r["passed"]]
    return {"backend": name, "available": True, "why_not": None, "probes": list(results),
            "isolated": all(r["passed"] for r in results),
            "weaknesses": failed + WEAKNESSES.get(name, []) + _found_weaknesses(name)}


def _found_weaknesses(name: str) -> list[str]:
    """What this machine's copy of the backend lacks."""
    if name != "bwrap":
        return []
    from engine.sandbox.bwrap import disables_userns

    return [] if disables_userns() else [
        "this bwrap has no --disable-userns (before 0.8): only the seccomp filter refuses "
        "new user namespaces"]


def _print_text(report: list[dict]) -> None:
    for entry in report:
        if not entry["available"]:
            print(f"{entry['backend']:7s} unavailable: {entry['why_not']}")
            continue
        verdict = "isolated" if entry["isolated"] else "NOT ISOLATED"
        print(f"{entry['backend']:7s} available, {verdict}")
        for probe in entry["probes"]:
            mark = "ok  " if probe["passed"] else "FAIL"
            detail = f" ({probe['problem']})" if probe["problem"] else ""
            print(f"  {mark} {probe['claim']}: {probe['reason']}, "
                  f"{probe['seconds']} s{detail}")
        print("  weaknesses:")
        for weakness in entry["weaknesses"]:
            print(f"    - {weakness}")


async def _check(args: argparse.Namespace) -> int:
    # Each probe's failure is in the report; the per-run log lines would only repeat it.
    logging.getLogger("harness.sandbox").setLevel(logging.WARNING)
    names = BACKENDS if args.backend == "all" else (args.backend,)
    report = list(await asyncio.gather(*(_check_backend(n) for n in names)))
    available = [e for e in report if e["available"]]
    if args.json:
        auto = available[0]["backend"] if available else None
        print(json.dumps({"backends": report, "auto": auto}, indent=2))
    else:
        _print_text(report)
    if not available:
        return EXIT_MISSING_DEPENDENCY
    return EXIT_OK if all(e["isolated"] for e in available) else EXIT_UNHEALTHY
