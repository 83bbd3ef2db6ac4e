"""One agent shown in the window: everything that follows it (the state poll, the live
history stream, an earlier run's loader) belongs to its session, and `close()` ends all of
it at once. Switching agents closes the old session before the new one starts, so no late
answer of the old agent lands in the new agent's tree, tables or dialogs.

Each emission carries the session's workflow id or checks `closed` first: a task that
was between two awaits when the switch came cannot speak for the wrong agent.
"""

from __future__ import annotations

import asyncio
import time

POLL_S = 0.5
QUERY_TIMEOUT_S = 10.0  # a query never holds a poll for longer
ENDPOINTS_EVERY = 10  # polls: the workers probe an endpoint once, so every 5 s is plenty
OUTAGE_NOTICE_EVERY_S = 30.0  # an outage is said once, then again only this often


class AgentSession:
    def __init__(self, controller, workflow_id: str) -> None:
        self.c = controller
        self.workflow_id = workflow_id
        self.closed = False
        self.tasks: set[asyncio.Task] = set()
        self.loading_run: str | None = None  # an earlier run being loaded
        self._open_trades: tuple[str, ...] | None = None
        self._endpoints: list[dict] | None = None
        self.silent = False  # its state query went unanswered (QUERY_TIMEOUT_S)

    def start(self) -> None:
        self.spawn(self._follow_state(), "state")
        self.spawn(self._follow_history(), "history")

    def close(self) -> None:
        self.closed = True
        for task in list(self.tasks):
            task.cancel()
        self.tasks.clear()

    def spawn(self, coro, action: str) -> asyncio.Task:
        task = self.c._spawn(coro, action)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _query(self, make):
        """`make()`'s answer within QUERY_TIMEOUT_S. The query's coroutine is made here, in
        the task that awaits it: made by the caller, a task cancelled before it started would
        leave it unawaited (a warning on stderr at every such close)."""
        return await asyncio.wait_for(make(), QUERY_TIMEOUT_S)

    # ---------------------------------------------------------------- the state

    async def _follow_state(self) -> None:
        seen_total, beat, failing_since, said_at = 0, 0, None, 0.0
        while not self.closed:
            try:
                seen_total = await self._read_state(seen_total, beat)
                if failing_since is not None and said_at:
                    self.c.notice.emit("ok", "the agent answers again")
                failing_since, said_at = None, 0.0
            except asyncio.CancelledError:
                raise
            except TimeoutError:
                # No answer at all (its worker is gone or stuck; the server holds the query
                # rather than failing it): said at once, the badge shows it until answers
                # come back; the poll goes on, and the window's loop was never held.
                if not self.silent and not self.closed:
                    self.silent = True
                    why = (f"no answer to a state query in {QUERY_TIMEOUT_S:.0f} s (no worker "
                           f"is taking the agent's tasks, or it is stuck)")
                    self.c.agent_answering.emit(self.workflow_id, False, why)
                    self.c.notice.emit("warn", f"The agent is not answering: {why}; the "
                                               f"window keeps asking")
                await asyncio.sleep(1.0)
            except Exception as exc:  # noqa: BLE001 - a restart or an outage: keep trying
                # Queries need a worker: during a crash's recovery they fail for seconds,
                # and the recovery narration must not be drowned by that: said after 5 s,
                # then every 30 s, not every second.
                now = time.monotonic()
                failing_since = failing_since or now
                if (now - failing_since > 5 and not self.c.recovery.recovering
                        and now - said_at > OUTAGE_NOTICE_EVERY_S):
                    said_at = now
                    self.c.notice.emit("warn", f"cannot read the agent: "
                                               f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(1.0)
                continue
            beat += 1
            await asyncio.sleep(POLL_S)

    async def _read_state(self, seen_total: int, beat: int) -> int:
        client, wid = self.c.client, self.workflow_id
        # The three queries run together, each with a timeout: one slow answer must not
        # hold the others (they used to be awaited one after another, unbounded).
        want_work = beat % 2 == 0
        state, work = await asyncio.gather(
            self._query(lambda: client.state(wid)),
            self._query(lambda: client.pending_work(wid)) if want_work else _none())
        if self.closed:
            return seen_total
        if self.silent:  # said as the phase comes back, not after the other queries
            self.silent = False
            self.c.notice.emit("ok", "the agent answers again")
            self.c.agent_answering.emit(wid, True, "")
        if work is not None:
            timers = [{"timer": text} for text in self.c.history.tree.open_timers()]
            self.c.pending_work_changed.emit(work + timers)
        self.c.state = state
        if beat % ENDPOINTS_EVERY == 0:
            self._read_endpoints()
        if state.phase.value == "discovering":  # the backtests' progress, per candidate
            progress = await self._query(
                lambda: client.agent_discovery_progress(wid, state.symbols))
            if not self.closed:
                self.c.discovery_changed.emit(progress)
        self.c.state_changed.emit(state)
        fresh = state.decisions_total - seen_total
        # Newest first; a few already seen are re-read because their approval or order
        # may have changed since.
        page = await self._query(
            lambda: client.decisions(wid, limit=min(500, fresh + 10)))
        if self.closed:
            return seen_total
        if page.decisions:
            self.c.decisions_changed.emit(page.decisions)
        trades = tuple(p.trade_id for p in state.pending)
        if trades != self._open_trades:
            self._open_trades = trades
            self.c.approvals_changed.emit(wid, list(state.pending))
        return state.decisions_total

    def _read_endpoints(self) -> None:
        """What each model endpoint supports, as the workers probed it (a small file in
        the home, through the client facade): the status bar shows the agent's."""
        records = self.c.client.model_endpoints(self.c.home)
        if records != self._endpoints:
            self._endpoints = records
            self.c.model_endpoints_changed.emit(records)

    # ---------------------------------------------------------------- the history

    async def _follow_history(self) -> None:
        from engine.eventtree.records import epoch_of, event_name

        run_id, said = None, False
        while not self.closed:
            try:
                run_id = run_id or await self._query(
                    lambda: self.c.client.current_run_id(self.workflow_id))
                received = 0
                async for run, event in self.c.client.stream_history_json(self.workflow_id,
                                                                          run_id):
                    if self.closed:
                        return
                    run_id = run
                    self.c.pump.push(run, event)
                    received += 1
                    if received % 100 == 0:
                        await asyncio.sleep(0)  # a 1,000-event page must not hold the loop
                    if self.c.recovery.watch is not None:
                        self.c.recovery.on_event(event_name(event.get("eventType", "")),
                                                 epoch_of(event.get("eventTime", "")))
                return  # the agent closed
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the tree ignores events it has seen
                if not said and not self.c.recovery.recovering:
                    said = True  # once per outage: the state poll says the rest
                    self.c.notice.emit("warn", f"history stream interrupted: {exc}; "
                                               f"reconnecting")
                await asyncio.sleep(1.0)

    def load_earlier_run(self) -> None:
        """The run before the oldest one shown (a long-lived agent opens at its latest)."""
        if self.loading_run is not None:
            self.c.request_failed.emit("earlier_run", f"already loading run {self.loading_run}")
            return
        run_id = self.c.history.tree.previous_run_id()
        if run_id is None:
            self.c.request_failed.emit("earlier_run",
                                       "the oldest run shown is the agent's first")
            return
        self.loading_run = run_id

        async def load():
            try:
                self.c.pump.drain()
                self.c.history.tree.prepend_run(run_id)
                count = 0
                async for run, event in self.c.client.stream_history_json(
                        self.workflow_id, run_id, follow_runs=False):
                    if self.closed:
                        return
                    self.c.pump.push(run, event)
                    count += 1
                    if count % 100 == 0:
                        await asyncio.sleep(0)
                self.c.request_done.emit("earlier_run", f"loaded run {run_id}: {count} events")
            finally:
                self.loading_run = None

        self.spawn(load(), "earlier_run")


async def _none():
    return None
