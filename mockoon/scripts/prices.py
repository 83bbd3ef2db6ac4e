"""Daily bars from the Quandl WIKI prices shipped in `bokeh_sampledata`, split/dividend adjusted."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

SYMBOLS = ("AAPL", "IBM", "MSFT", "GOOG")
# The market clock is the trading calendar these three share (they all span 2000-03-01..2013-03-01).
CALENDAR_SYMBOLS = ("AAPL", "IBM", "MSFT")
PRICE_DECIMALS = 4


@dataclass(frozen=True)
class Bar:
    date: str
    open: float
    high: float
    low: float
    close: float
    volume: int


def stocks_csv_path() -> Path:
    import bokeh_sampledata  # imported lazily: only the generator needs it

    return Path(bokeh_sampledata.__file__).parent / "_data" / "stocks.csv.gz"


def adjusted_bar(row: dict[str, str]) -> Bar:
    """Scale OHLC by AdjClose/Close so splits and dividends do not show up as price jumps."""
    factor = float(row["Adj Close"]) / float(row["Close"])

    def price(column: str) -> float:
        return round(float(row[column]) * factor, PRICE_DECIMALS)

    # Volume moves the other way: a 2:1 split doubles the share count of the same turnover.
    volume = int(round(float(row["Volume"]) / factor))
    return Bar(row["Date"], price("Open"), price("High"), price("Low"), price("Close"), volume)


def load_bars(path: Path | None = None) -> dict[str, list[Bar]]:
    """Adjusted bars per symbol in ascending date order."""
    series: dict[str, list[Bar]] = {symbol: [] for symbol in SYMBOLS}
    with gzip.open(path or stocks_csv_path(), "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Ticker"] in series:
                series[row["Ticker"]].append(adjusted_bar(row))
    for bars in series.values():
        bars.sort(key=lambda bar: bar.date)
    return series


def market_calendar(series: dict[str, list[Bar]]) -> list[str]:
    """Index -> date. Fails loudly if the calendar symbols disagree (the data would be corrupt)."""
    calendars = {symbol: [bar.date for bar in series[symbol]] for symbol in CALENDAR_SYMBOLS}
    reference = calendars[CALENDAR_SYMBOLS[0]]
    for symbol, dates in calendars.items():
        if dates != reference:
            raise ValueError(f"{symbol} and {CALENDAR_SYMBOLS[0]} trade on different calendars")
    known = set(reference)
    for symbol, bars in series.items():
        stray = [bar.date for bar in bars if bar.date not in known]
        if stray:
            raise ValueError(f"{symbol} has bars off the market calendar, e.g. {stray[0]}")
    return reference
