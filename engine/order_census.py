"""Every order the embedded broker numbers, seen while it still holds it.

The broker prunes an account's old settled orders (mockoon/README.md), so one listing at the
end of a long run shows only the newest: a client_order_id taken twice long ago would pass
unseen. The census samples the broker's whole state (its test control) all along and keeps,
per client_order_id of the run's prefix, every broker order id it saw. Orders are numbered
by a counter that never goes back (`oseq`, each order's `seq`), so the census also knows how
many orders were numbered that no sample caught: while that is 0, its count of duplicates
is exact.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import httpx

STATE = "/__harness/state"
EVERY_S = 1.0  # an agent places a few orders a second at most; an account keeps 100
FINAL_PATIENCE_S = 60.0  # a SIGKILLed Mockoon is back, its orders restored, well within this


class OrderCensus:
    def __init__(self, broker_url: str | Callable[[], str], prefix: str,
                 every_s: float = EVERY_S) -> None:
        """`broker_url`: the broker's base URL, or a function that answers it at each sample
        (a relaunched app's broker listens on another port)."""
        self._url = broker_url if callable(broker_url) else (lambda: broker_url)
        self._prefix, self._every_s = prefix, every_s
        self.ids: dict[str, set[str]] = {}  # client_order_id -> broker order ids seen
        self._seqs: set[int] = set()  # every order numbered after the first sample, seen
        self._first_oseq: int | None = None
        self._last_oseq = 0
        self.failed_samples = 0
        self._task: asyncio.Task | None = None

    # ------------------------------------------------------------------ figures

    @property
    def twice(self) -> list[str]:
        """The client_order_ids the broker took more than once."""
        return sorted(coid for coid, ids in self.ids.items() if len(ids) > 1)

    @property
    def duplicates(self) -> int:
        """Orders beyond the first for each client_order_id."""
        return sum(len(ids) - 1 for ids in self.ids.values())

    @property
    def seen(self) -> int:
        return sum(len(ids) for ids in self.ids.values())

    @property
    def unseen(self) -> int:
        """Orders numbered since the first sample (any account) that no sample caught."""
        if self._first_oseq is None:
            return 0
        return max(0, self._last_oseq - self._first_oseq - len(self._seqs))

    # ------------------------------------------------------------------ sampling

    def note(self, state: dict) -> None:
        """Take in one `GET /__harness/state` answer."""
        oseq = int(state.get("oseq") or 0)
        if self._first_oseq is None:
            self._first_oseq = oseq
        self._last_oseq = max(self._last_oseq, oseq)
        for order in state.get("orders") or []:
            seq = int(order.get("seq") or 0)
            if seq > self._first_oseq:
                self._seqs.add(seq)
            coid = str(order.get("client_order_id", ""))
            if coid.startswith(self._prefix):
                self.ids.setdefault(coid, set()).add(str(order["id"]))

    async def sample(self, http: httpx.AsyncClient | None = None) -> None:
        """One look at the broker; raises when it cannot be read."""
        if http is None:
            async with httpx.AsyncClient(timeout=10) as own:
                return await self.sample(own)
        answer = await http.get(self._url().rstrip("/") + STATE)
        answer.raise_for_status()
        self.note(answer.json())

    async def _watch(self) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            while True:
                try:
                    await self.sample(http)
                except (httpx.HTTPError, ValueError):  # down for a kill, or restoring
                    self.failed_samples += 1
                await asyncio.sleep(self._every_s)

    async def __aenter__(self) -> OrderCensus:
        await self.sample()  # the starting count: orders numbered before are not ours
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if exc_info[0] is None:
            await self._last_sample()

    async def _last_sample(self, patience_s: float = FINAL_PATIENCE_S) -> None:
        """The last orders and the final count; a broker just killed is given time to come
        back (its restart restores every order it held) before this raises."""
        deadline = asyncio.get_running_loop().time() + patience_s
        while True:
            try:
                return await self.sample()
            except (httpx.HTTPError, ValueError):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                self.failed_samples += 1
                await asyncio.sleep(self._every_s)
