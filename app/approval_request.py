"""One approval the agent asks of the human, as a QObject with a state the dialog renders
(as qutebrowser's Question): the dialog only shows the request and forwards clicks; the
request says what may happen next.

    open ──send──> sending ──> answered (the workflow took it: done)
                          ├──> refused  (the workflow's validator said no: try again)
                          └──> failed   (lost connection, timeout: try again)
    open|refused|failed ──abort──> aborted (expired, superseded, another agent shown)

It carries its agent's workflow id: an answer always goes to the agent that asked, even
after the window switched to another one.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

OPEN, SENDING, REFUSED, FAILED, ANSWERED, ABORTED = (
    "open", "sending", "refused", "failed", "answered", "aborted")
ANSWERABLE = (OPEN, REFUSED, FAILED)
FINAL = (ANSWERED, ABORTED)


class ApprovalRequest(QObject):
    changed = Signal()  # state or message changed: re-render
    submitted = Signal(object)  # self: the controller sends it (see Answer)

    def __init__(self, workflow_id: str, pending, decision=None, clock_waits: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workflow_id = workflow_id
        self.pending = pending
        self.decision = decision
        self.clock_waits = clock_waits
        self.state = OPEN
        self.message = ""
        self.answer: Answer | None = None  # the last one sent

    @property
    def trade_id(self) -> str:
        return self.pending.trade_id

    @property
    def requested(self) -> int:
        return self.pending.intent.quantity

    def can_answer(self) -> bool:
        return self.state in ANSWERABLE

    def send(self, approve: bool, quantity: int, reason: str) -> bool:
        """The human's answer: exactly these shares (ignored unless answerable)."""
        if not self.can_answer():
            return False
        if approve and not 1 <= quantity <= self.requested:
            self._move(self.state, f"approve between 1 and {self.requested:,} shares")
            return False
        self.answer = Answer(approve, quantity if approve else None, reason.strip())
        self._move(SENDING, "")
        self.submitted.emit(self)
        return True

    def answered(self, outcome: str) -> None:
        self._move(ANSWERED, outcome)

    def refused(self, why: str) -> None:
        self._move(REFUSED, why)

    def failed(self, why: str) -> None:
        self._move(FAILED, why)

    def abort(self, why: str) -> None:
        if self.state not in FINAL:
            self._move(ABORTED, why)

    def _move(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.changed.emit()


class Answer:
    """What was sent: approve or not, the exact share count (None: rejected), the reason."""

    __slots__ = ("approve", "quantity", "reason")

    def __init__(self, approve: bool, quantity: int | None, reason: str) -> None:
        self.approve, self.quantity, self.reason = approve, quantity, reason

    def __eq__(self, other) -> bool:
        return isinstance(other, Answer) and (self.approve, self.quantity, self.reason) == (
            other.approve, other.quantity, other.reason)

    def __repr__(self) -> str:
        return f"Answer({self.approve}, {self.quantity}, {self.reason!r})"


def describe_review(result) -> str:
    """The workflow's answer to a review in one line: the order it placed, or why not."""
    if result.order is not None:
        order = result.order
        return (f"{result.status.value}: order {order.status.value} "
                f"{order.filled_quantity} @ {order.filled_price:,.2f} "
                f"(client_order_id {order.client_order_id})")
    return f"{result.status.value}" + (f": {result.note}" if result.note else "")
