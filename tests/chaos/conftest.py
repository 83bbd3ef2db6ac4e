"""Chaos fixtures: a client and the broker of the session's runtime, whose real worker
process the tests kill (engine tests run in-process workers instead)."""

from __future__ import annotations

import httpx
import pytest

from engine.client import HarnessClient
from engine.config import Settings


@pytest.fixture
async def harness(runtime_supervisor) -> HarnessClient:
    info = runtime_supervisor.info
    return await HarnessClient.connect(
        Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url)
    )


@pytest.fixture
def broker(runtime_supervisor):
    """The mock broker over HTTP; faults a test arms are cleared afterwards."""
    with httpx.Client(base_url=runtime_supervisor.info.mockoon_url, timeout=10) as http:
        yield http
        http.delete("/__harness/faults")
