"""Asking again when a read is late (engine/hedged.py): when, and which answer wins."""

from __future__ import annotations

import asyncio

import pytest

from engine.hedged import HEDGE_AFTER_S, HEDGE_FLOOR_S, HedgeDelay, hedged


def test_the_wait_is_three_times_the_median_answer_within_its_bounds() -> None:
    delay = HedgeDelay()
    assert delay.after() == HEDGE_AFTER_S  # nothing seen yet: the longest wait
    for seconds in (0.040, 0.050, 0.060):
        delay.record(seconds)
    assert delay.after() == pytest.approx(0.150)
    for _ in range(3):
        delay.record(0.005)  # a quiet machine: never below the floor
    assert delay.after() == HEDGE_FLOOR_S
    for _ in range(10):
        delay.record(0.4)  # a loaded one: never above the ceiling given
    assert delay.after(0.3) == 0.3


def test_a_few_slow_answers_around_a_kill_do_not_move_the_wait() -> None:
    delay = HedgeDelay()
    for _ in range(20):
        delay.record(0.010)
    for _ in range(3):
        delay.record(1.4)  # the answers that waited out a dead worker's sticky queue
    assert delay.after() == HEDGE_FLOOR_S


def test_old_answers_are_forgotten() -> None:
    delay = HedgeDelay(keep=4)
    for _ in range(4):
        delay.record(0.2)
    for _ in range(4):
        delay.record(0.01)
    assert delay.after() == HEDGE_FLOOR_S


async def test_a_late_first_ask_is_asked_again_and_the_first_answer_wins() -> None:
    asked: list[str] = []

    async def ask() -> str:
        asked.append("ask")
        if len(asked) == 1:
            await asyncio.Event().wait()  # stuck on a dead worker's sticky queue
        return "second"

    assert await asyncio.wait_for(hedged(ask, 0.01), 5) == "second"
    assert len(asked) == 2


async def test_a_prompt_answer_is_asked_once() -> None:
    asked: list[int] = []

    async def ask() -> int:
        asked.append(1)
        return 7

    assert await hedged(ask, 0.5) == 7 and len(asked) == 1


async def test_when_both_asks_fail_the_first_error_is_raised() -> None:
    second_failed = asyncio.Event()
    asks = iter(("first", "second"))

    async def ask() -> None:
        if next(asks) == "first":
            await second_failed.wait()  # late, and then fails after the second did
            raise LookupError("first")
        second_failed.set()
        raise ValueError("second")

    with pytest.raises(LookupError, match="first"):
        await hedged(ask, 0.01)


async def test_a_query_that_reached_a_dead_worker_is_asked_again_at_once() -> None:
    """The failover answers such a query ASK_AGAIN in a few ms: the second ask goes out
    then, not after the wait (a minute here), and its answer wins."""
    from engine.hedged import ASK_AGAIN

    answers = iter((RuntimeError(f"query failed: {ASK_AGAIN}"), "second"))

    async def ask() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await asyncio.wait_for(hedged(ask, 60.0), 5) == "second"


async def test_another_early_error_is_not_asked_again() -> None:
    asked: list[int] = []

    async def ask() -> None:
        asked.append(1)
        raise LookupError("no such agent")

    with pytest.raises(LookupError):
        await hedged(ask, 60.0)
    assert len(asked) == 1


async def test_an_unhedged_read_is_asked_again_only_when_its_worker_died() -> None:
    from engine.hedged import ASK_AGAIN, again_if_worker_died

    answers = iter((RuntimeError(ASK_AGAIN), "page"))

    async def ask() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await again_if_worker_died(ask) == "page"
    with pytest.raises(RuntimeError, match="ask again"):  # twice: the second error stands
        await again_if_worker_died(lambda: _raise(RuntimeError(ASK_AGAIN)))


async def _raise(error: Exception) -> None:
    raise error
