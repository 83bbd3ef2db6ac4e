"""Later workers are forked from an imported worker-1 (engine/worker_zygote.py): the
standby and every restart start without importing the Agents SDK again. Driven through a
real supervisor, a real dev server and real worker processes; what is checked is what the
supervisor and the kernel see (pids, exit codes, /proc), never the zygote's own word."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from engine.runtime.state import read_runtime
from engine.runtime.supervisor import Supervisor
from engine.runtime.worker_forks import UNKNOWN_EXIT, WorkerZygote, ZygoteError, ask
from tests.runtime.helpers import wait_until


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _restarted(supervisor: Supervisor, name: str, restarts: int) -> bool:
    return supervisor.wait_for(lambda i: i.services[name]["status"] == "ready"
                               and i.services[name]["restarts"] == restarts, 60)


@pytest.fixture
def runtime(tmp_path):
    supervisor = Supervisor(tmp_path, headless=True, worker_count=2)
    supervisor.start(timeout=120)
    yield supervisor
    supervisor.stop()


def test_the_standby_and_a_restarted_worker_are_forks_of_the_zygote(runtime):
    services = runtime._plan.services
    zygote = runtime._plan.zygote.pid()
    assert zygote is not None and _alive(zygote)
    first, standby = services["worker-1"].child, services["worker-2"].child
    assert not first.forked and _parent(first.pid) == os.getpid()  # spawned: it imports
    assert standby.forked and _parent(standby.pid) == zygote
    # The zygote is a fork of worker-1 in a session of its own: a kill of worker-1's
    # process group (the chaos menu) spares it.
    assert os.getsid(zygote) == zygote != os.getsid(first.pid)

    runtime.kill_worker("worker-1")
    assert _restarted(runtime, "worker-1", 1), runtime.info
    assert services["worker-1"].last_exit_code == -signal.SIGKILL
    assert first.forked and _parent(first.pid) == zygote
    assert os.getsid(first.pid) == first.pid  # its own group, as a spawned worker

    # A forked worker's exit code comes from its parent, the zygote.
    runtime.kill_worker("worker-2")
    assert _restarted(runtime, "worker-2", 1), runtime.info
    assert services["worker-2"].last_exit_code == -signal.SIGKILL
    log = (runtime.home / "logs" / "worker-2.log").read_text()
    assert log.count("===== ") == 2, "one banner per run, forked or spawned"
    assert "worker worker-2 polling" in log.rsplit("===== ", 1)[1]


def test_a_dead_zygote_takes_no_worker_with_it_and_the_next_restart_makes_another(runtime):
    services = runtime._plan.services
    zygote = runtime._plan.zygote.pid()
    standby = services["worker-2"].child.pid
    os.kill(zygote, signal.SIGKILL)
    wait_until(lambda: not _alive(zygote), 10, "the zygote gone")
    # Nothing to wait on for a death that must not come: a bounded look (a worker tied to
    # the zygote by PR_SET_PDEATHSIG, as first written, died within milliseconds).
    time.sleep(0.5)
    assert _alive(standby) and runtime.info.services["worker-2"]["restarts"] == 0

    runtime.kill_worker("worker-2")
    assert _restarted(runtime, "worker-2", 1), runtime.info
    # Its parent is gone, so its exit code is unknown; it is spawned again, not forked...
    assert services["worker-2"].last_exit_code == UNKNOWN_EXIT
    assert not services["worker-2"].child.forked
    # ...and leaves a new zygote behind, which forks the next restart.
    new_zygote = wait_until(runtime._plan.zygote.pid, 30, "a new zygote")
    assert new_zygote != zygote
    runtime.kill_worker("worker-1")
    assert _restarted(runtime, "worker-1", 1), runtime.info
    assert services["worker-1"].child.forked
    assert _parent(services["worker-1"].child.pid) == new_zygote


def test_stop_leaves_no_zygote_and_no_forked_worker(tmp_path):
    supervisor = Supervisor(tmp_path, headless=True, worker_count=2)
    supervisor.start(timeout=120)
    zygote = supervisor._plan.zygote.pid()
    workers = [supervisor._plan.services[n].child.pid for n in ("worker-1", "worker-2")]
    supervisor.stop()
    for pid in (zygote, *workers):
        wait_until(lambda pid=pid: not _alive(pid), 10, f"pid {pid} gone")
    assert supervisor._plan.zygote.pid() is None


def test_a_killed_supervisor_takes_the_zygote_and_the_forked_workers_with_it(tmp_path):
    """The app SIGKILLed (the OOM killer, the chaos menu): nothing of it may keep polling.
    A spawned child dies by PR_SET_PDEATHSIG; the zygote and its forks watch the
    supervisor's pid themselves."""
    script = textwrap.dedent(f"""
        import sys, time
        from engine.runtime.supervisor import Supervisor
        supervisor = Supervisor({str(tmp_path)!r}, headless=True, worker_count=2)
        supervisor.start(timeout=120)
        print(supervisor._plan.zygote.pid(), flush=True)
        time.sleep(600)
    """)
    host = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            text=True, cwd=os.getcwd())
    try:
        zygote = int(host.stdout.readline())
        services = read_runtime(tmp_path).services
        pids = [zygote, *(services[n]["pid"] for n in services)]
        assert all(_alive(pid) for pid in pids), pids
    finally:
        host.kill()
        host.wait()
    for pid in pids:
        wait_until(lambda pid=pid: not _alive(pid), 10, f"pid {pid} gone with its supervisor")


def test_without_forking_every_worker_is_spawned_and_no_zygote_runs(tmp_path):
    supervisor = Supervisor(tmp_path, headless=True, worker_count=2, fork_workers=False)
    try:
        supervisor.start(timeout=120)
        assert supervisor._plan.zygote is None
        for name in ("worker-1", "worker-2"):
            assert _parent(supervisor._plan.services[name].child.pid) == os.getpid()
        assert not (tmp_path / "logs" / "worker-zygote.log").exists()
    finally:
        supervisor.stop()


def test_the_zygote_answers_clearly_and_refuses_what_it_does_not_know(runtime):
    name = runtime._plan.zygote.name
    assert ask(name, {"op": "ping"})["pid"] == runtime._plan.zygote.pid()
    with pytest.raises(ZygoteError, match="unknown op 'format-disk'"):
        ask(name, {"op": "format-disk"})
    with pytest.raises(ZygoteError, match="refused"):
        ask(name, {"op": "wait"})  # no pid
    with pytest.raises(ZygoteError, match="spawn takes env"):
        ask(name, {"op": "spawn", "name": "worker-9"})  # refused before any fork
    assert ask(name, {"op": "wait", "pid": 1}) == {"code": None}  # not its child
    # Not JSON: refused, and the zygote still serves.
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(5)
        conn.connect("\0" + name)
        conn.sendall(b"{not json\n")
        assert "error" in json.loads(conn.recv(65536))
    assert ask(name, {"op": "ping"})["pid"]
    # No zygote under another name: the supervisor would spawn instead.
    other = WorkerZygote(runtime.home / "elsewhere", runtime.home / "logs" / "x.log")
    assert other.spawn("worker-9", {}, runtime.home / "logs" / "x.log", None) is None
    assert other.exit_code(12345) == UNKNOWN_EXIT
