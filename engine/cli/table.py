"""The status table `harness up` and `harness status` print."""

from __future__ import annotations

from collections.abc import Mapping

from engine.runtime.health import ServiceHealth
from engine.runtime.state import RuntimeInfo

HEADERS = ("SERVICE", "PID", "ADDRESS", "STATE", "RESTARTS")


def service_address(info: RuntimeInfo, name: str) -> str:
    if name == "temporal":
        return info.temporal_address
    if name == "mockoon":
        return info.mockoon_url
    return f"polls {info.temporal_address}"


def status_rows(info: RuntimeInfo,
                report: Mapping[str, ServiceHealth] | None = None) -> list[tuple[str, ...]]:
    names = list(info.services)
    if info.remote_temporal:
        names.insert(0, "temporal")
    rows = []
    for name in names:
        rec = info.services.get(name, {})
        state = rec.get("status", "remote")
        if report is not None and name in report:
            health = report[name]
            state = f"{state}, {'healthy' if health.healthy else 'UNHEALTHY: ' + health.detail}"
        pid = rec.get("pid")
        rows.append((name, "-" if pid is None else str(pid), service_address(info, name),
                     state, str(rec.get("restarts", 0))))
    return rows


def render_table(rows: list[tuple[str, ...]], headers: tuple[str, ...] = HEADERS) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines)


def render_runtime(info: RuntimeInfo,
                   report: Mapping[str, ServiceHealth] | None = None) -> str:
    lines = [
        f"home:            {info.home}",
        f"supervisor pid:  {info.supervisor_pid}",
        f"Temporal:        {info.temporal_address} (namespace {info.namespace})"
        + (" [remote]" if info.remote_temporal else ""),
        f"Temporal Web UI: {info.ui_url or '(disabled)'}",
        f"Mockoon:         {info.mockoon_url}",
        "",
        render_table(status_rows(info, report)),
    ]
    return "\n".join(lines)
