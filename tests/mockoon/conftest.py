"""A real Mockoon CLI process on a free loopback port, started through engine.runtime.mockoon."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from engine.runtime import mockoon

START_BUDGET_S = 15.0  # generous for a loaded CI machine; the measured figure is printed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the whole process group, SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def running_mockoon(home: Path, seed: int = 42) -> Iterator[tuple[str, float]]:
    """Yield (base_url, seconds from spawn to the first 200 on the readiness probe)."""
    port = free_port()
    argv, extra_env = mockoon.mockoon_command(port, home, seed=seed)
    log = (home / "mockoon.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen(argv, env={**os.environ, **extra_env}, stdin=subprocess.DEVNULL,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        while not mockoon.probe(base_url, timeout=0.5):
            if process.poll() is not None or time.monotonic() - started > START_BUDGET_S:
                raise RuntimeError(f"Mockoon did not start: {(home / 'mockoon.log').read_text()}")
            time.sleep(0.02)
        yield base_url, time.monotonic() - started
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="session")
def mockoon_server(tmp_path_factory) -> Iterator[tuple[str, float]]:
    with running_mockoon(tmp_path_factory.mktemp("mockoon")) as server:
        yield server


@pytest.fixture
def api(mockoon_server) -> Iterator[httpx.Client]:
    """A client on the shared server, reset to a fresh broker before each test."""
    with httpx.Client(base_url=mockoon_server[0], timeout=10) as client:
        assert client.post("/__harness/reset").status_code == 200
        yield client
