"""The status bar: health of each service, restarts, the model (the offline analyst
labelled as such), the Temporal target, the tick and market date."""

from __future__ import annotations

import html
import time

from PySide6.QtWidgets import QLabel, QStatusBar

from engine.agent.endpoint_records import describe

COLOURS = {"ready": "#1b7f3b", "starting": "#b8860b", "restarting": "#ef6c00",
           "planned": "#777", "failed": "#c62828", "exited": "#c62828", "stopped": "#777"}
SHORT = {"temporal": "Temporal", "mockoon": "Mockoon"}


def self_stop_reason(services: dict) -> str | None:
    """Why the runtime stopped by itself (its disk ran low, say): every service is down and
    carries the supervisor's one reason (engine/runtime/supervisor.py). None while it
    runs, and after a stop someone asked for (no reason then)."""
    records = list(services.values())
    # "planned": a stop while the runtime started can come before a service was spawned.
    if not records or any(r.get("status") not in ("stopped", "exited", "failed", "planned")
                          for r in records):
        return None
    reasons = {r["error"] for r in records if r.get("error")}
    return reasons.pop() if len(reasons) == 1 and all(r.get("error") for r in records) else None


class HarnessStatusBar(QStatusBar):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.services = QLabel("services: starting…")
        self.restarts = QLabel("restarts: 0")
        self.model = QLabel("model: —")
        self.endpoint = QLabel()  # what the model's endpoint supports (a real model only)
        self.endpoint.setAccessibleName("Model endpoint support")
        self.endpoint.hide()
        self.endpoints: list[dict] = []  # the workers' probes (HarnessClient.model_endpoints)
        self._model = ""
        self.target = QLabel("Temporal: —")
        self.tick = QLabel("tick —")
        for label in (self.services, self.restarts, self.model, self.endpoint, self.target,
                      self.tick):
            self.addPermanentWidget(label)

    def show_services(self, services: dict) -> None:
        parts = []
        for name, record in services.items():
            status = record.get("status", "?")
            title = SHORT.get(name, name.replace("worker-", "Worker "))
            parts.append(f"<span style='color:{COLOURS.get(status, '#333')}'>●</span> "
                         f"{title} {status}")
        reason = self_stop_reason(services)
        if reason:  # one line says it all, instead of four red dots
            parts = [f"<span style='color:{COLOURS['failed']}'>●</span> "
                     f"runtime stopped by itself: {html.escape(reason)}"]
        self.services.setText("  ".join(parts))
        # Hovering shows why each service last failed to (re)start, as `harness status` does.
        self.services.setToolTip("\n".join(f"{name}: {r['error']}" for name, r in services.items()
                                           if r.get("error")))
        total = sum(int(r.get("restarts", 0)) for r in services.values())
        self.restarts.setText(f"restarts: {total}")

    def show_target(self, runtime: dict) -> None:
        where = "embedded" if runtime.get("owned") else "attached"
        self.target.setText(f"Temporal {runtime['temporal_address']} / "
                            f"{runtime['namespace']} ({where})")

    def show_state(self, state) -> None:
        usage = getattr(state, "usage", None)
        total = usage.total if usage is not None else None
        spent = ""  # the agent's model usage so far (per tick: Why this tick)
        if total is not None and total.calls:
            cost = f", ${total.cost_usd:,.4f}" if total.cost_usd else ""
            spent = f" · {total.tokens:,} tokens in {total.calls:,} calls{cost}"
        self.model.setText(f"model: {state.model_label}{spent}")
        self.model.setToolTip(f"today: {usage.today.line()}" if spent else "")
        if state.model != self._model:
            self._model = state.model
            self._render_endpoint()
        self.tick.setText(f"tick {state.tick} · {state.date or '—'} · {state.phase.value}")
        self.tick.setToolTip("")

    def show_silent(self, why: str) -> None:
        text = self.tick.text().split(" · not answering")[0]
        self.tick.setText(f"{text} · not answering")
        self.tick.setToolTip(why)

    def show_endpoints(self, records: list) -> None:
        self.endpoints = list(records)
        self._render_endpoint()

    def _render_endpoint(self) -> None:
        """The agent's model endpoint as the workers probed it (`harness status` says the
        same): whether it takes tools, a json_schema and a json_object answer format."""
        provider, _, name = self._model.partition(":")
        if provider not in ("compatible", "openai") or not name:
            self.endpoint.hide()  # the offline analyst has no endpoint
            return
        probes = sorted((r for r in self.endpoints if r.get("model") == name),
                        key=lambda r: r.get("probed_at", 0))
        if not probes:
            self.endpoint.setText("endpoint: not probed yet")
            self.endpoint.setToolTip("The worker probes the endpoint at its first model call.")
        else:
            record = probes[-1]
            self.endpoint.setText("endpoint: " + describe(record).split(": ", 1)[1])
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.get("probed_at", 0)))
            notes = "; ".join(record.get("notes") or [])
            self.endpoint.setToolTip(f"{describe(record)}\nprobed {when}"
                                     + (f"\n{notes}" if notes else ""))
        self.endpoint.show()
