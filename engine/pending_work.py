"""The rows of an agent's Pending work: its pending activities, from the workflow's
description. A model call in flight carries its progress (`progress`: elapsed_s, attempt,
phase, output_tokens, max_tokens; engine/agent/call_progress.py), its last heartbeat's."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import UTC

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.converter import DataConverter


async def pending_rows(pending_activities: Iterable, converter: DataConverter) -> list[dict]:
    rows = []
    for pending in pending_activities:
        row = _pending_activity(pending)
        if pending.heartbeat_details.payloads:
            with contextlib.suppress(Exception):  # details of another shape: none shown
                (row["progress"], *_) = await converter.decode(
                    pending.heartbeat_details.payloads)
        rows.append(row)
    return rows


def _pending_activity(p) -> dict:
    def stamp(ts) -> float | None:
        return ts.ToDatetime(tzinfo=UTC).timestamp() if ts.seconds else None

    return {
        "activity": p.activity_type.name,
        "state": PendingActivityState.Name(p.state).removeprefix("PENDING_ACTIVITY_STATE_"),
        "attempt": p.attempt,
        "last_heartbeat": stamp(p.last_heartbeat_time),
        "last_failure": p.last_failure.message,
        "next_attempt": stamp(p.next_attempt_schedule_time),
        "worker": p.last_worker_identity,  # who ran its latest attempt (the crash proof)
    }
