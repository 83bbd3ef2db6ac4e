"""Two fresh Mockoon processes, same seed, same requests: byte-identical answers, but for
the wall-clock times an order carries (`submitted_at`, ... as Alpaca's; ?after= and ?until=
filter on them), each replaced by its field's name."""

from __future__ import annotations

import re

import httpx

from tests.mockoon.conftest import running_mockoon
from tests.mockoon.test_broker import order

SCRIPT = [
    # A broker on its own stays closed (503) until reset, or restored by the runtime.
    ("POST", "/__harness/reset", {}),
    ("GET", "/v2/stocks/IBM/bars", {"params": {"end_index": 2000, "limit": 50}}),
    ("GET", "/v2/stocks/GOOG/quotes/latest", {"params": {"index": 3000}}),
    ("GET", "/v1beta1/news", {"params": {"symbols": "AAPL,MSFT,IBM,GOOG", "index": 2500}}),
    ("POST", "/v2/orders", {"json": order("d1")}),
    ("POST", "/v2/orders", {"json": order("d1")}),
    ("POST", "/v2/orders", {"json": order("d2", side="sell", qty=3)}),
    ("PUT", "/__harness/faults", {"json": {"status": 503, "count": 1}}),
    ("POST", "/v2/orders", {"json": order("d3")}),
    ("POST", "/v2/orders", {"json": order("d3")}),
    ("GET", "/v2/orders", {}),
    ("GET", "/v2/account", {"params": {"index": 3000}}),
    ("GET", "/v2/positions", {"params": {"index": 3000}}),
]


WALL_CLOCK = re.compile(rb'"(created|submitted|filled|updated|canceled)_at":"[^"]+"')


def transcript(base_url: str) -> list[tuple[int, bytes]]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        answers = [(r.status_code, r.content)
                   for r in (client.request(m, p, **kw) for m, p, kw in SCRIPT)]
    stamped = [body for _, body in answers if b'"submitted_at":"20' in body]
    assert len(stamped) >= 4, "every order placed carries its submission time"
    return [(status, WALL_CLOCK.sub(rb'"\1_at":"T"', body)) for status, body in answers]


def test_same_seed_same_requests_same_bytes(tmp_path):
    answers, startup = [], []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        with running_mockoon(tmp_path / run, seed=42) as (base_url, seconds):
            startup.append(seconds)
            answers.append(transcript(base_url))
    print(f"\nmockoon spawn -> first 200 on /v2/calendar: {startup[0]:.2f}s, {startup[1]:.2f}s")
    assert answers[0] == answers[1]
    assert [status for status, _ in answers[0]] == [200, 200, 200, 200, 200, 422, 200, 200, 503,
                                                   200, 200, 200, 200]
