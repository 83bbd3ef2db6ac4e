"""A model-driven agent as the window shows it: each model call's tokens in "Why this tick",
what the model endpoint supports (the workers' probe), and a model call in flight in
Pending work (elapsed time, attempt, tokens), a retry never showing an earlier attempt's
progress as its own.

Real parts: the dev server and Mockoon, a real worker (tests/app/thread_worker.py), the
real Controller and MainWindow on a qasync loop. The model service is the chat-completions
TEST DOUBLE (tests/support), the one part that cannot run here.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import qasync

from app.controller import Controller
from app.defaults import window_agent
from app.dialogs.about import AboutDialog
from app.main_window import MainWindow
from app.widgets.tick_audit_view import render_audit
from engine.agent.endpoint_records import describe, read_records
from engine.audit import Auditor
from engine.config import Settings
from engine.replay import load_history_file
from tests.app.thread_worker import ThreadWorker
from tests.engine.conftest import DOUBLE_MODEL
from tests.runtime.helpers import wait_until_async as until
from tests.support.chat_completions_server import ChatCompletionsDouble

GOLDEN = Path(__file__).parents[1] / "histories" / "v6"


async def test_a_recorded_model_tick_shows_each_calls_tokens_and_the_ticks_total():
    """The golden real-model history (recorded against the test double)."""
    audit = await Auditor([load_history_file(p) for p in
                           sorted(GOLDEN.glob("real_model.run*.json"))]).tick(1)
    html = render_audit(audit)
    assert "not recorded" not in html
    assert html.count("tokens: 1 in + 1 out") == 3, html  # each of the tick's three calls
    assert "this tick: 3 calls, 3 in (0 cached) + 3 out tokens" in html


def test_model_calls_in_the_window(qapp, qsettings, runtime_no_worker, monkeypatch):
    queue = f"window-model-{uuid.uuid4().hex[:8]}"
    home = runtime_no_worker.home
    monkeypatch.setenv("HARNESS_TASK_QUEUE", queue)
    monkeypatch.setenv("HARNESS_HOME", str(home))  # where the worker keeps its probe
    settings = Settings(temporal_address=runtime_no_worker.temporal_address,
                        mockoon_url=runtime_no_worker.mockoon_url, task_queue=queue)
    double = ChatCompletionsDouble().start()
    # A model tick asks no approval here: the tick's buy is small.
    config = window_agent().model_copy(update={"tick_interval_s": 0.5, "discovery": None,
                                               "model": DOUBLE_MODEL})
    controller = Controller(home, agent_config=config)
    window = MainWindow(controller, settings=qsettings)
    window.show()
    worker = ThreadWorker(settings, model_base_url=double.base_url).start()
    seen: list[tuple[list[dict], list[str]]] = []  # each poll's rows, and what it showed
    controller.pending_work_changed.connect(  # after the panel's own slot: rendered
        lambda rows: seen.append((rows, window.pending.texts())))

    async def scenario() -> None:
        controller.start()
        await until(lambda: controller.state is not None and controller.state.decisions_total,
                    120, "a decision the model made")
        # What the endpoint supports, as the worker probed it, in the status bar.
        record = next(r for r in read_records(home) if r["base_url"] in double.base_url)
        await until(lambda: describe(record).split(": ", 1)[1] in window.status.endpoint.text(),
                    10, "the endpoint's capabilities in the status bar")
        assert window.status.endpoint.isVisible()
        window.actions["about"].trigger()  # Help ▸ About lists it too
        about = await until(lambda: window.findChild(AboutDialog), 10, "the About box")
        assert describe(record) in about.label.text()
        about.close()
        total = controller.state.usage.total  # the agent's usage so far, in the status bar
        assert f"{total.tokens:,} tokens in {total.calls:,} calls" in window.status.model.text()

        # Why this tick: the tokens of each call, from the recorded tick.
        window.select_tick(1)
        await until(lambda: "Why the agent did" in window.why.title.text(), 60, "the audit")
        text = window.why.text.toPlainText()
        assert "not recorded" not in text and "tokens: 1 in + 1 out" in text, text
        assert "this tick: 3 calls" in text

        # A call that runs a while and fails, three times: its progress, live.
        double.mode, double.stall_s = "stall_then_500", 4.0
        def rows():
            return [row for polled, _ in seen for row in polled if row.get("progress")]

        await until(lambda: any(r["progress"]["attempt"] == r["attempt"] == 2 for r in rows())
                    and any(r["progress"]["attempt"] != r["attempt"] for r in rows()),
                    120, "a retry still carrying attempt 1's heartbeat, then its own")
        shown = [t for _, texts in seen for t in texts]
        assert not any("Failure exceeds size limit" in t for t in shown), "the server's words"
        live = [t for t in shown if t.startswith("model call in flight")]
        assert any("attempt 1" in t and "up to 512 output tokens" in t for t in live), live
        for rows, texts in seen:
            for row in rows:
                progress = row.get("progress")
                if progress and progress["attempt"] != row["attempt"]:
                    # Temporal keeps the last heartbeat across a retry: attempt 1's elapsed
                    # time must not be shown as attempt 2's.
                    line = next(t for t in texts if f"attempt {row['attempt']}" in t)
                    assert "in flight" not in line and "s so far" not in line, line
        double.mode = "intent"

    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(scenario())
    finally:
        if controller.client is not None and controller.workflow_id is not None:
            loop.run_until_complete(controller.client.temporal.get_workflow_handle(
                controller.workflow_id).terminate("test over"))
        window.close()
        loop.run_until_complete(controller.shutdown())
        worker.stop()
        double.stop()
        loop.close()
        asyncio.set_event_loop(None)
