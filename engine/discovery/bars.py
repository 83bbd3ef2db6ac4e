"""The price bars a discovery may see: every bar of the symbol before the agent's start.

WHY here and not in the workflow: a few thousand bars per candidate would bloat every
child's history; the backtest activity reads them itself, and only its scorecard
travels back. The cut is by date against the market's own calendar, so no bar on or
after the start date can reach a backtest (tests/engine/test_discovery_bars.py).
"""

from __future__ import annotations

import bisect
import io

import httpx
from temporalio.exceptions import ApplicationError

PAGE = 1000  # the market API's largest page


async def bars_before(http: httpx.AsyncClient, symbol: str, start_date: str, *,
                      inclusive: bool = False) -> list[dict]:
    """Bars of `symbol` strictly before `start_date` (through it when `inclusive`: the
    agent's current bar for its live signal), oldest first ([] if none)."""
    calendar = await http.get("/v2/calendar")
    calendar.raise_for_status()
    dates: list[str] = calendar.json()["dates"]
    cut = bisect.bisect_right if inclusive else bisect.bisect_left
    end = cut(dates, start_date) - 1
    out: list[dict] = []
    while end >= 0:
        response = await http.get(f"/v2/stocks/{symbol}/bars",
                                  params={"end_index": end, "limit": PAGE})
        if response.status_code == 404:
            break  # unknown symbol, or none listed this early
        response.raise_for_status()
        page = response.json().get("bars", [])
        out[:0] = page
        if len(page) < PAGE:
            break
        end = int(page[0]["i"]) - 1
    last = out[-1]["t"][:10] if out else ""
    if last > start_date or (last == start_date and not inclusive):  # calendar and bars disagree
        raise ApplicationError(f"bar {out[-1]['t']} is not before {start_date}",
                               non_retryable=True)
    return out


def bars_csv(bars: list[dict]) -> str:
    buffer = io.StringIO()
    buffer.write("date,open,high,low,close,volume\n")
    for b in bars:
        buffer.write(f"{b['t'][:10]},{b['o']},{b['h']},{b['l']},{b['c']},{b['v']}\n")
    return buffer.getvalue()
