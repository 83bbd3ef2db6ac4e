"""With the session runtime: every service answers, and runtime.json describes it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from engine.runtime.pids import pid_alive
from engine.runtime.state import RuntimeInfo, attach, read_runtime
from engine.runtime.supervisor import Supervisor
from engine.runtime.worker_process import worker_is_ready
from tests.runtime.helpers import status_json


async def test_temporal_server_answers_a_client(runtime: RuntimeInfo) -> None:
    client = await Client.connect(runtime.temporal_address, namespace=runtime.namespace)
    response = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=runtime.namespace))
    assert response.namespace_info.name == "default"
    assert (runtime.home / "temporal.db").exists(), "the server must persist to the home"


def test_mockoon_serves_the_calendar(runtime: RuntimeInfo) -> None:
    response = httpx.get(f"{runtime.mockoon_url}/v2/calendar", timeout=5)
    assert response.status_code == 200


def test_worker_is_polling(runtime_supervisor: Supervisor) -> None:
    # The live record: other tests (tests/chaos) kill and restart this worker.
    record = runtime_supervisor.info.services["worker-1"]
    assert pid_alive(record["pid"])
    assert worker_is_ready(Path(record["ready_file"]), record["pid"])


def test_runtime_json_is_current_and_attachable(runtime: RuntimeInfo) -> None:
    on_disk = read_runtime(runtime.home)
    assert on_disk is not None
    assert set(on_disk.services) == {"temporal", "mockoon", "worker-1"}
    assert all(rec["status"] == "ready" for rec in on_disk.services.values())
    assert attach(runtime.home) is not None


def test_status_reports_every_service_healthy(runtime: RuntimeInfo) -> None:
    code, report = status_json(runtime.home)
    assert code == 0, report
    assert report["healthy"] is True
    assert {name for name, s in report["services"].items() if s["healthy"]} == {
        "temporal", "mockoon", "worker-1"}


def test_supervisor_health_probes_live(runtime_supervisor: Supervisor) -> None:
    health = runtime_supervisor.health()
    assert all(h["healthy"] for h in health.values()), health


async def test_health_works_inside_a_running_event_loop(runtime: RuntimeInfo) -> None:
    # The Qt app calls attach() from its qasync loop: asyncio.run must not be nested.
    assert asyncio.get_running_loop()
    assert attach(runtime.home) is not None
