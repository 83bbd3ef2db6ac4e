"""`harness worker`: a worker-only process, the unit of scale-out.

It polls the agent's task queues on any Temporal cluster (a self-hosted one, Temporal Cloud,
or the local runtime's dev server) and starts nothing else: no dev server, no Mockoon, no
window. Run as many as the work needs, on as many machines; Temporal hands each task to one
of them and gives a dead worker's tasks to the others. Without flags it takes everything
from the settings (environment, `$HARNESS_HOME/settings.json`): that is how the bundle's
supervisor runs its own workers (the app binary with this subcommand).

The cluster's API key is never an argument (argv is visible to every user of the machine
and lands in shell histories and process listings): `--api-key env:VAR` or
`--api-key file:PATH` says where to read it. It goes only into the gRPC connection.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
from pathlib import Path

from engine.config import Settings, SettingsError, load_settings

log = logging.getLogger("harness.worker")

_ADDRESS = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker", help="run a worker-only process against a Temporal cluster (scale-out)",
        description="Poll the agent's task queues on a Temporal cluster; start nothing else. "
                    "Flags override the settings (HARNESS_* variables, settings.json).")
    parser.add_argument("--temporal-address", metavar="HOST:PORT",
                        help="the cluster's frontend (Temporal Cloud: NS.ACCT.tmprl.cloud:7233)")
    parser.add_argument("--namespace", help="the cluster namespace the agents run in")
    parser.add_argument("--task-queue", action="append", dest="task_queues", default=[],
                        metavar="QUEUE", help="a queue to poll (repeatable; default: the "
                                              "settings' task_queue, harness-agent)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--api-key", metavar="env:VAR|file:PATH",
                      help="where to read the cluster's API key (never the key itself)")
    auth.add_argument("--tls-cert", metavar="PEM", help="client certificate for mTLS")
    parser.add_argument("--tls-key", metavar="PEM", help="private key of --tls-cert")
    parser.add_argument("--tls-ca", metavar="PEM",
                        help="CA of the server's certificate (default: the system roots)")
    parser.add_argument("--tls", action=argparse.BooleanOptionalAction, default=None,
                        help="TLS to the cluster (default: on with --api-key or --tls-cert, "
                             "else the settings' temporal_tls)")
    parser.add_argument("--connect-timeout", type=float, default=60.0, metavar="S",
                        help="keep retrying the cluster this long at start (default 60)")
    parser.set_defaults(func=run)


def read_api_key(source: str, environ: dict[str, str] | os._Environ = os.environ) -> str:
    """The key named by `env:VAR` or `file:PATH`; SettingsError (never echoing a literal
    key back: the user may have pasted one) when it is neither or is empty."""
    kind, _, where = source.partition(":")
    if kind == "env" and where:
        key = environ.get(where, "")
        if not key.strip():
            raise SettingsError(f"--api-key env:{where}: the variable is unset or empty")
        return key.strip()
    if kind == "file" and where:
        try:
            key = Path(where).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(
                f"--api-key file:{where}: cannot read it ({exc.strerror})") from None
        if not key:
            raise SettingsError(f"--api-key file:{where}: the file is empty")
        return key
    raise SettingsError("--api-key takes env:VAR or file:PATH, never the key itself "
                        "(argv is visible to every process on the machine)")


def _read_pem(flag: str, path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise SettingsError(f"{flag} {path}: cannot read it ({exc.strerror})") from None
    if b"-----BEGIN" not in data:
        raise SettingsError(f"{flag} {path}: not a PEM file")
    return data


def connection_options(args: argparse.Namespace, settings: Settings,
                       environ: dict[str, str] | os._Environ = os.environ) -> dict:
    """`tls` and `api_key` for engine.temporal_connect.connect, validated."""
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SettingsError("--tls-cert and --tls-key go together (mTLS needs both)")
    cert, key = _read_pem("--tls-cert", args.tls_cert), _read_pem("--tls-key", args.tls_key)
    ca = _read_pem("--tls-ca", args.tls_ca)
    api_key = read_api_key(args.api_key, environ) if args.api_key else None
    wants_tls = args.tls if args.tls is not None else bool(
        cert or ca or api_key or settings.temporal_tls)
    if (cert or ca) and not wants_tls:
        raise SettingsError("--tls-cert/--tls-ca make no sense with --no-tls")
    if not wants_tls:
        tls = False
    elif cert or ca:
        from temporalio.service import TLSConfig

        tls = TLSConfig(client_cert=cert, client_private_key=key, server_root_ca_cert=ca)
    else:
        tls = True
    # No api_key option: connect() still reads the settings' temporal_api_key_env.
    return {"tls": tls} | ({"api_key": api_key} if api_key else {})


def worker_settings(args: argparse.Namespace, home: Path | None) -> Settings:
    settings = load_settings(home)
    update: dict[str, object] = {}
    if args.temporal_address:
        if not _ADDRESS.match(args.temporal_address):
            raise SettingsError(f"--temporal-address {args.temporal_address!r}: expected "
                                "HOST:PORT, e.g. temporal.example.com:7233")
        update["temporal_address"] = args.temporal_address
    if args.namespace is not None:
        if not args.namespace.strip():
            raise SettingsError("--namespace may not be empty")
        update["namespace"] = args.namespace
    for queue in args.task_queues:
        if not queue.strip():
            raise SettingsError("--task-queue may not be empty")
    return settings.model_copy(update=update)


def _cluster_flags_given(args: argparse.Namespace) -> bool:
    return any((args.temporal_address, args.namespace is not None, args.task_queues,
                args.api_key, args.tls_cert, args.tls_ca, args.tls is not None))


async def serve_queues(settings: Settings, ready_file: Path | None, connect_timeout: float,
                       task_queues: list[str], connection: dict) -> None:
    """engine.worker.serve with the connection and the queues of the command line: one
    Worker per queue on one client, until SIGTERM/SIGINT."""
    import contextlib
    import signal

    from engine import worker as worker_module
    from engine.runtime.worker_process import worker_identity
    from engine.temporal_connect import connect

    # Named in the cluster's histories and poller lists: HARNESS_WORKER_ID:pid@host.
    identity = worker_identity(os.environ.get("HARNESS_WORKER_ID", "worker-only"), os.getpid())
    client = await connect(settings, plugins=[worker_module.worker_plugin(settings)],
                           timeout=connect_timeout, identity=identity, **connection)
    queues = list(dict.fromkeys(task_queues)) or [settings.task_queue]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as running:
        for queue in queues:
            if queue == settings.sandbox_task_queue:  # a sandbox worker: backtests only
                worker_module._reap_sandboxes()
                built = worker_module.build_sandbox_worker(client, settings)
            else:
                built = worker_module.build_worker(client, settings, queue)
            await running.enter_async_context(built)
        if ready_file is not None:
            worker_module._write_ready(ready_file, settings)
        log.info("polling %s", ", ".join(queues))
        await stop.wait()
        log.info("worker shutting down")
    # Leaving the stack shut every worker down before the interpreter exits.


def run(args: argparse.Namespace) -> int:
    home = args.home or os.environ.get("HARNESS_HOME")
    settings = worker_settings(args, Path(home) if home else None)
    connection = connection_options(args, settings)
    ready_path = os.environ.get("HARNESS_READY_FILE")
    ready = Path(ready_path) if ready_path else None
    if not _cluster_flags_given(args):
        # Exactly `python -m engine.worker` (a bundle's supervisor runs its workers so),
        # its imports without the garbage collector too.
        import gc

        gc.disable()
        before = sum(generation["collections"] for generation in gc.get_stats())
        from engine.worker import main

        main(before, args.connect_timeout, settings)
        return 0
    how = ("mTLS" if not isinstance(connection["tls"], bool) else
           "TLS" if connection["tls"] else "plaintext")
    key_from = f", API key from {args.api_key.partition(':')[0]}" if args.api_key else ""
    log.info("worker-only process: %s namespace %s (%s%s)", settings.temporal_address,
             settings.namespace, how, key_from)
    asyncio.run(serve_queues(settings, ready, args.connect_timeout, args.task_queues,
                             connection))
    return 0
