"""A broker change counts once the runtime's broker journal holds it.

The embedded broker (Mockoon) keeps its state in memory and posts each change to the
supervisor's journal (engine/runtime/broker_journal.py) a moment after it answers. Were the
runtime killed in that moment, a restarted broker would not know an order the worker had
already reported to the workflow, and the agent's book would disagree with it. So an
activity that changes the broker returns only once the journal holds the change; until
then it fails, and its retry (on this worker or, if the runtime died, on the next one) asks
the broker again: a broker that still has the order settles it, a restored one without it
gets it placed anew under the same client_order_id.

No journal URL (a broker the runtime does not own, or a plain loop): nothing to wait for.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from temporalio.exceptions import ApplicationError

from engine.activities.broker_http import heartbeating

JOURNAL_WAIT_S = 5.0  # the callback takes milliseconds; 0.3 s and more seen under load
NOT_JOURNALED = "BrokerChangeNotJournaled"  # retryable: the retry asks the broker again


async def wait_journaled(journal_url: str, kind: str, key: str,
                         expect: dict[str, str] | None = None,
                         wait_s: float | None = None) -> None:
    """Return once the journal holds `{kind}/{key}` with the `expect`ed fields (the sink
    waits for it, up to `wait_s`, default JOURNAL_WAIT_S); else raise a retryable error."""
    if not journal_url:
        return
    wait_s = JOURNAL_WAIT_S if wait_s is None else wait_s
    url = f"{journal_url.rstrip('/')}/{kind}/{quote(key, safe='')}"
    try:
        async with httpx.AsyncClient(timeout=wait_s + 2.0) as http:
            answer = await heartbeating(http.get(url, params={**(expect or {}),
                                                              "wait": f"{wait_s:g}"}))
    except httpx.HTTPError as exc:
        raise ApplicationError(f"the broker's journal cannot be asked about {kind} {key} "
                               f"({type(exc).__name__}); retrying", type=NOT_JOURNALED) from exc
    if answer.status_code != 200:
        raise ApplicationError(f"the broker's journal does not hold {kind} {key} "
                               f"after {wait_s:g} s; retrying", type=NOT_JOURNALED)


def order_fields(order: dict) -> dict[str, str]:
    """What the journaled order must show: the broker's answer's status and fill."""
    return {"status": str(order.get("status")), "filled_qty": str(order.get("filled_qty"))}
