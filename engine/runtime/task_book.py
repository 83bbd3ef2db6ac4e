"""The task proxy's book (engine/runtime/task_proxy.py): which tasks each supervised
worker holds, read off the wire, so that a dead worker's can be failed over at once."""

from __future__ import annotations

import threading


class HeldTasks:
    """Which started workflow tasks each worker identity holds (thread-safe).

    Bounded by construction: a workflow has at most one workflow task in flight, so a new
    task for a workflow replaces whatever token was held for it (an answer the proxy never
    saw, a task the server timed out), and query tasks are never held at all. The book
    never holds more tokens than there are workflows with a task in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_identity: dict[str, dict[bytes, str]] = {}
        self._by_workflow: dict[str, tuple[str, bytes]] = {}

    def started(self, identity: str, token: bytes, workflow_id: str) -> None:
        with self._lock:
            previous = self._by_workflow.get(workflow_id)
            if previous is not None:
                tokens = self._by_identity.get(previous[0], {})
                tokens.pop(previous[1], None)
                if not tokens:
                    self._by_identity.pop(previous[0], None)
            self._by_identity.setdefault(identity, {})[token] = workflow_id
            self._by_workflow[workflow_id] = (identity, token)

    def answered(self, token: bytes) -> None:
        with self._lock:
            for identity, tokens in list(self._by_identity.items()):
                workflow_id = tokens.pop(token, None)
                if workflow_id is None:
                    continue
                if self._by_workflow.get(workflow_id) == (identity, token):
                    del self._by_workflow[workflow_id]
                if not tokens:  # a restarted worker's old identity must not linger
                    del self._by_identity[identity]

    def take(self, identity_prefix: str) -> dict[bytes, str]:
        """Remove and return every token held by identities starting with the prefix."""
        with self._lock:
            taken: dict[bytes, str] = {}
            for identity in [i for i in self._by_identity if i.startswith(identity_prefix)]:
                taken.update(self._by_identity.pop(identity))
            for token, workflow_id in taken.items():
                if self._by_workflow.get(workflow_id, (None, None))[1] == token:
                    del self._by_workflow[workflow_id]
            return taken

    def count(self) -> int:
        with self._lock:
            return sum(len(t) for t in self._by_identity.values())


class HeldActivities:
    """Which activity tasks each worker identity runs (thread-safe), from the answer to its
    poll (or an eager start in a workflow task's answer) to its own answer. The worker's
    in-flight file (engine/inflight_recorder.py) is written only once the activity runs
    in Python: a kill in between left the activity to its heartbeat timeout. Bounded: a
    worker runs at most its concurrency limit at once, and a token is dropped on any
    answer, refused ones included; PER_WORKER caps a worker that never answers."""

    PER_WORKER = 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_identity: dict[str, dict[bytes, None]] = {}

    def started(self, identity: str, token: bytes) -> None:
        with self._lock:
            tokens = self._by_identity.setdefault(identity, {})
            tokens[token] = None
            while len(tokens) > self.PER_WORKER:
                tokens.pop(next(iter(tokens)))

    def answered(self, token: bytes) -> None:
        with self._lock:
            for identity, tokens in list(self._by_identity.items()):
                if tokens.pop(token, 0) is None and not tokens:
                    del self._by_identity[identity]

    def take(self, identity: str) -> list[bytes]:
        with self._lock:
            return list(self._by_identity.pop(identity, {}))

    def count(self) -> int:
        with self._lock:
            return sum(len(t) for t in self._by_identity.values())
