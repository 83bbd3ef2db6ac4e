"""Market data: the calendar, bars, latest bar/quote, and no answer ever reaches past index N."""

from __future__ import annotations

import pytest

SYMBOLS = ("AAPL", "IBM", "MSFT", "GOOG")
BAR_KEYS = {"t", "o", "h", "l", "c", "v", "i"}


def test_calendar_is_the_market_clock(api):
    dates = api.get("/v2/calendar").json()["dates"]
    assert len(dates) == 3270 and dates[0] == "2000-03-01" and dates[-1] == "2013-03-01"
    assert dates == sorted(set(dates))


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("end,limit", [(0, 5), (1, 3), (1500, 1), (1500, 250), (3269, 1000)])
def test_bars_stop_at_end_index(api, symbol, end, limit):
    answer = api.get(f"/v2/stocks/{symbol}/bars", params={"end_index": end, "limit": limit})
    assert answer.status_code == 200
    body = answer.json()
    assert body["symbol"] == symbol and body["next_page_token"] is None
    indexes = [bar["i"] for bar in body["bars"]]
    assert all(set(bar) == BAR_KEYS for bar in body["bars"])
    assert indexes == sorted(indexes) and all(i <= end for i in indexes)
    first_goog = 1122  # GOOG's first bar, 2004-08-19
    lowest = max(end - limit + 1, first_goog if symbol == "GOOG" else 0)
    assert indexes == list(range(lowest, end + 1))


def test_bars_fields_dates_and_adjustment(api):
    dates = api.get("/v2/calendar").json()["dates"]
    bars = api.get("/v2/stocks/aapl/bars", params={"end_index": 10, "start_index": 8}).json()
    assert [b["t"] for b in bars["bars"]] == dates[8:11]
    first = api.get("/v2/stocks/AAPL/bars", params={"end_index": 0}).json()["bars"][0]
    # Raw close 130.31 with 2000's splits since: the adjusted close is around $4.19.
    assert first == {"t": "2000-03-01", "o": 3.8092, "h": 4.2429, "l": 3.8072, "c": 4.1867,
                     "v": 299301389, "i": 0}


def test_goog_has_no_bar_before_its_listing(api):
    assert api.get("/v2/stocks/GOOG/bars", params={"end_index": 10}).json()["bars"] == []
    missing = api.get("/v2/stocks/GOOG/bars/latest", params={"index": 10})
    assert missing.status_code == 404 and missing.json()["code"] == 40410000


@pytest.mark.parametrize("path,params,status", [
    ("/v2/stocks/XYZ/bars", {"end_index": 5}, 404),
    ("/v2/stocks/AAPL/bars", {"end_index": 3270}, 404),
    ("/v2/stocks/AAPL/bars", {"end_index": -1}, 404),
    ("/v2/stocks/AAPL/bars", {}, 422),
    ("/v2/stocks/AAPL/bars", {"end_index": 5, "limit": 1001}, 422),
    ("/v2/stocks/AAPL/bars/latest", {"index": 9999}, 404),
    ("/v2/stocks/XYZ/quotes/latest", {"index": 1}, 404),
    ("/v1beta1/news", {"symbols": "AAPL", "index": 3270}, 404),
])
def test_errors_are_alpaca_json(api, path, params, status):
    answer = api.get(path, params=params)
    assert answer.status_code == status
    assert set(answer.json()) == {"code", "message"} and answer.json()["message"]


def test_latest_bar_and_quote_at_index(api):
    bar = api.get("/v2/stocks/MSFT/bars/latest", params={"index": 100}).json()
    assert bar["symbol"] == "MSFT" and bar["bar"]["i"] == 100 and set(bar["bar"]) == BAR_KEYS
    quote = api.get("/v2/stocks/MSFT/quotes/latest", params={"index": 100}).json()["quote"]
    close = bar["bar"]["c"]
    assert quote["t"] == bar["bar"]["t"] and quote["i"] == 100
    assert quote["ap"] == round(close * 1.0002, 4) and quote["bp"] == round(close * 0.9998, 4)
    assert quote["as"] == quote["bs"] == 100


def test_news_only_for_the_asked_bar(api):
    news = api.get("/v1beta1/news", params={"symbols": "AAPL", "index": 1}).json()
    assert news["next_page_token"] is None
    item = news["news"][0]
    assert item["created_at"] == "2000-03-02" and item["symbols"] == ["AAPL"]
    assert -1 <= item["sentiment"] <= 1 and isinstance(item["id"], int) and item["headline"]
    both = api.get("/v1beta1/news", params={"symbols": "AAPL,IBM,XYZ", "index": 1}).json()
    assert item in both["news"]
    assert {s for n in both["news"] for s in n["symbols"]} <= {"AAPL", "IBM"}
    quiet = api.get("/v1beta1/news", params={"symbols": "GOOG", "index": 0}).json()
    assert quiet == {"news": [], "next_page_token": None}
