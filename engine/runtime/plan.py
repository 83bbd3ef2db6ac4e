"""From options to concrete services: ports, command lines, environments, probes.

Everything that can be wrong before a single process starts (a missing binary, an invalid
Mockoon file) is detected here, so it surfaces as one clear exception instead of a child
that exits silently.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from engine.runtime import broker_journal, mockoon
from engine.runtime.home import logs_dir
from engine.runtime.log_trim import DEFAULT_CAP_BYTES
from engine.runtime.pids import process_start_ticks
from engine.runtime.ports import LOOPBACK, free_loopback_ports, port_accepts
from engine.runtime.processes import ChildProcess
from engine.runtime.services import Service
from engine.runtime.state import RuntimeInfo
from engine.runtime.temporal_server import (
    TemporalServerConfig,
    find_temporal_binary,
    temporal_answers,
    temporal_server_command,
)
from engine.runtime.worker_forks import ForkedWorkerProcess, WorkerZygote
from engine.runtime.worker_process import (
    default_worker_command,
    ready_file,
    remove_ready_file,
    worker_env,
    worker_id,
    worker_is_ready,
)

log = logging.getLogger(__name__)

TEMPORAL_DB = "temporal.db"
# Serve (and first validate) this Mockoon environment file instead of the shipped one.
MOCKOON_DATA_ENV = "HARNESS_MOCKOON_DATA"


@dataclass(frozen=True)
class RuntimeOptions:
    with_worker: bool = True
    worker_count: int = 1  # 2 = a hot standby polling the same queues
    stagger_standby: bool = True  # standbys start once worker-1 polls (supervisor.py)
    active_failover: bool = True  # hand a dead worker's work over at once (failover.py)
    mockoon_seed: int = 42
    mockoon_port: int | None = None  # a fixed port (tools outside point at it); default: free
    mockoon_data: Path | None = None  # default: $HARNESS_MOCKOON_DATA, else the shipped file
    # Remote mode: a cluster address means no local dev server is started. (TLS and API
    # keys for the worker come from the worker's own settings, engine/config.py.)
    temporal_address: str | None = None
    namespace: str = "default"
    headless: bool = False  # no Temporal Web UI
    tuned: bool = True  # the measured dev-server flags (temporal_server.TUNED_FLAGS)
    precise_timers: bool = True  # timers under 1 s on time (temporal_server.py)
    worker_argv: tuple[str, ...] | None = None  # a bundle runs itself with a worker flag
    # Later workers forked from an imported worker-1 (engine/runtime/worker_forks.py); only
    # with the default worker command (another command is another program).
    fork_workers: bool = True
    # A dead worker's sticky-queue polls stay open after its failover (task_proxy.py
    # TaskProxy.retire); off only for a bench's baseline.
    keep_dead_sticky_polls: bool = True
    log_cap_bytes: int = DEFAULT_CAP_BYTES  # each child's log, then its .1 (log_trim.py)


@dataclass
class RuntimePlan:
    services: dict[str, Service]
    temporal_address: str
    ui_url: str | None
    mockoon_url: str
    remote_temporal: bool
    # Where the supervised workers connect: the server itself, or the supervisor's task
    # proxy in front of it when failover is active (engine/runtime/task_proxy.py).
    worker_temporal_address: str = ""
    proxy_port: int | None = None
    zygote: WorkerZygote | None = None  # where later workers are forked from

    def describe(self, home: Path, namespace: str, started_at: float) -> RuntimeInfo:
        """What runtime.json says about this runtime now (this process supervises it)."""
        return RuntimeInfo(
            home=home, temporal_address=self.temporal_address, namespace=namespace,
            ui_url=self.ui_url, mockoon_url=self.mockoon_url,
            supervisor_pid=os.getpid(), supervisor_start=process_start_ticks(os.getpid()),
            services={name: s.record() for name, s in self.services.items()},
            started_at=started_at, remote_temporal=self.remote_temporal,
        )


def plan_runtime(home: Path, options: RuntimeOptions,
                 journal: broker_journal.JournalSink | None = None) -> RuntimePlan:
    """Check prerequisites and build every service; nothing is started yet. With a
    `journal`, Mockoon posts every broker change to it and is ready only once the journal
    has been replayed into it (see engine/runtime/broker_journal.py)."""
    # The dev server's gRPC and HTTP API, and its Web UI unless headless: chosen together,
    # so that no two are the same.
    n_local_ports = 0 if options.temporal_address else 3 - options.headless
    # Not in front of a remote cluster: its TLS and API key are the workers' own business.
    proxied = options.with_worker and options.active_failover and not options.temporal_address
    fixed = (options.mockoon_port,) if options.mockoon_port else ()
    ports = free_loopback_ports(1 + n_local_ports + proxied, avoid=fixed)
    proxy_port = ports.pop() if proxied else None
    mockoon_port, server_ports = options.mockoon_port or ports[0], ports[1:]
    services: dict[str, Service] = {}

    if options.temporal_address:
        address, ui_url = options.temporal_address, None
    else:
        server = _plan_temporal(home, options, server_ports)
        services["temporal"] = server
        address = server.address
        ui_url = None if options.headless else f"http://{LOOPBACK}:{server_ports[2]}"

    services["mockoon"] = _plan_mockoon(home, options, mockoon_port, journal)
    mockoon_url = services["mockoon"].address

    worker_address = f"{LOOPBACK}:{proxy_port}" if proxied else address
    zygote = None
    if options.with_worker and options.fork_workers and options.worker_argv is None:
        zygote = WorkerZygote(home, logs_dir(home) / "worker-zygote.log")
    if options.with_worker:
        for index in range(1, options.worker_count + 1):
            wid = worker_id(index)
            services[wid] = _plan_worker(home, options, wid, worker_address, mockoon_url,
                                         journal.url if journal is not None else "", zygote)
    return RuntimePlan(services, address, ui_url, mockoon_url, bool(options.temporal_address),
                       worker_address, proxy_port, zygote)


def _plan_temporal(home: Path, options: RuntimeOptions, ports: list[int]) -> Service:
    config = TemporalServerConfig(
        port=ports[0],
        http_port=ports[1],
        ui_port=None if options.headless else ports[2],
        db_path=home / TEMPORAL_DB,
        namespace=options.namespace,
        tuned=options.tuned,
        precise_timers=options.precise_timers,
    )
    argv = temporal_server_command(config, find_temporal_binary())
    child = ChildProcess("temporal", argv, logs_dir(home) / "temporal.log", cwd=home)

    def is_ready(_pid: int | None) -> bool:
        # TCP first: refusing costs microseconds, a client connect a few milliseconds.
        return port_accepts(config.port) and temporal_answers(config.address,
                                                              options.namespace, 1.0)

    return Service(child, is_ready=is_ready, address=config.address, port=config.port,
                   other_ports=tuple(p for p in (config.http_port, config.ui_port) if p))


def _plan_mockoon(home: Path, options: RuntimeOptions, port: int,
                  journal: broker_journal.JournalSink | None) -> Service:
    from engine.config import load_settings  # SettingsError names a bad `node` setting

    node_choice = load_settings(home).node
    mockoon.find_mockoon_cli(node_choice)  # MissingDependencyError (node, or the CLI) first
    override = options.mockoon_data or os.environ.get(MOCKOON_DATA_ENV)
    files = [Path(override)] if override else mockoon.environment_files()
    for path in files:
        mockoon.validate_environment(path)  # InvalidEnvironmentError names the file
    argv, env = mockoon.mockoon_command(port, home, seed=options.mockoon_seed, files=files,
                                        node_choice=node_choice)
    if "HOME" in env:
        Path(env["HOME"]).mkdir(parents=True, exist_ok=True)  # the CLI writes ~/.mockoon-cli
    url = f"http://{LOOPBACK}:{port}"
    if journal is not None:
        env[broker_journal.JOURNAL_URL_ENV] = journal.url
    child = ChildProcess("mockoon", argv, logs_dir(home) / "mockoon.log", env=env, cwd=home)

    def is_ready(_pid: int | None) -> bool:
        if not mockoon.probe(url, 0.5):
            return False
        if journal is None:
            return True
        import httpx  # after the spawns (tests/runtime/test_spawn_path_imports.py)

        try:  # the broker answers 503 until its memory is back: restore before "ready"
            return broker_journal.restore(url, journal.path, journal.lock)
        except broker_journal.JournalGap as exc:  # stays closed; `harness status` says why
            if service.last_error != str(exc):
                log.error("%s (%s)", exc, journal.path)
            service.last_error = str(exc)
            return False
        except (httpx.HTTPError, ValueError, KeyError, OSError) as exc:
            log.warning("restoring the broker failed (retrying): %s", exc)
            return False

    service = Service(child, is_ready=is_ready, address=url, port=port)
    return service


def _plan_worker(home: Path, options: RuntimeOptions, wid: str, temporal_address: str,
                 mockoon_url: str, journal_url: str, zygote: WorkerZygote | None) -> Service:
    argv = list(options.worker_argv or default_worker_command())
    env = worker_env(home=home, temporal_address=temporal_address,
                     namespace=options.namespace, mockoon_url=mockoon_url, wid=wid,
                     broker_journal_url=journal_url)
    ready = ready_file(home, wid)
    log_path = logs_dir(home) / f"{wid}.log"
    if zygote is not None:
        child: ChildProcess = ForkedWorkerProcess(wid, argv, log_path, env, home, zygote)
    else:
        child = ChildProcess(wid, argv, log_path, env=env, cwd=home)
    return Service(
        child,
        is_ready=lambda pid: worker_is_ready(ready, pid),
        address=f"task queues @ {temporal_address}",
        before_spawn=lambda: remove_ready_file(ready),
        ready_file=ready,
    )
