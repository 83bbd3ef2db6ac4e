"""Run a coroutine to completion from synchronous code, whatever thread we are on.

The supervisor and the CLI are synchronous; the health probes use the async Temporal
client. `asyncio.run` refuses to run inside a running loop (the Qt app's qasync loop, a
pytest-asyncio test), so in that case the coroutine runs on a short-lived helper thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target, name="harness-run-sync", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]
