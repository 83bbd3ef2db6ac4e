"""Chaos: SIGKILL the worker; the supervisor restarts it and status shows the count."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from engine.runtime.pids import pid_alive
from engine.runtime.supervisor import Supervisor
from engine.runtime.worker_process import worker_is_ready
from tests.runtime.helpers import status_json


def test_killed_worker_is_restarted_and_counted(tmp_path: Path) -> None:
    with Supervisor(tmp_path, headless=True) as supervisor:
        first_pid = supervisor.info.services["worker-1"]["pid"]
        killed_at = time.monotonic()
        assert supervisor.kill_worker() == first_pid

        def restarted_and_ready(info) -> bool:
            rec = info.services["worker-1"]
            return rec["restarts"] == 1 and rec["status"] == "ready"

        assert supervisor.wait_for(restarted_and_ready, timeout=30), supervisor.info.services
        recovery_s = time.monotonic() - killed_at
        record = supervisor.info.services["worker-1"]
        assert record["pid"] != first_pid and pid_alive(record["pid"])
        assert not pid_alive(first_pid)
        assert worker_is_ready(Path(record["ready_file"]), record["pid"])

        code, report = status_json(tmp_path)
        assert code == 0, report
        assert report["services"]["worker-1"]["restarts"] == 1
        assert report["services"]["worker-1"]["healthy"] is True
        assert report["services"]["temporal"]["restarts"] == 0
        print(f"worker back and polling {recovery_s:.2f}s after SIGKILL")
    assert not pid_alive(record["pid"])


def test_status_is_unhealthy_while_the_worker_is_down(tmp_path: Path) -> None:
    # A worker that cannot be restarted quickly: a long back-off after the first crash.
    from engine.runtime.services import RestartPolicy

    policy = RestartPolicy(base_delay=60, max_delay=60)

    def crash(supervisor: Supervisor) -> None:
        # A crash the supervisor did not cause (its own kill_worker never backs off).
        os.killpg(supervisor.info.services["worker-1"]["pid"], signal.SIGKILL)

    with Supervisor(tmp_path, headless=True, restart_policy=policy) as supervisor:
        crash(supervisor)
        assert supervisor.wait_for(lambda i: i.services["worker-1"]["restarts"] == 1
                                   and i.services["worker-1"]["status"] == "starting", 10)
        crash(supervisor)  # the restarted one: the second crash in a row waits 60 s
        assert supervisor.wait_for(
            lambda i: i.services["worker-1"]["restarts"] == 2
            and i.services["worker-1"]["status"] == "restarting", 30)
        code, report = status_json(tmp_path)
        assert code == 1
        assert report["services"]["worker-1"]["healthy"] is False
        assert report["services"]["mockoon"]["healthy"] is True


def test_a_standby_worker_survives_the_active_one_being_killed(tmp_path: Path) -> None:
    with Supervisor(tmp_path, headless=True, worker_count=2) as supervisor:
        services = supervisor.info.services
        standby_pid = services["worker-2"]["pid"]
        assert services["worker-1"]["pid"] != standby_pid
        assert supervisor.kill_worker("worker-1") == services["worker-1"]["pid"]
        assert supervisor.wait_for(lambda i: i.services["worker-1"]["restarts"] == 1
                                   and i.services["worker-1"]["status"] == "ready", 30)
        after = supervisor.info.services["worker-2"]
        assert after["pid"] == standby_pid and after["restarts"] == 0
        assert worker_is_ready(Path(after["ready_file"]), standby_pid)
