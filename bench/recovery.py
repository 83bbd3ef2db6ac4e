"""Recovery benchmark: kill to next progress, per runtime configuration, side by side.

Each configuration gets its own runtime and the same experiment (engine/chaos_run.py):
the agent runs --ticks fast ticks once undisturbed and once while the target is
SIGKILLed --kills times at seeded random moments; progress is the first event a live
worker writes into the history after the kill. Beside it, per kill, what a user sees: a
second client polling `state` every 50 ms from the kill to its first answer
(`first_query_*`) and to the first answer showing a later tick (`tick_seen_moving_*`).
Prints one JSON object (bench/results.py adds the load average before and after):

    python bench/recovery.py [--kills 20] [--ticks 200] [--seed 1] [--server]

Configurations (the agent's tuned timeouts in all but the first: 2 s workflow tasks, 1 s
sticky queue, 2 s model-call heartbeats):
  sdk_defaults        the baseline: one worker, the SDK's defaults (10 s workflow tasks,
                      5 s sticky queue, no model-call heartbeat; the order activity keeps
                      its heartbeat, which lives in the workflow code)
  tuned               one worker; a dead one is restarted (its start-up is on the path)
  standby             two workers polling; the survivor takes over when timeouts expire
  standby_failover    two workers, and the supervisor fails the dead worker's activities
                      and started workflow tasks over (the task proxy saw their tokens)
                      and resets its sticky queues the moment it dies
  standby_failover_unhedged       the same, the observing client asking each query once
  standby_failover_coarse_timers  the same, on a dev server with its default timer
                      shift (timers under 1 s, such as a failed-over activity's retry,
                      fire after about 1 s)
  standby_failover_spawned_restarts  the same, the killed worker spawned again (it
                      imports beside the standby's take-over) instead of forked from the
                      worker zygote (engine/runtime/worker_forks.py)
  standby_failover_sticky_polls_cancelled  the same, the dead worker's sticky-queue polls
                      cancelled at its failover like its others (engine/runtime/
                      task_proxy.py TaskProxy.retire)
  standby_failover_tick_bounded_runs  the same, the agent's runs bounded in ticks only
                      (25), not also in events (engine/workflows/run_length.py)
With --server, also `server`: the dev server killed instead (restarted on its SQLite file).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/recovery.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import add_save_flag, emit
from engine.cli.chaos import chaos_on_new_runtime
from engine.contracts import AgentConfig
from engine.models import RiskLimits

CONFIGURATIONS = {
    "sdk_defaults": {"workers": 1, "failover": False, "timeouts": "sdk-default"},
    "tuned": {"workers": 1, "failover": False},
    "standby": {"workers": 2, "failover": False},
    "standby_failover": {"workers": 2, "failover": True},
    # The same, the observing client asking each query once (engine/hedged.py off).
    "standby_failover_unhedged": {"workers": 2, "failover": True, "hedge": False},
    # The same, on a dev server whose timers under 1 s fire after about 1 s (its default;
    # engine/runtime/temporal_server.py PRECISE_TIMER_FLAGS): a failed-over activity's
    # retry waits that second.
    "standby_failover_coarse_timers": {"workers": 2, "failover": True,
                                       "precise_timers": False},
    # The same, the killed worker spawned again (importing the Agents SDK, 1.7 s of CPU,
    # beside the standby taking over) instead of forked from the worker zygote.
    "standby_failover_spawned_restarts": {"workers": 2, "failover": True,
                                          "fork_workers": False},
    # The same, the dead worker's sticky-queue polls cancelled at its failover like the
    # others (a task handed to one then was lost, or waited out the sticky timeout).
    "standby_failover_sticky_polls_cancelled": {"workers": 2, "failover": True,
                                                "keep_dead_sticky_polls": False},
    # The same, the agent's runs bounded in ticks only (continue_as_new_every), as before
    # runs were also bounded in events: a take-over replays up to 25 ticks of history.
    "standby_failover_tick_bounded_runs": {"workers": 2, "failover": True,
                                           "agent": {"continue_as_new_events": 10**9}},
}
KEYS = ("kills", "median_ms", "p95_ms", "recoveries_ms",
        # What the user sees (engine/chaos_observe.py), per kill, beside the history's figure.
        "first_query_median_ms", "first_query_p95_ms", "first_query_ms",
        "tick_seen_moving_median_ms", "tick_seen_moving_p95_ms", "tick_seen_moving_ms",
        "duplicate_orders", "orders_unseen", "lost_ticks", "final_state_equal",
        "replay_ms_per_tick")


async def bench(ticks: int, kills: int, seed: int, server: bool,
                can_every: int | None = None, only: str = "") -> dict:
    symbols = ["AAPL", "MSFT"]
    config = AgentConfig(symbols=symbols, start_date="2004-01-02", max_ticks=ticks, seed=seed,
                         limits=RiskLimits(approval_notional=1e12, allowed_symbols=symbols))
    if can_every:
        config = config.model_copy(update={"continue_as_new_every": can_every})
    runs = dict(CONFIGURATIONS)
    if server:
        runs["server"] = {"workers": 2, "failover": True, "target": "server"}
    if only:
        runs = {name: runs[name] for name in only.split(",")}
    report: dict = {"ticks": ticks, "kills_per_configuration": kills, "seed": seed,
                    "symbols": symbols, "continue_as_new_every": config.continue_as_new_every,
                    "continue_as_new_events": config.continue_as_new_events}
    for name, options in runs.items():
        with tempfile.TemporaryDirectory(prefix=f"harness-recovery-{name}-") as home:
            agent = config.model_copy(update=options.get("agent", {}))
            result = await chaos_on_new_runtime(
                Path(home), agent, kills=kills, seed=seed,
                target=options.get("target", "worker"), workers=options["workers"],
                failover=options["failover"], timeouts=options.get("timeouts", "tuned"),
                hedge=options.get("hedge", True),
                precise_timers=options.get("precise_timers", True),
                fork_workers=options.get("fork_workers", True),
                keep_dead_sticky_polls=options.get("keep_dead_sticky_polls", True),
            )
        report[name] = {k: result[k] for k in KEYS}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--continue-as-new-every", type=int, default=None,
                        help="the agent's run length in ticks (default: the agent's default)")
    parser.add_argument("--server", action="store_true", help="also kill the dev server")
    parser.add_argument("--only", default="", help="comma-separated configurations to run")
    add_save_flag(parser)
    args = parser.parse_args()
    report = asyncio.run(bench(args.ticks, args.kills, args.seed, args.server,
                               args.continue_as_new_every, args.only))
    emit(report, args)


if __name__ == "__main__":
    main()
