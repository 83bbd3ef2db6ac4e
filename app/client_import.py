"""What the window's start imports off its own thread, and in which order.

The client's import (a pool thread) and the runtime's start (another: the supervisor's
task proxy imports temporalio's service protos) must not import temporalio at the same
time: its modules import each other, and two threads doing so raise _DeadlockError. So
each takes TEMPORALIO_IMPORT around its imports.
"""

from __future__ import annotations

import threading

TEMPORALIO_IMPORT = threading.Lock()
IMPORT_WAIT_S = 30.0  # for the runtime's imports; past it the plugin is imported anyway


def import_client(runtime_imported: threading.Event | None = None):
    """The client, and the plugin its writes connect with. The plugin loads the Agents SDK
    (1-1.5 s of CPU): imported here, beside the runtime's start, and not by `connect()` on
    the window's thread once the runtime is up. There it froze the window and started the
    agent 1.6 s after worker-1 polled (the bundle's smoke test, its first tick). It waits
    for the runtime's own temporalio imports (`runtime_imported`), as the lock requires."""
    with TEMPORALIO_IMPORT:
        from engine.client import HarnessClient, RequestRejected
    if runtime_imported is not None:
        runtime_imported.wait(IMPORT_WAIT_S)
    with TEMPORALIO_IMPORT:
        import engine.plugin  # noqa: F401 - imported for connect()

    return HarnessClient, RequestRejected
