"""Fast checks of the pieces that need no child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.runtime.home import resolve_home
from engine.runtime.ports import free_loopback_ports
from engine.runtime.services import RestartPolicy
from engine.runtime.state import RuntimeInfo, read_runtime, runtime_file, write_runtime
from engine.runtime.temporal_server import (
    PRECISE_TIMER_FLAGS,
    TUNED_FLAGS,
    TemporalServerConfig,
    temporal_server_command,
)
from engine.runtime.worker_process import worker_is_ready


def test_home_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path / "from-env"))
    assert resolve_home(str(tmp_path / "from-cli")) == tmp_path / "from-cli"
    assert resolve_home(None) == tmp_path / "from-env"
    assert (tmp_path / "from-env" / "logs").is_dir()
    monkeypatch.delenv("HARNESS_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_home(None) == tmp_path / "xdg" / "durable-agentic-harness"


def test_restart_backoff_is_immediate_then_exponential_and_capped() -> None:
    policy = RestartPolicy(base_delay=0.5, max_delay=4.0)
    assert [policy.delay(n) for n in range(1, 8)] == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_runtime_info_round_trips_and_stale_file_is_ignored(tmp_path: Path) -> None:
    info = RuntimeInfo(home=tmp_path, temporal_address="127.0.0.1:1", namespace="default",
                       ui_url=None, mockoon_url="http://127.0.0.1:2",
                       supervisor_pid=os.getpid(),
                       services={"mockoon": {"pid": 1, "port": 2, "started_at": 3.0,
                                             "restarts": 0, "status": "ready"}})
    write_runtime(info)
    assert read_runtime(tmp_path) == info
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    info.supervisor_pid = dead.pid
    write_runtime(info)
    assert runtime_file(tmp_path).exists()
    assert read_runtime(tmp_path) is None


def test_server_command_carries_the_tuning_and_persistence(tmp_path: Path) -> None:
    config = TemporalServerConfig(port=7000, ui_port=None, db_path=tmp_path / "t.db")
    argv = temporal_server_command(config, binary="temporal")
    assert argv[:3] == ["temporal", "server", "start-dev"]
    assert "--headless" in argv and "--db-filename" in argv
    assert argv[argv.index("--ip") + 1] == "127.0.0.1"
    assert tuple(argv[-len(TUNED_FLAGS + PRECISE_TIMER_FLAGS):]) == (TUNED_FLAGS
                                                                    + PRECISE_TIMER_FLAGS)
    coarse = temporal_server_command(
        TemporalServerConfig(port=7000, ui_port=None, db_path=tmp_path / "t.db",
                             precise_timers=False), binary="temporal")
    assert tuple(coarse[-len(TUNED_FLAGS):]) == TUNED_FLAGS
    untuned = temporal_server_command(
        TemporalServerConfig(port=7000, ui_port=7001, db_path=tmp_path / "t.db", tuned=False),
        binary="temporal")
    assert "--dynamic-config-value" not in untuned and "--ui-port" in untuned
    assert "--http-port" not in argv  # unless given: the server's own choice
    pinned = temporal_server_command(
        TemporalServerConfig(port=7000, ui_port=None, db_path=tmp_path / "t.db", http_port=7002),
        binary="temporal")
    assert pinned[pinned.index("--http-port") + 1] == "7002"


def test_the_runtime_chooses_every_port_of_its_dev_server(tmp_path: Path) -> None:
    """The dev server picked its HTTP API port itself, just before binding --port, and was
    once handed that very port (the kernel reuses a port just probed free): it died with
    "address already in use". The plan now picks it with the others, all distinct."""
    from engine.runtime.plan import RuntimeOptions, plan_runtime

    for headless in (True, False):
        plan = plan_runtime(tmp_path, RuntimeOptions(with_worker=False, headless=headless))
        server = plan.services["temporal"]
        argv = server.child.argv
        ports = [int(argv[argv.index(flag) + 1])
                 for flag in ("--port", "--http-port", "--ui-port") if flag in argv]
        assert len(ports) == 3 - headless and len(set(ports)) == len(ports), argv
        assert set(server.bind_ports) == set(ports)  # each checked free before each spawn


def test_free_ports_are_distinct() -> None:
    ports = free_loopback_ports(5)
    assert len(set(ports)) == 5


def test_ready_file_must_name_the_live_pid(tmp_path: Path) -> None:
    ready = tmp_path / "w.ready"
    assert not worker_is_ready(ready, 123)
    ready.write_text('{"pid": 123}')
    assert worker_is_ready(ready, 123)
    assert not worker_is_ready(ready, 456)  # a stale file from a previous run


def test_free_ports_never_include_a_port_promised_elsewhere(monkeypatch) -> None:
    """A fixed port nothing listens on yet is free, so the kernel may hand it out (a CI run
    saw the dev server take the fixed Mockoon port). Which port bind(0) gives cannot be
    forced, so a stand-in for the socket module offers the promised port first."""
    import types

    from engine.runtime import ports as ports_module

    offered = iter([4242, 5000, 5001])

    class OfferingSocket:
        def __init__(self, *_args) -> None:
            self.port = 0

        def __enter__(self):
            return self

        def __exit__(self, *_exc) -> None:
            pass

        def bind(self, _address) -> None:
            self.port = next(offered)

        def getsockname(self):
            return ("127.0.0.1", self.port)

    monkeypatch.setattr(ports_module, "socket", types.SimpleNamespace(
        socket=OfferingSocket, AF_INET=0, SOCK_STREAM=0))
    assert ports_module.free_loopback_ports(2, avoid={4242}) == [5000, 5001]
