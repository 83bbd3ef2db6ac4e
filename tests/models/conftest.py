"""Fixtures for the tests against a REAL OpenAI-compatible server: llama.cpp's llama-server with
SmolLM2-135M-Instruct (tests/support/llama_server.py), an in-process worker on its own task
queue, and a recording proxy in front of the server (what reached it, with which headers).

Without a built server these tests skip locally (build it once: `python -m
tests.support.llama_server`, about 13 min on 2 cores); with CI=true they build it, never skip.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest

from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.config import Settings
from engine.plugin import agents_plugin
from engine.temporal_connect import connect
from engine.worker import build_worker
from tests.support.llama_server import LlamaServer, model_path, server_binary
from tests.support.recording_proxy import RecordingProxy

DUMMY_KEY = "sk-harness-llama-" + "Zq9" * 8
MODEL_TIMEOUT_S = 120.0  # SmolLM2 on 2 shared cores: seconds a call, more under load


@pytest.fixture(scope="session")
def llama_binary():
    binary = server_binary(build_if_missing=os.environ.get("CI") == "true")
    if binary is None:
        pytest.skip("llama-server is not built here: `python -m tests.support.llama_server` "
                    "builds it (about 13 min; CI=true builds it for the tests)")
    return binary


@pytest.fixture(scope="session")
def llama(llama_binary, tmp_path_factory):
    server = LlamaServer(llama_binary, model_path(),
                         tmp_path_factory.mktemp("llama") / "llama-server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def proxy(llama):
    with RecordingProxy(llama.port) as recording:
        yield recording


@pytest.fixture(scope="session")
def model_settings(runtime_no_worker) -> Settings:
    return Settings(temporal_address=runtime_no_worker.temporal_address,
                    mockoon_url=runtime_no_worker.mockoon_url,
                    task_queue=f"model-tests-{uuid.uuid4().hex[:8]}",
                    model_timeout_s=MODEL_TIMEOUT_S)


@pytest.fixture(scope="session")
async def real_harness(model_settings, proxy):
    """A HarnessClient with an in-process worker whose compatible model is the real server
    (through the proxy), with a dummy key the server ignores."""
    previous = os.environ.get("HARNESS_OPENAI_API_KEY")
    os.environ["HARNESS_OPENAI_API_KEY"] = DUMMY_KEY
    provider = HarnessModelProvider(base_url=proxy.base_url, timeout_s=MODEL_TIMEOUT_S)
    client = await connect(model_settings, plugins=[agents_plugin(
        provider, timeout=timedelta(seconds=MODEL_TIMEOUT_S))], timeout=30)
    async with build_worker(client, model_settings):
        yield HarnessClient(client, model_settings)
    if previous is None:
        os.environ.pop("HARNESS_OPENAI_API_KEY", None)
    else:
        os.environ["HARNESS_OPENAI_API_KEY"] = previous


@pytest.fixture(autouse=True)
def _fresh_broker(request):
    """Each test's agents trade in a fresh mock broker (as tests/engine does)."""
    if "real_harness" not in request.fixturenames:
        yield
        return
    import httpx

    settings = request.getfixturevalue("model_settings")
    with httpx.Client(base_url=settings.mockoon_url, timeout=10) as http:
        http.post("/__harness/reset", json={"cash": 1e12}).raise_for_status()
    yield
