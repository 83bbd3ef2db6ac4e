"""One line and a stable exit code for what the agent commands refuse (no traceback).

Shared by agents, runs, pause/resume/stop/limits/steer and why: an unknown agent id is
EXIT_UNKNOWN_AGENT (a script can tell a typo from a refusal), a request the agent refused
(its validator said no, or it has ended) is EXIT_UNHEALTHY, as `approve|reject` do.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable

from engine.cli.exit_codes import EXIT_UNHEALTHY, EXIT_UNKNOWN_AGENT


async def guarded(work: Awaitable[int]) -> int:
    from engine.client import AgentNotFound, RequestRejected

    try:
        return await work
    except AgentNotFound as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN_AGENT
    except RequestRejected as exc:
        print(f"harness: refused: {exc}", file=sys.stderr)
        return EXIT_UNHEALTHY
