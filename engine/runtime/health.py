"""Live health of a runtime, judged from outside: the same checks for `harness status`,
`attach()` and `Supervisor.health()`.

* temporal: a real client connects (works the same for a remote cluster);
* mockoon: the HTTP readiness probe answers;
* worker-N: its pid is alive and its ready file was written by that pid (= polling).
All probes run concurrently, so a status costs the slowest probe, not the sum.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.runtime.grpc_probe import frontend_answers
from engine.runtime.pids import pid_alive
from engine.runtime.temporal_server import temporal_answers
from engine.runtime.worker_process import worker_is_ready

if TYPE_CHECKING:
    from engine.runtime.failover import Failover
    from engine.runtime.state import RuntimeInfo


@dataclass(frozen=True)
class ServiceHealth:
    name: str
    healthy: bool
    status: str  # what the supervisor last recorded (ready, restarting, ...)
    pid: int | None
    address: str
    restarts: int
    detail: str  # one human line: why it is (un)healthy

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_runtime(info: RuntimeInfo, timeout: float = 2.0) -> dict[str, ServiceHealth]:
    checks = {"temporal": lambda: _check_temporal(info, timeout)}
    for name in info.services:
        if name == "mockoon":
            checks[name] = lambda: _check_mockoon(info, timeout)
        elif name.startswith("worker-"):
            checks[name] = lambda name=name: _check_worker(info, name)
    with ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="harness-health") as pool:
        futures = {name: pool.submit(check) for name, check in checks.items()}
        report = {name: future.result() for name, future in futures.items()}
    for name, health in report.items():
        error = _record(info, name).get("error")
        if error and not health.healthy:  # the supervisor knows why it is down: say so
            report[name] = replace(health, detail=f"{health.detail}; {error}")
    return report


def all_healthy(report: dict[str, ServiceHealth]) -> bool:
    return all(h.healthy for h in report.values())


def _record(info: RuntimeInfo, name: str) -> dict[str, Any]:
    return dict(info.services.get(name, {}))


def _check_temporal(info: RuntimeInfo, timeout: float) -> ServiceHealth:
    rec = _record(info, "temporal")
    if info.remote_temporal:
        ok = temporal_answers(info.temporal_address, info.namespace, timeout)
    else:  # our dev server: one gRPC call, without importing Temporal's client
        ok = frontend_answers(info.temporal_address, timeout)
    where = "remote cluster" if info.remote_temporal else "dev server"
    detail = f"{where} answers" if ok else f"{where} does not answer a client connect"
    status = rec.get("status", "remote" if info.remote_temporal else "unknown")
    return ServiceHealth("temporal", ok, status, rec.get("pid"), info.temporal_address,
                         rec.get("restarts", 0), detail)


def _check_mockoon(info: RuntimeInfo, timeout: float) -> ServiceHealth:
    from engine.runtime.mockoon import probe

    rec = _record(info, "mockoon")
    ok = probe(info.mockoon_url, timeout)
    detail = "HTTP probe answers" if ok else "HTTP probe failed"
    return ServiceHealth("mockoon", ok, rec.get("status", "unknown"), rec.get("pid"),
                         info.mockoon_url, rec.get("restarts", 0), detail)


def _check_worker(info: RuntimeInfo, name: str) -> ServiceHealth:
    rec = _record(info, name)
    pid = rec.get("pid")
    ready_path = rec.get("ready_file")
    if not pid_alive(pid):
        ok, detail = False, "process is not running"
    elif not ready_path or not worker_is_ready(Path(ready_path), pid):
        ok, detail = False, "running but not polling yet (no ready file)"
    else:
        ok, detail = True, "polling"
    return ServiceHealth(name, ok, rec.get("status", "unknown"), pid, f"pid {pid}",
                         rec.get("restarts", 0), detail)


def proxy_health(failover: Failover, timeout: float) -> ServiceHealth:
    """The supervisor's own task proxy: healthy while its event loop turns (seen only by
    the supervisor's process: `Supervisor.health()`, the window's status)."""
    ok, detail = failover.loop_answers(min(timeout, 1.0))
    return ServiceHealth("task-proxy", ok, "ready" if ok else "wedged", os.getpid(),
                         failover.proxy_address, 0, detail)


def supervisor_health(info: RuntimeInfo, failover: Failover | None,
                      timeout: float) -> dict[str, dict]:
    """Every service's probe, and the task proxy's when this process serves one."""
    report = {name: h.to_json() for name, h in check_runtime(info, timeout).items()}
    if failover is not None and failover.proxy_address:
        report["task-proxy"] = proxy_health(failover, timeout).to_json()
    return report
