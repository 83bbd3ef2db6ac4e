"""What became of a tick's intent: the guardrail, the approval, the order (pure).

The verdict and the approval's outcome come from the agent's journal (its memory, rebuilt
by replay: see memory.py); the events that carried them are found by the trade's ids, in
the tick's run or a later one (an approval can be answered, and its order placed, after
the run continued as new).
"""

from __future__ import annotations

from engine.audit.agent_steps import activities, ref
from engine.audit.events import RunView, attrs, event_id, kind
from engine.audit.trail import ApprovalStep, EventRef, GuardrailStep, OrderStep
from engine.contracts import Decision


def guardrail(decision: Decision, where: EventRef) -> GuardrailStep:
    check = decision.check
    return GuardrailStep(verdict=check.verdict.value, reasons=list(check.reasons),
                         price=check.price, notional=check.notional, where=where)


def decision_task(run: RunView, span: list[dict], after_event: int) -> EventRef:
    """The workflow task that ran the guardrail: the first one completed after the model's
    last answer (the workflow code between them is where the decision was taken)."""
    for event in span:
        if kind(event) == "WORKFLOW_TASK_COMPLETED" and event_id(event) > after_event:
            return ref(run.run_id, [event])
    return ref(run.run_id, [])


def approval(decision: Decision, runs: list[RunView], policy: str,
             decided_at: EventRef) -> ApprovalStep | None:
    if decision.approval is None:
        return None
    step = ApprovalStep(status=decision.approval.value, note=decision.approval_note)
    if "by policy" in decision.approval_note:
        step.reviewer, step.answered_at, step.where = f"policy {policy}", decided_at.time, (
            decided_at)
    for run in runs:  # the last human answer wins (a re-check may have asked again)
        accepted = {}
        for event in run.events:
            k, a = kind(event), attrs(event)
            if k == "WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
                request = a.get("acceptedRequest", {}).get("input", {})
                args = request.get("args")
                args = args[0] if isinstance(args, list) and args else args
                if request.get("name") == "review_trade" and isinstance(args, dict) and (
                    args.get("trade_id") == decision.trade_id
                ):
                    accepted[event_id(event)] = event
                    step.reviewer, step.approve = str(args.get("reviewer", "")), args.get(
                        "approve")
                    step.reason, step.quantity = str(args.get("reason", "")), args.get(
                        "quantity")
                    step.answered_at = event.get("eventTime", "")
                    step.where = ref(run.run_id, [event])
            elif k == "WORKFLOW_EXECUTION_UPDATE_COMPLETED":
                opened = accepted.get(int(a.get("acceptedEventId", 0) or 0))
                if opened is not None:
                    step.where = ref(run.run_id, [opened, event])
    return step


def order(decision: Decision, runs: list[RunView]) -> OrderStep | None:
    client_order_id = f"{runs[0].workflow_id}-{decision.trade_id}"
    placed = None
    for run in runs:
        for activity in activities(run.events):
            request = activity.input if isinstance(activity.input, dict) else {}
            if activity.name == "place_order" and request.get("client_order_id") == (
                client_order_id
            ):
                placed = (run, activity, request)
    if placed is None and decision.order is None:
        return None
    intent = decision.intent
    step = OrderStep(client_order_id=client_order_id, side=intent.side.value,
                     symbol=intent.symbol, quantity=intent.quantity)
    if placed is not None:
        run, activity, request = placed
        step.quantity = int(request.get("quantity", step.quantity))
        step.limit_price = request.get("limit_price")
        step.attempts = activity.attempts
        step.where = ref(run.run_id, activity.events)
        if activity.failure:
            step.reason = activity.failure
    result = decision.order  # what the agent booked (after a last lookup, if the call failed)
    if result is not None:
        step.status, step.filled_quantity = result.status.value, result.filled_quantity
        step.filled_price, step.broker_order_id = result.filled_price, result.broker_order_id or ""
        step.reason = result.reason or step.reason
    return step
