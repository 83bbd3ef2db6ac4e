"""When a standby worker starts: once worker-1 polls, not beside it.

On 2 cores, two workers importing the Agents SDK at the same moment, next to the dev
server and Mockoon starting, each took about twice as long: the runtime was usable only
when the slower of the two was. Started after worker-1 is ready, the standby finds the
modules in the page cache and the cores free (bench/startup.py measures both ways:
RuntimeOptions.stagger_standby). The supervisor spawns every service on its own thread
(PR_SET_PDEATHSIG is bound to it): these only say which.

A trade-off, measured on 2026-12-06 (quiet machine, 3 runs each way): both at once bring
every service up sooner (a relaunch healthy in 2.47-2.55 s against 3.78-4.12 s, the
bundle in 3.9-4.4 s against 7.2-7.6 s), but worker-1 polls later, and what a user waits
for comes later: the relaunched agent's next tick 2.84-2.89 s against 2.45-2.58 s, the
bundle's first tick 8.9-10.0 s against 7.96-8.39 s. The standby matters only once a
worker dies, so worker-1 goes first.

Since 2026-12-06 the standby is forked from worker-1's zygote (engine/worker_zygote.py)
instead of importing: started once worker-1 polls, it polls 0.2-0.5 s later, so a relaunch
is healthy in 2.2-2.7 s with no cost to the next tick (bench/relaunch.py; docs/runtime.md).
Staggering still matters: spawned beside worker-1, before any zygote exists, it would import.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.runtime.services import Service

FIRST_WORKER = "worker-1"


def is_standby(name: str) -> bool:
    return name.startswith("worker-") and name != FIRST_WORKER


def waits_for_first_worker(service: Service, services: Mapping[str, Service],
                           stagger: bool) -> bool:
    """True while this standby, never spawned yet, should let worker-1 start alone."""
    first = services.get(FIRST_WORKER)
    return (stagger and service.status == "planned" and is_standby(service.name)
            and first is not None and first.status not in ("ready", "restarting"))


def due_standbys(services: Mapping[str, Service], stagger: bool) -> list[Service]:
    """The standbys never spawned whose wait is over."""
    return [s for s in services.values() if s.status == "planned" and is_standby(s.name)
            and not waits_for_first_worker(s, services, stagger)]
