"""Both sandbox backends, for real, for every hostile test. A backend that does not work
here fails the test (it never skips): the hostile cases are the sandbox's proof."""

from __future__ import annotations

import uuid

import pytest

from engine.config import Settings
from engine.sandbox import SandboxUnavailable, check_backend
from tests.engine.discovery_support import discovery_client

BACKENDS = ("bwrap", "docker")


def need(backend: str) -> str:
    try:
        check_backend(backend)
    except SandboxUnavailable as exc:
        pytest.fail(f"the hostile tests run on every backend, and {backend} cannot run "
                    f"here: {exc} (sandbox/setup.sh deps dockerd image)", pytrace=False)
    return backend


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return need(request.param)


@pytest.fixture(scope="module")
async def discovery(runtime_no_worker):
    settings = Settings(temporal_address=runtime_no_worker.temporal_address,
                        mockoon_url=runtime_no_worker.mockoon_url,
                        task_queue=f"security-{uuid.uuid4().hex[:8]}")
    async for harness in discovery_client(settings):
        yield harness
