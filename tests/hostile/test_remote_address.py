"""`harness up --temporal-address` that nobody answers: the address is blamed, at once
when nothing listens there, after the timeout when something listens but never speaks
gRPC; never "worker-1 was not ready". Nothing is left running, no runtime.json written."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from engine.runtime.errors import TemporalUnreachable
from engine.runtime.state import runtime_file
from engine.runtime.supervisor import Supervisor
from tests.hostile.helpers import one_harness_line
from tests.runtime.helpers import harness


def _refused_up(home: Path, address: str, *extra: str) -> tuple[str, float]:
    began = time.monotonic()
    result = harness(home, "up", "--headless", "--temporal-address", address, *extra)
    elapsed = time.monotonic() - began
    assert result.returncode == 1, (result.stdout, result.stderr)
    line = one_harness_line(result.stderr)
    assert f"temporal cluster at {address} does not answer" in line, line
    assert "worker" not in line, line
    assert not runtime_file(home).exists()
    return line, elapsed


@pytest.mark.parametrize(("address", "why"), [
    ("127.0.0.1:1", "connection refused: nothing listens there"),
    ("no-such-host.invalid:7233", "unknown host 'no-such-host.invalid'"),
])
def test_an_address_nothing_answers_on_is_refused_at_once(
    tmp_path: Path, address: str, why: str
) -> None:
    line, elapsed = _refused_up(tmp_path, address, "--timeout", "60")
    assert why in line and "check --temporal-address" in line, line
    assert elapsed < 30, f"refused after {elapsed:.1f}s: it waited for the timeout"


@pytest.mark.parametrize("address", ["localhost", "127.0.0.1:99999", ":7233", "host:port"])
def test_a_malformed_address_is_refused_by_the_runtime_too(tmp_path: Path, address: str) -> None:
    # The CLI refuses these itself (invalid input); an embedding caller gets the runtime's
    # own one-line refusal, before anything starts.
    supervisor = Supervisor(tmp_path, temporal_address=address, headless=True)
    with pytest.raises(TemporalUnreachable) as refused:
        supervisor.start(timeout=30)
    assert str(refused.value) == (f"temporal cluster at {address} does not answer (not a "
                                  "HOST:PORT address); check --temporal-address")
    assert not runtime_file(tmp_path).exists()
    assert not list((tmp_path / "logs").glob("*.log")), "a child was started"


def test_an_address_that_accepts_but_never_speaks_is_blamed_after_the_timeout(
    tmp_path: Path,
) -> None:
    with socket.socket() as silent:  # the kernel accepts connections; nobody answers them
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        line, _ = _refused_up(tmp_path, address, "--workers", "1", "--timeout", "8")
    assert "no gRPC answer within 8s" in line, line
