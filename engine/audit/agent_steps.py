"""The agent's half of a tick, read from its events: the brief, each model call, each tool
call with its arguments and result (pure)."""

from __future__ import annotations

import json
from typing import Any

from engine.audit.events import attrs, event_id, kind, local_activity
from engine.audit.trail import EventRef, ModelCall, ToolCall

MODEL_ACTIVITY = "invoke_model_activity"
MEMORY_TOOLS = {"get_portfolio"}  # read from workflow state: no event of their own
# A model turn's reads run as one local activity (engine/agent/read_batch.py, v5 on).
BATCHED_READS = "read_tools"
BATCHABLE = {"get_quote", "get_news"}
BATCHED_SOURCE = "local activity (batched)"
CLOSED = {"ACTIVITY_TASK_COMPLETED", "ACTIVITY_TASK_FAILED", "ACTIVITY_TASK_TIMED_OUT"}


class _Activity:
    """A regular activity's events: scheduled, started (one per attempt recorded), closed."""

    def __init__(self, scheduled: dict) -> None:
        self.scheduled = scheduled
        self.name = attrs(scheduled).get("activityType", {}).get("name", "")
        self.input = attrs(scheduled).get("input")
        self.attempts = 1
        self.retried: list[str] = []  # 'attempt N: reason' of attempts that failed
        self.events = [scheduled]
        self.closed: dict | None = None

    @property
    def result(self) -> Any:
        return attrs(self.closed).get("result") if self.closed else None

    @property
    def failure(self) -> str:
        if self.closed is None:
            return "not finished in this history"
        if kind(self.closed) == "ACTIVITY_TASK_COMPLETED":
            return ""
        failure = attrs(self.closed).get("failure", {})
        return failure.get("message", "") or kind(self.closed).lower()


def activities(events: list[dict]) -> list[_Activity]:
    """The regular activities scheduled among `events`, in schedule order."""
    found: dict[int, _Activity] = {}
    for event in events:
        k = kind(event)
        if k == "ACTIVITY_TASK_SCHEDULED":
            found[event_id(event)] = _Activity(event)
            continue
        scheduled = int(attrs(event).get("scheduledEventId", 0) or 0)
        activity = found.get(scheduled)
        if activity is None:
            continue
        activity.events.append(event)
        if k == "ACTIVITY_TASK_STARTED":
            activity.attempts = int(attrs(event).get("attempt", 1))
            # The started event of attempt N holds attempt N-1's failure (the ones before
            # it are not in the history: Temporal keeps the last failure only).
            last = attrs(event).get("lastFailure")
            if activity.attempts > 1 and isinstance(last, dict):
                activity.retried.append(f"attempt {activity.attempts - 1}: {_reason(last)}")
        elif k in CLOSED:
            activity.closed = event
    return list(found.values())


def ref(run_id: str, events: list[dict]) -> EventRef:
    return EventRef(run_id=run_id, event_ids=[event_id(e) for e in events],
                    time=events[0].get("eventTime", "") if events else "")


def model_calls(run_id: str, span: list[dict]) -> tuple[str, list[ModelCall], list[_Activity]]:
    """(the brief, the model calls, their activities) of one tick."""
    calls = [a for a in activities(span) if a.name == MODEL_ACTIVITY]
    brief = ""
    out = []
    for call in calls:
        request = call.input if isinstance(call.input, dict) else {}
        if not brief:
            brief = _user_text(request.get("input"))
        asked, answer = _output(call.result)
        result = call.result if isinstance(call.result, dict) else {}
        out.append(ModelCall(
            model=str(request.get("model_name", "")), attempts=call.attempts, tool_calls=asked,
            answer=answer, failure=call.failure, where=ref(run_id, call.events),
            earlier_failures=call.retried, usage=_usage(result.get("usage"))))
    return brief, out, calls


def tool_calls(run_id: str, span: list[dict], calls: list[_Activity]) -> list[ToolCall]:
    """Each tool call the model asked for, with its result and the events that ran it."""
    outputs: dict[str, Any] = {}
    for call in calls:
        request = call.input if isinstance(call.input, dict) else {}
        items = request.get("input")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("type") == "function_call_output":
                outputs[item.get("call_id", "")] = _json(item.get("output"))
    runners = _tool_runners(span)
    tools = []
    for call in calls:
        batch = None  # this turn's batched reads: one marker for all of them
        for item in _items(call.result):
            if item.get("type") != "function_call":
                continue
            name = item.get("name", "")
            tool = ToolCall(name=name, arguments=_json(item.get("arguments")),
                            result=outputs.get(item.get("call_id", "")), source="agent memory")
            queue = runners.get(name) or []
            if name in BATCHABLE and not queue and (batch or runners.get(BATCHED_READS)):
                batch = batch or runners[BATCHED_READS].pop(0)
                _, events, _, failure = batch
                tool.source, tool.where, tool.failure = BATCHED_SOURCE, ref(run_id, events), failure
            elif name not in MEMORY_TOOLS and queue:
                source, events, result, failure = queue.pop(0)
                tool.source, tool.where, tool.failure = source, ref(run_id, events), failure
                if tool.result is None:
                    tool.result = _json(result)
            tools.append(tool)
    return tools


def _tool_runners(span: list[dict]) -> dict[str, list[tuple[str, list[dict], Any, str]]]:
    """name -> [(source, events, result, failure)] in the order they were scheduled."""
    runners: dict[str, list] = {}
    for event in span:
        local = local_activity(event)
        if local and local[0]:
            failure = attrs(event).get("failure", {}).get("message", "")
            runners.setdefault(local[0], []).append(
                ("local activity", [event], local[1].get("result"), failure))
    for activity in activities(span):
        if activity.name != MODEL_ACTIVITY:
            runners.setdefault(activity.name, []).append(
                ("activity", activity.events, activity.result, activity.failure))
    return runners


def _reason(failure: dict) -> str:
    message = failure.get("message", "") or "failed"
    timeout = failure.get("timeoutFailureInfo")
    if isinstance(timeout, dict):
        kind = str(timeout.get("timeoutType", "")).removeprefix("TIMEOUT_TYPE_").lower()
        return f"timed out ({kind.replace('_', '-') or 'timeout'}): {message}"
    return message


def _usage(usage: Any) -> dict:
    if not isinstance(usage, dict):
        return {}
    details = usage.get("input_tokens_details") or {}
    return {"input_tokens": int(usage.get("input_tokens", 0) or 0),
            "output_tokens": int(usage.get("output_tokens", 0) or 0),
            "cached_tokens": int((details or {}).get("cached_tokens", 0) or 0)}


def _items(result: Any) -> list[dict]:
    output = result.get("output") if isinstance(result, dict) else None
    return [i for i in output if isinstance(i, dict)] if isinstance(output, list) else []


def _output(result: Any) -> tuple[list[str], str]:
    asked, texts = [], []
    for item in _items(result):
        if item.get("type") == "function_call":
            asked.append(f"{item.get('name', '')}({item.get('arguments', '')})")
        elif item.get("type") == "message":
            texts += [c.get("text", "") for c in item.get("content", []) if isinstance(c, dict)]
    return asked, "".join(texts)


def _user_text(items: Any) -> str:
    if isinstance(items, str):
        return items
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, list):
                return "".join(c.get("text", "") for c in content if isinstance(c, dict))
            return str(content)
    return ""


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
