"""Discovery sees only the bars before the agent's start date (the real Mockoon tape)."""

from __future__ import annotations

import httpx
import pytest

from engine.discovery.bars import PAGE, bars_before, bars_csv


@pytest.fixture
async def market(engine_settings):
    async with httpx.AsyncClient(base_url=engine_settings.mockoon_url, timeout=10) as http:
        yield http


async def test_no_bar_on_or_after_the_start_date(market):
    bars = await bars_before(market, "AAPL", "2004-01-02")
    dates = [b["t"][:10] for b in bars]
    assert dates and dates[-1] < "2004-01-02"
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    # The day before the start is there: nothing before the start is withheld either.
    calendar = (await market.get("/v2/calendar")).json()["dates"]
    assert dates[-1] == calendar[calendar.index("2004-01-02") - 1]
    assert dates[0] == calendar[0]


async def test_pages_join_without_gaps(market):
    bars = await bars_before(market, "MSFT", "2010-01-04")
    assert len(bars) > 2 * PAGE  # three pages
    indices = [int(b["i"]) for b in bars]
    assert indices == list(range(indices[0], indices[0] + len(indices)))
    assert bars[-1]["t"][:10] < "2010-01-04"


async def test_a_start_on_a_non_trading_day_cuts_before_it(market):
    bars = await bars_before(market, "AAPL", "2004-01-01")  # a holiday
    assert bars[-1]["t"][:10] < "2004-01-01"


async def test_nothing_before_the_first_bar(market):
    assert await bars_before(market, "AAPL", "2000-01-01") == []
    assert await bars_before(market, "NOPE", "2004-01-02") == []


def test_csv_has_the_runner_columns():
    text = bars_csv([{"t": "2001-01-02T00:00:00Z", "o": 1, "h": 2, "l": 0.5, "c": 1.5, "v": 10}])
    assert text.splitlines() == ["date,open,high,low,close,volume", "2001-01-02,1,2,0.5,1.5,10"]
