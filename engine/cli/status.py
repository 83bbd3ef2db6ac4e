"""`harness status`: live health of each service of the running runtime.

Exit 0: all healthy; 1: some service unhealthy; 2: no runtime is running in this home.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.agent.endpoint_records import describe, read_records
from engine.cli.exit_codes import EXIT_NOT_RUNNING, EXIT_OK, EXIT_UNHEALTHY
from engine.cli.table import render_runtime
from engine.runtime.diagnose import why_no_runtime
from engine.runtime.health import all_healthy, check_runtime
from engine.runtime.home import resolve_home
from engine.runtime.state import read_runtime


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("status", help="health of the running runtime's services")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--timeout", type=float, default=2.0, help="per-probe timeout (s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = resolve_home(args.home)
    info = read_runtime(home)
    if info is None:
        if args.json:
            print(json.dumps({"running": False, "home": str(home),
                              "reason": why_no_runtime(home)}))
        print(f"harness: {why_no_runtime(home)}", file=sys.stderr)
        return EXIT_NOT_RUNNING
    report = check_runtime(info, timeout=args.timeout)
    healthy = all_healthy(report)
    endpoints = read_records(home)  # what the workers' model probes found
    if args.json:
        services = {}
        for name, health in report.items():
            services[name] = {**info.services.get(name, {}), **health.to_json()}
        print(json.dumps({
            "running": True,
            "healthy": healthy,
            **{k: v for k, v in info.to_json().items() if k != "services"},
            "services": services,
            "model_endpoints": endpoints,
        }, indent=2))
    else:
        print(render_runtime(info, report))
        for caps in endpoints:
            print(f"model endpoint {describe(caps)}")
    return EXIT_OK if healthy else EXIT_UNHEALTHY
