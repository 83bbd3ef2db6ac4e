"""End to end: the window against the real runtime it starts itself (dev server, Mockoon,
workers), on a qasync loop. Ticks run, an approval dialog appears and fewer shares are
approved, the
order shows in the portfolio, Simulate crash kills the worker, the agent resumes, the
broker holds no client_order_id twice, and closing leaves no child process behind."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.approval_request import ApprovalRequest
from app.controller import Controller
from app.defaults import window_agent
from app.main_window import MainWindow
from app.models.decisions_model import TICK_ROLE
from tests.engine.conftest import orders_for
from tests.runtime.helpers import all_dead
from tests.runtime.helpers import wait_until_async as until  # the window keeps running

# The window's agents use the `wait` approval policy: the clock stops while the dialog is
# open, so a fast tick cannot supersede it.
TICK_S = 0.3


def test_approve_crash_and_resume_in_the_window(qapp, qsettings, tmp_path):
    # Discovery (on in the window's defaults) has its own tests: not here, it costs seconds.
    config = window_agent().model_copy(update={"tick_interval_s": TICK_S, "discovery": None})
    controller = Controller(tmp_path / "home", agent_config=config)
    window = MainWindow(controller, settings=qsettings)
    window.show()
    answers: dict[str, str] = {}
    controller.review_answered.connect(lambda trade, text: answers.__setitem__(trade, text))
    banners: list[str] = []
    controller.notice.connect(lambda _level, text: banners.append(text))

    async def scenario() -> None:
        controller.start()
        dialog = await until(lambda: window.desk.dialog, 150, "an approval dialog")
        pending = dialog.pending
        trade = pending.trade_id
        symbol = pending.intent.symbol
        fewer = max(1, dialog.requested // 2)  # approve fewer shares: the guardrail re-checks
        dialog.quantity.setValue(fewer)
        assert dialog.approve_button.text().startswith(f"&Approve {fewer:,} of ")
        QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
        answer = await until(lambda: answers.get(trade), 30, "the review's answer")
        assert f"filled {fewer} @" in answer, answer
        order_id = answer.split("client_order_id ")[1].rstrip(")")
        # A second answer to the same trade: the workflow's validator says no, and the
        # request (not a dead dialog) shows it.
        again = ApprovalRequest(controller.workflow_id, pending)
        again.submitted.connect(controller.review)
        again.send(True, fewer, "")
        await until(lambda: again.state == "refused", 30, "the validator's refusal")
        assert trade in again.message and "approved" in again.message, again.message

        positions = window.portfolio.positions
        await until(lambda: any(positions.index(r, 0).data() == symbol
                                for r in range(positions.rowCount())), 10, "the position")
        tick = pending.tick

        def order_shown() -> bool:
            # Searched each time: newer ticks insert above it (its row moves), and another
            # symbol's decision may share its tick.
            table = window.decisions
            return any(table.index(r, 0).data(TICK_ROLE) == tick
                       and table.index(r, 6).data() == order_id for r in range(table.rowCount()))

        await until(order_shown, 10, "the order id in the decisions table")

        killed_at = controller.state.tick
        proofs: list[dict] = []
        controller.crash_proven.connect(proofs.append)
        window.actions["crash"].trigger()
        await until(lambda: any("resumed at tick" in b for b in banners), 90, "the recovery")

        def ticked_on() -> bool:
            # The clock stops at each new approval (the `wait` policy): reject to go on.
            dialog = window.desk.dialog
            if dialog is not None and dialog.reject_button.isEnabled():
                QTest.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
            return controller.state.tick >= killed_at + 2

        await until(ticked_on, 60, "ticks after it")
        await until(lambda: proofs, 30, "the crash's proof")
        assert all(count == 1 for count in proofs[0]["orders"].values()), proofs
        assert any("exactly once" in b or "no order at those ticks" in b for b in banners)
        assert controller.info.services["worker-1"]["restarts"] >= 1
        assert window.chart.markers["crash"].count() == 1, "the kill is on the chart"
        # In the run the kill happened in: the agent may have continued as new since.
        notes = [n.detail for run in controller.history.tree.runs for g in run.children
                 for n in g.children if n.kind == "event" and n.record.raw is None]
        assert any("worker killed" in n for n in notes) and any("resumed at" in n for n in notes)

        with httpx.Client(base_url=controller.info.mockoon_url, timeout=10) as broker:
            orders = orders_for(broker, controller.workflow_id)  # the agent's own account
        ids = Counter(o["client_order_id"] for o in orders)
        assert order_id in ids
        assert [i for i, n in ids.items() if n > 1] == [], "an order placed twice"

        done: list[str] = []
        controller.request_done.connect(lambda action, text: done.append(f"{action}: {text}"))
        window.actions["replay"].trigger()  # View ▸ Verify replay, on the history just made
        await until(lambda: any(d.startswith("verify_replay") for d in done), 60, "replay")
        assert "replay OK" in done[-1]

        services = dict(controller.info.services)
        window.close()
        await controller.shutdown()
        all_dead([s["pid"] for s in services.values() if s.get("pid")])

    qapp.setQuitOnLastWindowClosed(False)  # as app/main.py does: closing is ours to handle
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(scenario())
    finally:
        if controller.supervisor is not None:
            controller.supervisor.stop()  # a failed assertion must not leak the runtime
        loop.close()  # joins its executor threads
        asyncio.set_event_loop(None)


def test_closing_and_opening_again_continues_the_same_agent(qapp, tmp_path):
    """Item 1 of the issue: the agent lives in the SQLite store, not in the window."""
    home = tmp_path / "home"
    config = window_agent().model_copy(update={"tick_interval_s": 0.2, "discovery": None})
    qapp.setQuitOnLastWindowClosed(False)
    seen: list[tuple[str, bool, int]] = []

    async def session() -> None:
        controller = Controller(home, agent_config=config)
        attached: list[tuple[str, bool]] = []
        controller.agent_attached.connect(lambda wid, started: attached.append((wid, started)))
        controller.start()
        try:
            await until(lambda: attached and controller.state is not None
                        and controller.state.workflow_id == attached[0][0]
                        and controller.state.tick >= 3, 150, "the agent ticking")
            seen.append((*attached[0], controller.state.tick))
        finally:
            await controller.shutdown()

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(session())
        loop.run_until_complete(session())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    (first_id, first_started, first_tick), (second_id, second_started, second_tick) = seen
    assert first_started and not second_started
    assert second_id == first_id
    assert second_tick >= first_tick, "continued where it was, not from tick 0"
