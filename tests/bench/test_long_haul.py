"""The short version of bench/long_haul.py (issue 17): the same runtime, polling and kills,
a few thousand ticks, the same checks but no timing assertion (the machine is shared).

Checked: every target the bench reports. Every window's figures exist; the carry stays
under 256 KiB and is flat once the kept journal and equity are full (smaller here than the
defaults, so that happens within the run); the broker journal on disk is flat (settled
orders pruned, compacted while it runs); the reconciliation snapshot stays under 64 KiB;
the task proxy never holds more tokens than the one agent has tasks in flight; no
client_order_id twice at the broker (every order it took was seen); the book equals the
broker to the cent. Not asserted here: the RSS and events-per-run flatness (a 2,000-tick run
with kills restarts those processes mid-window) and any timing.
"""

from __future__ import annotations

import json

import pytest

from bench.long_haul import run
from engine.runtime.home import logs_dir

TICKS, WINDOW = 2_000, 400
KILLS = {"worker-1": 4, "mockoon": 1, "temporal": 1}
LOG_CAP = 512 * 1024  # small, so that the logs are trimmed under the kills and restarts


@pytest.mark.timeout(1800)  # minutes on an idle machine; far more on a loaded one
async def test_long_haul_short(tmp_path):
    windows: list[dict] = []
    final = await run(TICKS, WINDOW, seed=17, kills=KILLS, printer=windows.append,
                      home=tmp_path, log_cap_bytes=LOG_CAP, journal_keep=100, equity_keep=200)
    print(json.dumps(final))  # the figures, for whoever reads the test log
    assert final["phase"] == "finished" and final["ticks"] == TICKS, final["pause_reason"]
    assert [k["service"] for k in final["kills"] if k["killed"]].count("worker-1") == 4
    assert final["restarts"]["temporal"] == 1 and final["restarts"]["mockoon"] == 1
    assert final["orders"] >= TICKS // 2, "an order on most ticks"
    assert final["approvals"].get("approved", 0) > 0, "approvals decided by policy"
    assert len(windows) == TICKS // WINDOW
    for window in windows:
        assert window["samples"] > 0 and window["max_carry_bytes"] > 0, window
        assert window["rss_kib_worker"] > 0 and window["rss_kib_temporal"] > 0, window
    targets = final["targets"]
    assert targets["carry_at_most_256_kib"], final["largest"]
    assert final["flatness"]["max_carry_bytes"] <= 1.1, final["flatness"]
    assert final["flatness"]["journal_bytes"] <= 1.1, (final["flatness"], windows)
    assert targets["snapshot_at_most_64_kib"], final["largest"]
    assert final["broker"]["orders_held"] <= 110, final["broker"]  # pruned: 100 settled kept
    assert targets["proxy_tokens_at_most_in_flight"], final["largest"]
    assert final["broker"]["orders"] >= final["orders_filled"], final["broker"]
    assert targets["no_duplicate_client_order_ids"], final["broker"]
    assert targets["book_equals_broker_to_the_cent"], (final["book"], final["broker"])
    assert targets["every_log_within_its_cap"], final["largest"]
    assert list(logs_dir(tmp_path).glob("*.log.1")), "the logs passed their cap: trimmed"
