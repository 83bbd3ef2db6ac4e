"""Widget tests: offscreen Qt, a fake controller that records calls, sample agent data."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from app.models.history_model import HistoryModel  # noqa: E402
from app.pyside_refcounts import immortalize_singletons  # noqa: E402
from app.signals import ControllerSignals  # noqa: E402
from engine.broker_contracts import OrderResult, OrderStatus  # noqa: E402
from engine.contracts import (  # noqa: E402
    AgentStateView,
    Counters,
    Decision,
    HoldingView,
    PendingApproval,
    Phase,
)
from engine.models import GuardrailResult, RiskLimits, Side, TradeIntent, Verdict  # noqa: E402

immortalize_singletons()  # as app/main.py does: PySide6 6.12 drops refs to True and None


class FakeController(ControllerSignals):
    """The controller's surface, recording every call instead of talking to Temporal."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []
        self.history = HistoryModel(self)
        self.state = None
        self.workflow_id = "agent-test"

    def answers(self) -> list[tuple]:
        """The reviews sent: (workflow id, trade id, approve, quantity, reason)."""
        return [(r.workflow_id, r.trade_id, r.answer.approve, r.answer.quantity,
                 r.answer.reason) for (r,) in self.called("review")]

    def called(self, name: str) -> list[tuple]:
        return [call[1:] for call in self.calls if call[0] == name]


def _recorder(name: str):
    def record(self, *args):
        self.calls.append((name, *args))
    return record


for _name in ("review", "pause", "resume", "stop_agent", "steer", "set_limits", "new_agent",
              "simulate_crash", "crash_next", "verify_replay", "export_history", "open_web_ui",
              "load_earlier_run", "list_agents", "switch_agent", "audit_tick", "retry_start"):
    setattr(FakeController, _name, _recorder(_name))


@pytest.fixture
def controller(qapp) -> FakeController:
    return FakeController()


@pytest.fixture
def make_controller(qapp, tmp_path):
    """Real controllers (no runtime), deleted when the test ends. Not left to the
    collector: it may free one in the middle of a later event (its history pump flushing
    into a model deleted under it), in whichever test happens to allocate then."""
    from shiboken6 import delete, isValid

    from app.controller import Controller

    made = []

    def make(home=None, **options) -> Controller:
        made.append(Controller(home or tmp_path / "home", **options))
        return made[-1]

    yield make
    for controller in made:
        controller.pump.clear()
        if isValid(controller):
            delete(controller)


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


def intent(side: str = "buy", quantity: int = 500, symbol: str = "AAPL") -> TradeIntent:
    return TradeIntent(symbol=symbol, side=Side(side), quantity=quantity, limit_price=20.0,
                       confidence=0.7, rationale=f"{symbol}: 5-bar mean above 20-bar mean")


def check(verdict: str = "NEEDS_APPROVAL", notional: float = 10_000.0) -> GuardrailResult:
    reasons = ["order $10,000.00 is above the approval threshold $8,000.00"] if \
        verdict == "NEEDS_APPROVAL" else []
    return GuardrailResult(verdict=Verdict(verdict), reasons=reasons, price=20.0,
                           notional=notional)


def pending(trade_id: str = "t4-AAPL", tick: int = 4, expires_in: float = 600.0,
            quantity: int = 500) -> PendingApproval:
    now = time.time()
    return PendingApproval(trade_id=trade_id, tick=tick, date="2004-01-07",
                           intent=intent(quantity=quantity), check=check(), opened_at=now,
                           expires_at=now + expires_in)


def decision(tick: int, *, side: str = "buy", filled: bool = True, approval=None,
             symbol: str = "AAPL") -> Decision:
    order = OrderResult(client_order_id=f"agent-x-t{tick}-{symbol}", status=OrderStatus.FILLED,
                        filled_quantity=100, filled_price=20.0) if filled else None
    return Decision(tick=tick, date=f"2004-01-{tick + 1:02d}", trade_id=f"t{tick}-{symbol}",
                    intent=intent(side, 100, symbol), check=check("ALLOW", 2000.0),
                    approval=approval, order=order, news=["AAPL beats estimates"])


def state(tick: int = 12, equity_series=None, **overrides) -> AgentStateView:
    values = dict(
        workflow_id="agent-test", run_id="run-1", phase=Phase.RUNNING, tick=tick,
        date="2004-01-20", pass_number=1, model="offline-analyst",
        model_label="Offline analyst (deterministic, no LLM)", symbols=["AAPL"],
        cash=60_000.0, equity=101_000.0, realized_pnl=250.0, unrealized_pnl=750.0,
        holdings=[HoldingView(symbol="AAPL", quantity=2_000, avg_cost=20.0, price=20.375,
                              market_value=40_750.0, unrealized_pnl=750.0)],
        pending=[], last_decisions=[], decisions_total=tick,
        equity_series=equity_series or [(t, 100_000.0 + 100 * t) for t in range(1, tick + 1)],
        counters=Counters(), limits=RiskLimits(), history_length=300,
        starting_cash=100_000.0)
    values.update(overrides)
    return AgentStateView(**values)
