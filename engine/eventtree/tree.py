"""The tree itself: runs (following continue-as-new) > ticks > events.

Appended to in batches; every structural change is announced to a listener before
and after it happens (begin_insert/end_insert), which is exactly what a Qt item
model needs, so the adapter stays thin. One announcement covers a run of consecutive
events going to the same parent, so a batch of N events costs a handful of inserts,
not N. No event is ever dropped: an event that opens no tick goes to the current one.
"""

from __future__ import annotations

import json
from typing import Protocol

from engine.eventtree.records import (
    FAILED,
    NOTE,
    OK,
    RETRY,
    TIMEOUT,
    EventRecord,
    RunContext,
    summarize,
)

_SEVERITY = {OK: 0, NOTE: 1, RETRY: 2, TIMEOUT: 3, FAILED: 4}


class TreeListener(Protocol):
    def begin_insert(self, parent: Node | None, first: int, last: int) -> None: ...
    def end_insert(self) -> None: ...
    def changed(self, node: Node) -> None: ...
    # Optional (drop_run announces through them when the listener has them):
    # begin_remove(parent, first, last) / end_remove()


class _Silent:
    def begin_insert(self, parent, first, last): pass
    def end_insert(self): pass
    def changed(self, node): pass


class Node:
    __slots__ = ("kind", "label", "detail", "time", "parent", "children", "row", "record",
                 "tick", "status", "run_id")

    def __init__(self, kind: str, label: str, parent: Node | None, row: int, *,
                 record: EventRecord | None = None, tick: int | None = None,
                 run_id: str = "") -> None:
        self.kind = kind  # run | tick | event
        self.label = label
        self.detail = record.subject if record else ""
        self.time = record.time if record else ""
        self.parent = parent
        self.children: list[Node] = []
        self.row = row  # index in the parent, kept so lookups are O(1)
        self.record = record
        self.tick = tick
        self.status = record.status if record else OK
        self.run_id = run_id

    @property
    def event_id(self) -> int | None:
        return self.record.event_id if self.record and self.record.raw is not None else None


class EventTree:
    def __init__(self, listener: TreeListener | None = None) -> None:
        self.runs: list[Node] = []
        self.listener: TreeListener = listener or _Silent()
        self.event_count = 0
        self._by_run: dict[str, Node] = {}
        self._ctx: dict[str, RunContext] = {}
        self._ticks: dict[int, Node] = {}
        self._seen: set[tuple[str, int]] = set()

    # ---------------------------------------------------------------- building

    def add_batch(self, items: list[tuple[str, dict]]) -> None:
        """Append (run id, JSON event) pairs; an event already in the tree is ignored."""
        pending: list[EventRecord] = []
        target: Node | None = None
        touched: set[Node] = set()
        for run_id, event in items:
            key = (run_id, int(event.get("eventId", 0)))
            if key in self._seen:
                continue  # a re-streamed event (the stream was restarted)
            self._seen.add(key)
            run = self._by_run.get(run_id)
            if run is None:
                self._flush(target, pending)
                run = self._new_run(run_id)
            ctx = self._ctx[run_id]
            record = summarize(event, ctx)
            group = run.children[-1] if run.children else None
            if record.opens_tick is not None or group is None:
                self._flush(target, pending)
                group = self._new_group(run, ctx, record.opens_tick)
            if group is not target:
                self._flush(target, pending)
                target = group
            pending.append(record)
            if record.status != OK:
                touched |= self._escalate(group, record.status)
        self._flush(target, pending)
        for node in touched:
            self.listener.changed(node)

    def annotate(self, text: str, status: str = NOTE) -> Node | None:
        """A note of ours (a crash, a recovery) in the current tick; not an event."""
        if not self.runs or not self.runs[-1].children:
            return None
        group = self.runs[-1].children[-1]
        record = EventRecord(0, "Note", "", 0.0, subject=text, status=status)
        self._flush(group, [record])
        for node in self._escalate(group, status):
            self.listener.changed(node)
        return group.children[-1]

    def prepend_run(self, run_id: str) -> Node:
        """An earlier run, fetched on demand, goes above the ones already shown; its events
        then arrive through add_batch like any others."""
        if run_id in self._by_run:
            return self._by_run[run_id]
        self.listener.begin_insert(None, 0, 0)
        node = Node("run", f"earlier run  {run_id}", None, 0, run_id=run_id)
        self.runs.insert(0, node)
        for row, run in enumerate(self.runs):
            run.row = row
        self._by_run[run_id] = node
        self._ctx[run_id] = RunContext()
        self.listener.end_insert()
        return node

    def drop_run(self, run: Node) -> None:
        """Forget a whole run (a long session keeps only its last few runs in memory; an
        earlier one comes back on demand through prepend_run). Its events, if streamed
        again, are new to the tree."""
        row = run.row
        begin = getattr(self.listener, "begin_remove", None)
        if begin is not None:
            begin(None, row, row)
        del self.runs[row]
        for later in self.runs[row:]:
            later.row -= 1
        self._by_run.pop(run.run_id, None)
        self._ctx.pop(run.run_id, None)
        for group in run.children:
            if group.tick is not None and self._ticks.get(group.tick) is group:
                del self._ticks[group.tick]
            for node in group.children:
                if node.record is not None and node.record.raw is not None:
                    self._seen.discard((run.run_id, node.record.event_id))
                    self.event_count -= 1
        end = getattr(self.listener, "end_remove", None)
        if end is not None:
            end()
        # Break the parent/child cycles: a long-lived window freezes old objects out of the
        # collector's sight (gc.freeze), so only reference counting can free them.
        for group in run.children:
            for node in group.children:
                node.parent = None
            group.children = []
            group.parent = None
        run.children = []

    # ---------------------------------------------------------------- reading

    def previous_run_id(self) -> str | None:
        """The run the oldest run shown continued from (None: it is the first run)."""
        if not self.runs or not self.runs[0].children or not self.runs[0].children[0].children:
            return None
        first = self.runs[0].children[0].children[0].record
        if first is None or first.raw is None or first.name != "WorkflowExecutionStarted":
            return None
        attrs = first.raw.get("workflowExecutionStartedEventAttributes", {})
        return attrs.get("continuedExecutionRunId") or None

    def find_tick(self, tick: int) -> Node | None:
        return self._ticks.get(tick)

    def latest_tick(self) -> int | None:
        return max(self._ticks) if self._ticks else None

    def open_timers(self) -> list[str]:
        """Timers of the newest tick that have neither fired nor been cancelled yet."""
        if not self.runs or not self.runs[-1].children:
            return []
        started: dict[str, str] = {}
        for node in self.runs[-1].children[-1].children:
            attrs = (node.record.raw or {}) if node.record else {}
            if node.label == "TimerStarted":
                timer = attrs.get("timerStartedEventAttributes", {})
                started[timer.get("timerId", "")] = timer.get("startToFireTimeout", "")
            elif node.label in ("TimerFired", "TimerCanceled"):
                key = "timerFiredEventAttributes" if node.label == "TimerFired" else \
                    "timerCanceledEventAttributes"
                started.pop(attrs.get(key, {}).get("timerId", ""), None)
        return [f"durable timer {timer_id}: {timeout}" for timer_id, timeout in started.items()]

    def events_of(self, run: Node) -> list[dict]:
        return [n.record.raw for g in run.children for n in g.children
                if n.record is not None and n.record.raw is not None]

    def export_json(self, run: Node | None = None) -> str:
        """One run (default: the latest) as `temporal workflow show -o json` writes it."""
        run = run or (self.runs[-1] if self.runs else None)
        return json.dumps({"events": self.events_of(run) if run else []}, indent=2)

    # ---------------------------------------------------------------- helpers

    def _new_run(self, run_id: str) -> Node:
        row = len(self.runs)
        node = Node("run", f"run {row + 1}  {run_id}", None, row, run_id=run_id)
        self.listener.begin_insert(None, row, row)
        self.runs.append(node)
        self._by_run[run_id] = node
        self._ctx[run_id] = RunContext()
        self.listener.end_insert()
        return node

    def _new_group(self, run: Node, ctx: RunContext, date: str | None) -> Node:
        row = len(run.children)
        if date is None:
            node = Node("tick", "run start" if row == 0 else "(before first tick)", run, row,
                        run_id=run.run_id)
        else:
            ctx.ticks += 1
            tick = ctx.start_tick + ctx.ticks
            node = Node("tick", f"tick {tick}", run, row, tick=tick, run_id=run.run_id)
            node.detail = date
            self._ticks[tick] = node
        self.listener.begin_insert(run, row, row)
        run.children.append(node)
        self.listener.end_insert()
        return node

    def _flush(self, parent: Node | None, pending: list[EventRecord]) -> None:
        if parent is None or not pending:
            pending.clear()
            return
        first = len(parent.children)
        self.listener.begin_insert(parent, first, first + len(pending) - 1)
        for offset, record in enumerate(pending):
            parent.children.append(Node("event", record.name, parent, first + offset,
                                        record=record, tick=parent.tick, run_id=parent.run_id))
        self.event_count += sum(1 for r in pending if r.raw is not None)
        self.listener.end_insert()
        pending.clear()

    @staticmethod
    def _escalate(group: Node, status: str) -> set[Node]:
        """A failure shows on its tick and its run too, so a collapsed tree still tells."""
        touched = set()
        node: Node | None = group
        while node is not None:
            if _SEVERITY[status] > _SEVERITY[node.status]:
                node.status = status
                touched.add(node)
            node = node.parent
        return touched


__all__ = ["EventTree", "Node", "TreeListener", "FAILED", "RETRY", "TIMEOUT"]
