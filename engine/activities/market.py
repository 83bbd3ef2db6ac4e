"""Market and news drivers: read-only HTTP calls to the market-data API.

Reads are idempotent, so the workflow may run `load_calendar` and
`fetch_tick_context` as local activities. `get_quote` and `get_news` are the
agent's tools (activities via `activity_as_tool`); the workflow injects the
market clock into them, so a model can never ask for a bar from the future.
"""

# No `from __future__ import annotations` here: activity_as_tool reads the tool
# methods' type hints at run time, through a partial that has no module globals.
import asyncio
import bisect

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from engine.activities.http import ServiceClients, check, unreachable
from engine.agent.reports import NewsItem, NewsReport, QuoteReport
from engine.config import Settings
from engine.contracts import (
    CalendarInfo,
    CalendarRequest,
    MarketClock,
    TickContext,
    TickRequest,
    ToolReadsRequest,
)
from engine.models import Bar, Headline, Quote

FAST_WINDOW = 5
SLOW_WINDOW = 20


class MarketActivities:
    def __init__(self, settings: Settings, clients: ServiceClients | None = None) -> None:
        self._settings = settings
        self._clients = clients or ServiceClients(settings.http_timeout_s)

    # ------------------------------------------------------------ HTTP

    async def _get(self, base: str, path: str, params: dict | None = None) -> httpx.Response:
        try:
            return await self._clients.get(base).get(path, params=params)
        except httpx.HTTPError as exc:
            raise unreachable("market data", base, exc) from exc

    async def _bars(self, symbol: str, end_index: int, limit: int) -> list[Bar]:
        response = await self._get(
            self._settings.market_base,
            f"/v2/stocks/{symbol}/bars",
            {"end_index": end_index, "limit": limit},
        )
        if response.status_code == 404:
            return []  # the symbol has no bars this early (GOOG before 2004)
        check("market data", response)
        return [_bar(raw) for raw in response.json().get("bars", [])]

    async def _quote(self, symbol: str, index: int) -> Quote | None:
        bars, raw = await asyncio.gather(
            self._bars(symbol, index, 1), self._raw_quote(symbol, index)
        )
        return _quote_from(symbol, index, {bar.index: bar for bar in bars}, raw)

    async def _raw_quote(self, symbol: str, index: int) -> dict | None:
        response = await self._get(
            self._settings.market_base, f"/v2/stocks/{symbol}/quotes/latest", {"index": index}
        )
        if response.status_code == 404:
            return None
        return check("market data", response).json()["quote"]

    async def _headlines(self, symbol: str, index: int) -> list[Headline]:
        response = await self._get(
            self._settings.news_base, "/v1beta1/news", {"symbols": symbol, "index": index}
        )
        if response.status_code == 404:
            return []
        check("news", response)
        return [
            Headline(
                id=str(item["id"]),
                symbol=symbol,
                date=str(item.get("created_at", ""))[:10],
                headline=str(item["headline"]),
                sentiment=max(-1.0, min(1.0, float(item.get("sentiment", 0.0)))),
            )
            for item in response.json().get("news", [])
        ]

    # ------------------------------------------------------------ activities

    @activity.defn(name="load_calendar")
    async def load_calendar(self, request: CalendarRequest) -> CalendarInfo:
        """Resolve a start date to a bar index (the first bar on or after it)."""
        response = check("market data", await self._get(self._settings.market_base, "/v2/calendar"))
        dates: list[str] = response.json()["dates"]
        if len(dates) < 2:
            raise ApplicationError("the calendar has fewer than two bars", non_retryable=True)
        start = 0
        if request.start_date:
            start = bisect.bisect_left(dates, request.start_date)
            if start >= len(dates):
                raise ApplicationError(
                    f"start date {request.start_date} is after the last bar ({dates[-1]})",
                    type="InvalidStartDate",
                    non_retryable=True,
                )
        return CalendarInfo(
            start_index=start, bar_count=len(dates), first_date=dates[0], last_date=dates[-1]
        )

    @activity.defn(name="fetch_tick_context")
    async def fetch_tick_context(self, request: TickRequest) -> TickContext:
        """Quotes and today's headlines for every symbol, fetched concurrently."""
        index = request.clock.bar_index()
        quotes, news = await asyncio.gather(
            asyncio.gather(*(self._quote(s, index) for s in request.symbols)),
            asyncio.gather(*(self._headlines(s, index) for s in request.symbols)),
        )
        context = TickContext(index=index, date="")
        for symbol, quote, headlines in zip(request.symbols, quotes, news, strict=True):
            if quote is None:
                context.missing.append(symbol)
                continue
            context.quotes[symbol] = quote
            context.headlines[symbol] = headlines
            context.date = quote.date
        return context

    @activity.defn(name="get_quote")
    async def get_quote(self, symbol: str, clock: MarketClock) -> str:
        """Latest price of a stock with its recent trend (5- and 20-bar means, 20-bar range)."""
        symbol = symbol.strip().upper()
        report = await self.quote_report(symbol, clock)
        if report is None:
            return f"No quote for {symbol} at this date: unknown symbol or not listed yet."
        return report.model_dump_json()

    @activity.defn(name="get_news")
    async def get_news(self, symbol: str, clock: MarketClock) -> str:
        """Today's news headlines about a stock, each with a sentiment score in [-1, 1]."""
        symbol = symbol.strip().upper()
        headlines = await self._headlines(symbol, clock.bar_index())
        items = [NewsItem(headline=h.headline, sentiment=h.sentiment) for h in headlines]
        mean = sum(i.sentiment for i in items) / len(items) if items else 0.0
        date = headlines[0].date if headlines else ""
        return NewsReport(
            symbol=symbol, date=date, headlines=items, mean_sentiment=round(mean, 3)
        ).model_dump_json()

    @activity.defn(name="read_tools")
    async def read_tools(self, request: ToolReadsRequest) -> list[str]:
        """Every read-only tool call of one model turn, concurrently, in one local activity
        (engine/agent/read_batch.py): the results in the order of the calls."""
        tools = {"get_quote": self.get_quote, "get_news": self.get_news}
        unknown = sorted({r.tool for r in request.reads} - tools.keys())
        if unknown:
            raise ApplicationError(f"not a read-only tool: {', '.join(unknown)}",
                                   non_retryable=True)
        return list(await asyncio.gather(
            *(tools[r.tool](r.symbol, request.clock) for r in request.reads)
        ))

    async def quote_report(self, symbol: str, clock: MarketClock) -> QuoteReport | None:
        # The last 20 ticks in clock order (the clock may be playing the tape backwards).
        ticks = range(clock.tick - SLOW_WINDOW + 1, clock.tick + 1)
        indices = [clock.bar_index(t) for t in ticks]
        low, high = min(indices), max(indices)
        # The window already holds today's bar: only the bid/ask needs its own request.
        now = clock.bar_index()
        bars, raw = await asyncio.gather(
            self._bars(symbol, high, high - low + 1), self._raw_quote(symbol, now)
        )
        by_index = {bar.index: bar for bar in bars}
        quote = _quote_from(symbol, now, by_index, raw)
        if quote is None:
            return None
        window = [by_index[i] for i in indices if i in by_index]
        return build_quote_report(quote, window)


def build_quote_report(quote: Quote, window: list[Bar]) -> QuoteReport:
    """Indicators over the bars in clock order, the last one being 'now'."""
    closes = [bar.close for bar in window] or [quote.last]
    fast = closes[-FAST_WINDOW:]
    previous = closes[-2] if len(closes) >= 2 else closes[-1]
    return QuoteReport(
        symbol=quote.symbol,
        date=quote.date,
        last=quote.last,
        bid=quote.bid,
        ask=quote.ask,
        change_pct=round((closes[-1] / previous - 1.0) * 100.0, 3) if previous else 0.0,
        sma_fast=round(sum(fast) / len(fast), 4),
        sma_slow=round(sum(closes) / len(closes), 4),
        high_20=max(bar.high for bar in window) if window else quote.last,
        low_20=min(bar.low for bar in window) if window else quote.last,
        bars=len(closes),
    )


def _quote_from(symbol: str, index: int, bars: dict[int, Bar], raw: dict | None) -> Quote | None:
    """Today's quote: the bar's close is the last price, the quote gives bid and ask."""
    bar = bars.get(index)
    if bar is None or raw is None:
        return None
    return Quote(
        symbol=symbol, index=index, date=bar.date, last=bar.close,
        bid=float(raw["bp"]), ask=float(raw["ap"]),
    )


def _bar(raw: dict) -> Bar:
    return Bar(
        index=int(raw["i"]), date=str(raw["t"])[:10], open=float(raw["o"]), high=float(raw["h"]),
        low=float(raw["l"]), close=float(raw["c"]), volume=int(raw["v"]),
    )
