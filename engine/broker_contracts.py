"""What travels between the agent and its broker: orders, accounts, snapshots.

The activity inputs and outputs of engine/activities/broker.py, split from
engine/contracts.py (which imports the ones the agent's memory carries).
"""

from __future__ import annotations

from enum import Enum

from pydantic import Field

from engine.models import Payload


class OrderRequest(Payload):
    client_order_id: str
    symbol: str
    side: str
    quantity: int
    limit_price: float
    account_id: str = Field(default="", description="The agent's broker account; '' = /v2's")
    fill_deadline_s: float = Field(
        default=5.0, gt=0, description="An order not (fully) filled by then is cancelled"
    )
    bar_index: int | None = Field(
        default=None, description="The market clock's bar 'now': sent as ?index= (a harness "
        "extension) so the embedded broker fills only at that bar's market")


# Alpaca's statuses of an order that may still fill.
OPEN_STATUSES = ("new", "accepted", "pending_new", "partially_filled", "accepted_for_bidding",
                 "held")


class OrderStatus(str, Enum):
    FILLED = "filled"
    REJECTED = "rejected"
    FAILED = "failed"


class OrderResult(Payload):
    client_order_id: str
    status: OrderStatus
    broker_order_id: str | None = None
    filled_quantity: int = 0
    filled_price: float = 0.0
    reason: str = ""
    reused: bool = Field(default=False, description="The broker already had this order")
    requested_quantity: int = Field(default=0, description="0 = unknown (older results)")
    broker_status: str = Field(default="", description="The order's status at the broker")

    @property
    def clean_fill(self) -> bool:
        """Filled completely: nothing for reconciliation to look at."""
        return self.status == OrderStatus.FILLED and (
            self.requested_quantity in (0, self.filled_quantity)
        )


class OrderLookup(Payload):
    """Find one order by its client_order_id (the last word before FAILED is booked)."""

    client_order_id: str
    account_id: str = ""
    requested_quantity: int = 0


class OpenAccountRequest(Payload):
    account_id: str = Field(description="Derived from the workflow id: opening is idempotent")
    cash: float = Field(gt=0)


class BrokerAccount(Payload):
    account_id: str = Field(description="'' when the broker has one trading account only")
    cash: float
    opened: bool = Field(description="False: the account already existed")


class SnapshotRequest(Payload):
    account_id: str = ""
    client_order_id_prefix: str
    client_order_ids: list[str] | None = Field(
        default=None, description="Look these orders up one by one (the book's unsettled "
        "ones) instead of listing the account's orders: the snapshot's size then does not "
        "grow with every order ever placed (book-survives-weeks)")
    fees_after: str | None = Field(
        default=None, description="Read the FEE activities after this id ('' = all); None = "
        "do not read fees (before book-survives-weeks)")


class BrokerOrder(Payload):
    client_order_id: str
    broker_order_id: str
    symbol: str
    side: str
    quantity: int
    filled_quantity: int
    filled_price: float
    status: str


class BrokerSnapshot(Payload):
    """What the broker says the agent owns: the other side of reconciliation."""

    cash: float
    positions: dict[str, int] = Field(default_factory=dict)
    orders: list[BrokerOrder] = Field(default_factory=list)
    fees: float = Field(default=0.0, description="Fees charged since `fees_after`, in dollars")
    fee_count: int = 0
    last_fee_id: str = Field(default="", description="The newest fee read ('' = none new)")
