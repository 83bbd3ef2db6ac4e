"""Scale-out on Temporal: worker-only processes (`harness worker`) on a "remote" cluster.

The remote cluster is a second dev server this test starts (its own port, store and
namespace); Mockoon comes from the session's runtime. The client, configured by settings as
the app's is, starts two agents there; two worker-only processes poll the same queue and
both do the work; one is SIGKILLed mid-run with nobody supervising it; Temporal gives its
tasks to the other, the agents finish every tick, and the broker holds no order twice. The
cluster's API key reaches the workers through a file, never argv, and shows up in no log and
no history.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from google.protobuf.json_format import MessageToJson
from temporalio.api.enums.v1 import EventType

from engine.cli import main as cli_main
from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig
from engine.models import RiskLimits
from engine.runtime.ports import free_loopback_ports
from engine.runtime.temporal_server import (
    TemporalServerConfig,
    temporal_answers,
    temporal_server_command,
)
from engine.runtime.worker_process import worker_identity, worker_is_ready
from tests.engine.conftest import orders_for, wait_for_state
from tests.runtime.helpers import REPO, env_without, wait_until

NAMESPACE = "harness-remote"
QUEUE = "scaleout-agent"
TICKS = 60
KILL_AT_TICK = 15
API_KEY = f"test-api-key-{uuid.uuid4().hex}"  # a dev server ignores it; it must leak nowhere
CONFIG = AgentConfig(symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=TICKS,
                     continue_as_new_every=25, limits=RiskLimits(approval_notional=1e9))


@pytest.fixture
def remote_cluster(tmp_path: Path):
    """A second dev server standing in for a remote cluster, with its own namespace."""
    port, http_port = free_loopback_ports(2)  # both ours: see TemporalServerConfig
    config = TemporalServerConfig(port=port, http_port=http_port, ui_port=None,
                                  db_path=tmp_path / "remote.db",
                                  namespace=NAMESPACE)
    log = open(tmp_path / "remote-server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(temporal_server_command(config), stdout=log,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_until(lambda: temporal_answers(config.address, NAMESPACE), 60,
                   "the remote cluster to answer", every=0.2)
        yield config.address
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


class WorkerOnly:
    """One `harness worker` process against the remote cluster."""

    def __init__(self, name: str, address: str, home: Path, mockoon_url: str) -> None:
        home.mkdir(parents=True, exist_ok=True)
        key_file = home / "temporal-api-key"
        key_file.write_text(API_KEY)
        key_file.chmod(0o600)
        self.name, self.log_path = name, home / "logs" / f"{name}.log"
        self.ready_file = home / "run" / f"{name}.ready"
        self.argv = [sys.executable, "-m", "engine.cli", "worker",
                     "--temporal-address", address, "--namespace", NAMESPACE,
                     "--task-queue", QUEUE, "--api-key", f"file:{key_file}", "--no-tls"]
        env = env_without("HARNESS_TEMPORAL_ADDRESS", "HARNESS_NAMESPACE", "HARNESS_TASK_QUEUE",
                          HARNESS_HOME=str(home), HARNESS_MOCKOON_URL=mockoon_url,
                          HARNESS_WORKER_ID=name, HARNESS_READY_FILE=str(self.ready_file))
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(self.argv, env=env, cwd=REPO, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    @property
    def identity(self) -> str:  # HARNESS_WORKER_ID:pid@host, as engine.cli.worker names it
        return worker_identity(self.name, self.process.pid)

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log_path.read_text()
        return worker_is_ready(self.ready_file, self.process.pid)

    def children(self) -> list[str]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return path.read_text().split()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def identities(harness: HarnessClient, workflow_id: str) -> set[str]:
    """Workers that started a workflow or activity task of this agent, over all its runs."""
    seen = set()
    async for _, event in harness.stream_history(workflow_id):
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            seen.add(event.activity_task_started_event_attributes.identity)
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            seen.add(event.workflow_task_started_event_attributes.identity)
    return seen


async def history_text(harness: HarnessClient, workflow_id: str) -> str:
    return "".join([MessageToJson(event) async for _, event in harness.stream_history(workflow_id)])


async def last_workflow_task_identity(harness: HarnessClient, workflow_id: str) -> str:
    identity = ""
    async for _, event in harness.stream_history(workflow_id):
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            identity = event.workflow_task_started_event_attributes.identity
    return identity


async def test_two_worker_only_processes_share_a_remote_cluster_and_survive_a_kill(
    remote_cluster, runtime_no_worker, tmp_path
):
    workers = [WorkerOnly(f"remote-worker-{i}", remote_cluster, tmp_path / f"w{i}",
                          runtime_no_worker.mockoon_url) for i in (1, 2)]
    try:
        for worker in workers:
            await asyncio.to_thread(wait_until, worker.ready, 90, f"{worker.name} polling")
            assert worker.children() == [], "a worker-only process starts nothing else"
            cmdline = Path(f"/proc/{worker.process.pid}/cmdline").read_bytes()
            assert API_KEY.encode() not in cmdline
        # The app side: only settings say where the cluster is.
        harness = await HarnessClient.connect(Settings(
            temporal_address=remote_cluster, namespace=NAMESPACE, task_queue=QUEUE,
            mockoon_url=runtime_no_worker.mockoon_url))
        run = uuid.uuid4().hex[:6]
        agents = [await harness.start_agent(CONFIG, f"scaleout-{run}-{i}") for i in (1, 2)]
        for workflow_id in agents:
            await wait_for_state(harness, workflow_id, lambda s: s.tick >= KILL_AT_TICK,
                                 timeout=120)
        # The victim is the worker serving the first agent right now (its sticky worker),
        # so the kill takes work away from someone, and the other must pick it up.
        serving = await last_workflow_task_identity(harness, agents[0])
        by_identity = {w.identity: w for w in workers}
        assert serving in by_identity, f"{serving} is none of {sorted(by_identity)}"
        victim = by_identity.pop(serving)
        (survivor,) = by_identity.values()
        victim.process.send_signal(signal.SIGKILL)  # nobody supervises it: Temporal alone
        victim.process.wait(10)

        summaries = [await asyncio.wait_for(harness.result(w), 240) for w in agents]
        assert [s.ticks for s in summaries] == [TICKS, TICKS]
        seen = set().union(*[await identities(harness, w) for w in agents])
        assert {victim.identity, survivor.identity} <= seen, f"work done by {seen}"
        with httpx.Client(base_url=runtime_no_worker.mockoon_url, timeout=10) as broker:
            for workflow_id, summary in zip(agents, summaries, strict=True):
                placed = orders_for(broker, workflow_id)
                assert placed and max(Counter(o["client_order_id"] for o in placed).values()) == 1
                assert len(placed) == summary.counters.orders_filled
        for workflow_id in agents:
            assert API_KEY not in await history_text(harness, workflow_id)
    finally:
        for worker in workers:
            worker.stop()
    for worker in workers:
        log = worker.log_path.read_text()
        assert API_KEY not in log
        assert "worker-only process" in log and "API key from file" in log


def test_worker_refuses_a_literal_api_key_and_bad_addresses(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path))
    monkeypatch.delenv("HARNESS_TEST_UNSET_KEY", raising=False)
    cases = {
        ("--api-key", "sk-live-123"): "never the key itself",
        ("--api-key", "env:HARNESS_TEST_UNSET_KEY"): "unset or empty",
        ("--api-key", f"file:{tmp_path / 'none'}"): "cannot read it",
        ("--temporal-address", "no-port"): "expected HOST:PORT",
        ("--tls-cert", str(REPO / "pyproject.toml")): "go together",
        ("--tls-cert", str(REPO / "pyproject.toml"), "--tls-key", str(REPO / "README.md")):
            "not a PEM file",
        ("--namespace", " "): "may not be empty",
        ("--task-queue", ""): "may not be empty",
    }
    for args, message in cases.items():
        assert cli_main(["worker", *args]) == 4, args  # invalid configuration, nothing run
        out, err = capsys.readouterr()
        assert message in err, (args, err)
        assert "sk-live-123" not in out + err
        assert "Traceback" not in err


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harness-worker")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "client.pem", tmp_path / "client.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_worker_connection_options_mtls_api_key_and_plaintext(tmp_path, monkeypatch):
    from temporalio.service import TLSConfig

    from engine.cli import build_parser
    from engine.cli.worker import connection_options

    cert, key = _self_signed(tmp_path)
    parse = build_parser().parse_args
    mtls = connection_options(parse(["worker", "--tls-cert", str(cert), "--tls-key", str(key),
                                     "--tls-ca", str(cert)]), Settings())
    assert isinstance(mtls["tls"], TLSConfig) and "api_key" not in mtls
    assert mtls["tls"].client_cert == cert.read_bytes()
    assert mtls["tls"].client_private_key == key.read_bytes()
    monkeypatch.setenv("HARNESS_TEST_KEY", " cloud-key \n")
    cloud = connection_options(parse(["worker", "--api-key", "env:HARNESS_TEST_KEY"]), Settings())
    assert cloud == {"tls": True, "api_key": "cloud-key"}  # an API key means TLS by default
    local = connection_options(parse(["worker", "--api-key", "env:HARNESS_TEST_KEY",
                                      "--no-tls"]), Settings())
    assert local == {"tls": False, "api_key": "cloud-key"}
    assert connection_options(parse(["worker"]), Settings()) == {"tls": False}
    assert connection_options(parse(["worker"]), Settings(temporal_tls=True)) == {"tls": True}
