"""Connecting to Temporal: the embedded dev server, a remote cluster or Temporal Cloud.

Retries until the deadline, because the worker and the server are started at
the same time and the worker is usually quicker to import than the server is to
listen. The API key for a remote cluster is read from the environment here and
goes only into the gRPC connection, never into a payload or a log line.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence

from temporalio.client import Client, Plugin
from temporalio.converter import DataConverter
from temporalio.service import RPCError, TLSConfig

from engine.config import Settings

RETRY_EVERY = 0.1


class TemporalUnavailable(ConnectionError):
    """No Temporal server answered at the configured address in time."""


async def connect(
    settings: Settings, *, plugins: Sequence[Plugin] = (), timeout: float = 10.0,
    identity: str | None = None,
    tls: bool | TLSConfig | None = None, api_key: str | None = None,
    data_converter: DataConverter | None = None,
) -> Client:
    """`tls` and `api_key` override the settings (`harness worker --tls-cert/--api-key`: a
    client certificate, a key read from a file). `data_converter`: for a client without
    the plugin, which otherwise installs its own (engine/read_converter.py)."""
    if api_key is None:
        api_key = os.environ.get(settings.temporal_api_key_env) or None
    if tls is None:
        tls = settings.temporal_tls or bool(api_key)
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.namespace,
                plugins=list(plugins),
                tls=tls,
                api_key=api_key,
                **({"identity": identity} if identity else {}),
                **({"data_converter": data_converter} if data_converter else {}),
            )
        except (RuntimeError, RPCError, OSError) as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            raise TemporalUnavailable(
                f"no Temporal server at {settings.temporal_address} after {timeout:.0f} s "
                f"({type(last_error).__name__}: {last_error}); is the runtime up? (`harness up`)"
            )
        await asyncio.sleep(RETRY_EVERY)
