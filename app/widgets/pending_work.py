"""What the agent waits on right now: running or retrying activities (attempt, last
heartbeat, last failure, next retry), open approvals, and a service outage."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QListView

from app.format import money
from app.models.rows_model import RowsModel

MODEL_ACTIVITY = "invoke_model_activity"
# The server keeps a retrying activity's last failure only up to a size (4 KB by default,
# stack trace included) and says this instead; a model call's error with its SDK frames
# passes it.
TOO_BIG = "Failure exceeds size limit."


def failure_text(message: str) -> str:
    if message.strip() == TOO_BIG:
        return ("its message was too long for the server to keep (over its failure size "
                "limit); the history has the final attempt's")
    return message


PHASES = {"probing": "probing the endpoint", "calling": "waiting for the model"}


def describe_model_call(p: dict, now: float) -> str:
    """A model call: elapsed time, attempt and tokens from its heartbeat (progress), but
    only the progress of this attempt. Temporal keeps an attempt's last heartbeat details
    until the next attempt heartbeats, so during a retry's back-off the row says attempt 2
    with attempt 1's figures: shown, they would repeat attempt 1 as if it were attempt 2."""
    progress, attempt = p.get("progress") or {}, p["attempt"]
    if p["state"] != "STARTED" or progress.get("attempt") != attempt:
        waiting = "waiting to retry" if p["state"] == "SCHEDULED" and attempt > 1 else \
            p["state"].lower()
        return f"model call, attempt {attempt}: {waiting}"
    since_beat = max(0.0, now - p["last_heartbeat"]) if p.get("last_heartbeat") else 0.0
    elapsed = (progress.get("elapsed_s") or 0.0) + since_beat
    text = (f"model call in flight: {elapsed:.0f} s so far, attempt {attempt}, "
            f"{PHASES.get(progress.get('phase'), progress.get('phase') or 'starting')}")
    out, most = progress.get("output_tokens"), progress.get("max_tokens")
    if out is not None:
        text += f", {out:,}" + (f" of {most:,}" if most else "") + " output tokens"
    elif most:
        text += f", up to {most:,} output tokens (counted when it answers)"
    return text


def describe_activity(p: dict, now: float) -> str:
    if "timer" in p:  # a durable timer the workflow sleeps on (the tick interval, a back-off)
        return p["timer"]
    if p.get("activity") == MODEL_ACTIVITY:
        text = describe_model_call(p, now)
    else:
        text = f"{p['activity']}: {p['state'].lower()}, attempt {p['attempt']}"
        if p.get("last_heartbeat"):
            text += f", heartbeat {now - p['last_heartbeat']:.1f} s ago"
    if p.get("last_failure"):
        text += f", last failure: {failure_text(p['last_failure'])}"
    if p.get("next_attempt"):
        text += f", next retry in {max(0.0, p['next_attempt'] - now):.1f} s"
    return text


class PendingWorkList(QListView):
    """One line per thing the agent waits on; a small model updated in place."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lines = RowsModel(("What the agent waits on",), parent=self)
        self.setModel(self.lines)
        self.setAccessibleName("Pending work")
        self._activities: list[dict] = []
        self._approvals: list = []
        self._outage = ""
        self._clock_waits = False
        self.setWordWrap(True)

    def show_activities(self, activities: list) -> None:
        self._activities = activities
        self._render()

    def show_state(self, state) -> None:
        waits = getattr(state, "approval_policy", "") == "wait"
        if (state.pending, state.outage, waits) != (self._approvals, self._outage,
                                                    self._clock_waits):
            self._approvals, self._outage = list(state.pending), state.outage
            self._clock_waits = waits
            self._render()

    def _render(self) -> None:
        now = time.time()
        lines = [describe_activity(p, now) for p in self._activities]
        for a in self._approvals:
            left = max(0, int(a.expires_at - now))
            lines.append(f"approval {a.trade_id}: {a.intent.side.value} {a.intent.quantity:,} "
                         f"{a.intent.symbol} ({money(a.check.notional)}), waiting for you, "
                         f"expires in {left // 60}:{left % 60:02d}")
        if self._approvals and self._clock_waits:
            lines.append("market clock stopped until you decide (approval policy: wait)")
        if self._outage:
            lines.append(f"waiting on a service: {self._outage}")
        self.lines.set_rows([(line,) for line in lines or ["nothing: between ticks"]])

    def texts(self) -> list[str]:
        return [self.lines.text(r, 0) for r in range(self.lines.rowCount())]
