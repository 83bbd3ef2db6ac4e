"""What docs/benchmarks.md shows of each bench's saved report (bench/render_docs.py).

A row names a dotted path into the report; a figure the report lacks is left out, so a
bench run with fewer options still renders. Titles and notes carry no figures: every
number on the page must come from a saved JSON file (tests/docs/test_benchmarks_page.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    label: str
    path: str
    digits: int | None = None  # None: as saved
    unit: str = ""


@dataclass(frozen=True)
class Grid:
    """One line per part of the report (a configuration, a backend), one column per figure."""
    first: str  # the first column's heading
    lines: tuple[tuple[str, str], ...]  # (report key, label)
    columns: tuple[tuple[str, str], ...]  # (key inside each part, heading)


@dataclass(frozen=True)
class Table:
    title: str
    about: str
    rows: tuple[Row, ...]
    more: str = ""
    grid: Grid | None = None


TABLES: dict[str, Table] = {
    "tick": Table(
        "a tick as a plain Python loop and durably on Temporal, side by side",
        "The same agent logic on the same ticks against the same Mockoon services: a plain "
        "loop that keeps its books the same way, and `TradingAgentWorkflow` on the real dev "
        "server, alternating round by round; both legs must decide alike. The floor prices "
        "the tick's steps at no-op round trips on the same server: the ratio a worker that "
        "cost nothing itself would reach.",
        (
            Row("durable / plain, median of the rounds", "ratio"),
            Row("durable / plain, each round", "ratio_per_round"),
            Row("floor: durable / plain for a worker that cost nothing", "floor.ratio_floor"),
            Row("floor, each round", "floor.ratio_floor_per_round"),
            Row("plain loop, ms per tick", "plain_ms_per_tick"),
            Row("durable, ms per tick", "durable_ms_per_tick"),
            Row("overhead per durable step, ms", "overhead_ms_per_step"),
            Row("no-op activity round trip, ms", "floor.activity_round_ms"),
            Row("history events per tick", "events_per_tick"),
            Row("workflow tasks per tick", "workflow_tasks_per_tick"),
            Row("durable steps per tick (activities and local activities)",
                "durable_steps_per_tick"),
            Row("durable ticks per second, long run", "ticks_per_s_1000"),
            Row("flatness of the long run (last tenth / first tenth)", "flatness_1000"),
            Row("same decisions in both legs", "same_decisions"),
            Row("same final book in both legs", "same_summary"),
            Row("ticks per leg", "ticks"),
            Row("rounds", "rounds"),
            Row("symbols", "symbols"),
            Row("workflow runner", "workflow_runner"),
            Row("CPU ms per tick, plain leg", "cpu_ms_per_tick.plain", 1),
            Row("CPU ms per tick, durable leg", "cpu_ms_per_tick.durable", 1),
        ),
        "why the ratio is what it is: [agent.md](agent.md#the-tick).",
    ),
    "recovery": Table(
        "kill to next progress, per runtime configuration, side by side",
        "The same experiment per configuration: the agent runs undisturbed, then again while "
        "its worker is SIGKILLed at seeded moments; progress is the first event a live worker "
        "writes after a kill; beside it, what a second client polling `state` saw: its first "
        "answer and the tick moving. The baseline keeps the SDK's default timeouts and one "
        "worker.",
        (
            Row("ticks per run of the experiment", "ticks"),
            Row("kills per configuration", "kills_per_configuration"),
            Row("seed", "seed"),
            Row("symbols", "symbols"),
            Row("agent run length (continue-as-new), ticks", "continue_as_new_every"),
            Row("agent run length (continue-as-new), history events", "continue_as_new_events"),
        ),
        "how failover works: [runtime.md](runtime.md#active-failover).",
        Grid("configuration", (
            ("sdk_defaults", "SDK default timeouts, one worker"),
            ("tuned", "tuned timeouts, one worker"),
            ("standby", "tuned + hot standby"),
            ("standby_failover", "tuned + standby + active failover"),
            ("standby_failover_unhedged", "the same, each query asked once"),
            ("standby_failover_coarse_timers", "the same, the server's default timer shift"),
            ("standby_failover_spawned_restarts", "the same, a killed worker spawned, not forked"),
            ("standby_failover_sticky_polls_cancelled",
             "the same, the dead worker's sticky polls cancelled"),
            ("standby_failover_tick_bounded_runs", "the same, runs bounded in ticks only"),
            ("server", "the dev server killed instead"),
        ), (
            ("median_ms", "median, ms"),
            ("p95_ms", "p95, ms"),
            ("first_query_median_ms", "first answer, median ms"),
            ("first_query_p95_ms", "first answer, p95 ms"),
            ("tick_seen_moving_p95_ms", "tick seen moving, p95 ms"),
            ("duplicate_orders", "orders twice"),
            ("lost_ticks", "lost ticks"),
            ("final_state_equal", "same book and journal"),
            ("replay_ms_per_tick", "replay, ms per tick"),
        )),
    ),
    "long_haul": Table(
        "a week in an hour: one agent for weeks of ticks, under kills, against the broker",
        "One agent on two symbols through the real runtime (dev server, Mockoon, a worker behind "
        "the task proxy), approvals by policy, a client polling as the window does, and workers, "
        "Mockoon and the dev server SIGKILLed at seeded ticks. Sizes are sampled all along; "
        "flatness is each figure's last window over its second; every order the broker numbered "
        "is seen by a census taken each second.",
        (
            Row("ticks played", "ticks"),
            Row("phase at the end", "phase"),
            Row("orders placed", "orders"),
            Row("orders filled", "orders_filled"),
            Row("restarts per service", "restarts"),
            Row("failover handovers", "failover_handovers"),
            Row("windows of ticks", "windows"),
            Row("every target met", "all_targets_met"),
            Row("book equals broker to the cent", "targets.book_equals_broker_to_the_cent"),
            Row("book cash, $", "book.cash", 2),
            Row("broker cash, $", "broker.cash", 2),
            Row("client_order_id twice at the broker", "broker.client_order_ids_twice"),
            Row("orders the census missed", "broker.orders_unseen"),
            Row("largest carry, bytes", "largest.max_carry_bytes"),
            Row("largest reconciliation snapshot, bytes", "largest.max_snapshot_bytes"),
            Row("most tokens held by the task proxy", "largest.max_proxy_tokens"),
            Row("largest log file, bytes", "largest.max_log_file_bytes"),
            Row("all logs, bytes", "largest.logs_bytes"),
            Row("the dev server's store at the end, bytes", "largest.temporal_db_bytes"),
            Row("flatness: carry", "flatness.max_carry_bytes"),
            Row("flatness: snapshot", "flatness.max_snapshot_bytes"),
            Row("flatness: broker journal", "flatness.journal_bytes"),
            Row("flatness: dev server RSS", "flatness.rss_kib_temporal"),
            Row("flatness: worker RSS", "flatness.rss_kib_worker"),
            Row("flatness: supervisor and client RSS", "flatness.rss_kib_supervisor"),
            Row("flatness: events per run", "flatness.max_events_per_run"),
            Row("flatness: ms per tick", "flatness.ms_per_tick"),
            Row("elapsed, s", "elapsed_s"),
        ),
        "what keeps it flat: [runtime.md](runtime.md#running-for-weeks).",
    ),
    "book_chaos": Table(
        "the book against the broker after random kills of every service",
        "A long run while the worker, Mockoon and the dev server are each SIGKILLed at "
        "seeded random ticks; then the agent's book against the broker's account.",
        (
            Row("ticks played", "ticks"),
            Row("phase at the end", "phase"),
            Row("kills (service, tick)", "kills"),
            Row("restarts per service", "restarts"),
            Row("orders filled", "orders_filled"),
            Row("orders rejected", "orders_rejected"),
            Row("orders failed", "orders_failed"),
            Row("client_order_id twice at the broker", "client_order_ids_twice"),
            Row("book equals broker to the cent", "book_equals_broker_to_the_cent"),
            Row("the agent's own last reconciliation", "book_vs_broker"),
            Row("book cash, $", "book.cash", 2),
            Row("broker cash, $", "broker.cash", 2),
            Row("book positions", "book.positions"),
            Row("broker positions", "broker.positions"),
            Row("elapsed, s", "elapsed_s"),
        ),
        "the book and the broker: [agent.md](agent.md#orders-the-book-and-the-broker).",
    ),
    "startup": Table(
        "cold start of the runtime: seconds until each service is ready",
        "Each run in a fresh home, the children started in parallel as `harness up` does; "
        "medians, tuned dev server and untuned baseline.",
        (
            Row("dev server ready, s", "server_ready_s"),
            Row("Mockoon ready, s", "mockoon_ready_s"),
            Row("worker ready, s", "worker_ready_s"),
            Row("hot standby ready, s", "standby_ready_s"),
            Row("all ready, s", "all_ready_s"),
            Row("untuned dev server ready, s", "baseline.server_ready_s"),
            Row("all ready with the untuned dev server, s", "baseline.all_ready_s"),
            Row("runs (medians above)", "runs"),
            Row("breakdown: Python start-up, s", "breakdown.python_startup_s"),
            Row("breakdown: the worker's imports, s", "breakdown.worker_import_s"),
            Row("breakdown: temporalio client import, s", "breakdown.temporalio_client_import_s"),
            Row("breakdown: plan and validate, s", "breakdown.plan_and_validate_s"),
            Row("breakdown: all ready without a worker, s",
                "breakdown.without_worker.all_ready_s"),
        ),
        "the runtime: [runtime.md](runtime.md).",
    ),
    "relaunch": Table(
        "the app SIGKILLed and launched again on the same home: seconds until it works again",
        "A `harness up` process hosting the runtime, an agent ticking on it; each kill SIGKILLs "
        "that process and launches it again at once. Medians over the kills, beside a cold "
        "start measured in the same run; with an older ref, that ref's app relaunched "
        "alternately on the same home and agent.",
        (
            Row("relaunch to usable (server, Mockoon, worker-1), s", "relaunch_to_usable.median"),
            Row("relaunch to every service ready, s", "relaunch_to_healthy.median"),
            Row("  slowest of the kills, s", "relaunch_to_healthy.max"),
            Row("relaunch to the agent's next tick, s", "relaunch_to_next_tick.median"),
            Row("  slowest of the kills, s", "relaunch_to_next_tick.max"),
            Row("cold start, every service ready, s", "cold_start_all_ready_s.median"),
            Row("older app: the ref", "old.ref"),
            Row("older app: every service ready, s", "old.relaunch_to_healthy.median"),
            Row("older app: next tick, s", "old.relaunch_to_next_tick.median"),
            Row("ratio new/old: every service ready", "ratio_new_to_old.healthy"),
            Row("ratio new/old: next tick", "ratio_new_to_old.next_tick"),
            Row("kills", "kills"),
        ),
        "where the time goes: [runtime.md](runtime.md#the-workers).",
    ),
    "ui": Table(
        "the desktop window: first paint, stalls while history streams, a large history",
        "Offscreen Qt on the real runtime. A stall is the lateness of a short timer while a "
        "fast run streams its history into the tree; its CPU share is the window's own work "
        "within the worst beat, the rest is the machine running other processes.",
        (
            Row("launch to the window's first paint, s", "window_shown_s"),
            Row("worst event-loop stall while streaming, ms", "max_stall_ms"),
            Row("the window's own CPU in that stall, ms", "max_stall_cpu_ms"),
            Row("worst garbage-collection pause, ms", "max_gc_pause_ms"),
            Row("an exported 20k-event history loaded and painted, s", "load_20k_events_s"),
            Row("the same load's CPU, s", "load_20k_events_cpu_s"),
            Row("search on 20k events: a keystroke to the filtered tree painted, median ms",
                "search_20k_ms"),
            Row("that search's CPU, ms", "search_20k_cpu_ms"),
            Row("the worst keystroke, ms", "search_20k_worst_ms"),
            Row("worst stall while typing, ms", "search_max_stall_ms"),
            Row("that stall's CPU, ms", "search_max_stall_cpu_ms"),
            Row("the old method (a proxy filter, expand all) on only 2k events, ms",
                "baseline_proxy_search_2k_ms"),
            Row("memory run (`--rss`): resident memory growth per thousand ticks, MB",
                "rss.rss_mb_per_1000_ticks"),
            Row("memory run: the last thousand ticks' growth over the second thousand's "
                "(target: at most a tenth more)", "rss.rss_last_over_second"),
            Row("memory run: resident memory at tick, MB", "rss.rss_mb_at"),
            Row("memory run: command", "rss.meta.command"),
            Row("memory run: date", "rss.meta.date"),
            Row("memory run: duration, s", "rss.meta.duration_s"),
            Row("memory run: load average at start", "rss.meta.load_avg_start"),
        ),
        "the window's design and targets: [window.md](window.md#structure).",
    ),
    "fanout": Table(
        "strategy discovery: one candidate against many, per sandbox backend",
        "Medians of alternating discoveries with one and with many candidates on a private "
        "runtime; the same with a no-op sandbox shows what the orchestration alone costs.",
        (
            Row("candidates in the many-candidate discovery", "candidates"),
            Row("rounds (medians below)", "rounds"),
            Row("bubblewrap: 8 candidates / 1", "backends.bwrap.ratio"),
            Row("bubblewrap: target ratio", "backends.bwrap.target_ratio"),
            Row("bubblewrap: 1 candidate, s", "backends.bwrap.wall_1_s"),
            Row("bubblewrap: 8 candidates, s", "backends.bwrap.wall_8_s"),
            Row("bubblewrap: sandbox start overhead, s", "backends.bwrap.start_overhead_s"),
            Row("bubblewrap: CPU per candidate (worker, server, Mockoon), s",
                "backends.bwrap.tree_cpu_per_candidate_s"),
            Row("Docker: 8 candidates / 1", "backends.docker.ratio"),
            Row("Docker: target ratio", "backends.docker.target_ratio"),
            Row("Docker: 1 candidate, s", "backends.docker.wall_1_s"),
            Row("Docker: 8 candidates, s", "backends.docker.wall_8_s"),
            Row("Docker: sandbox start overhead, s", "backends.docker.start_overhead_s"),
            Row("Docker: CPU per candidate (worker, server, Mockoon), s",
                "backends.docker.tree_cpu_per_candidate_s"),
            Row("no-op sandbox (orchestration only): 8 candidates / 1", "orchestration.ratio"),
            Row("no-op sandbox: 1 candidate, s", "orchestration.wall_1_s"),
            Row("no-op sandbox: 8 candidates, s", "orchestration.wall_8_s"),
            Row("no-op sandbox: CPU per candidate, s", "orchestration.tree_cpu_per_candidate_s"),
            Row("one backtest's CPU, numpy runner, s", "runner.runner_cpu_numpy_s"),
            Row("one backtest's CPU, with pandas, s", "runner.runner_cpu_with_pandas_s"),
            Row("backends unavailable here", "unavailable"),
        ),
        "why the ratios are what they are: "
        "[discovery.md](discovery.md#what-a-candidate-costs-and-why).",
    ),
    "bundle_start": Table(
        "cold start of the bundle beside the source install's",
        "Launch to the window's first paint and to every service healthy, the two programs "
        "alternated; the bundle runs with no Python and no Node on its path.",
        (
            Row("bundle: first paint, s", "median.bundle.window_shown_s"),
            Row("source install: first paint, s", "median.source_make_run.window_shown_s"),
            Row("bundle: every service healthy, s", "median.bundle.healthy_s"),
            Row("source install: every service healthy, s",
                "median.source_make_run.healthy_s"),
        ),
        "the bundle: [deployment.md](deployment.md#the-double-click-bundle).",
    ),
    "snapshot_size": Table(
        "reconciliation's snapshot: the account's order listing beside lookups by id",
        "One embedded broker, one account filled with orders; at each order count the "
        "snapshot is taken both ways in the same run: by listing the account's orders "
        "(Alpaca's largest page, oldest first) and by looking up the book's unsettled orders "
        "by `client_order_id`. Size in bytes, and how many of the unsettled (newest) orders "
        "each shows.",
        (
            Row("unsettled orders looked up", "unsettled"),
        ),
        "reconciliation by lookups: [agent.md](agent.md#reconciliation).",
        Grid("orders at the broker",
             (("orders_100", "100"), ("orders_500", "500"), ("orders_1000", "1000")),
             (("listing_bytes", "listing, bytes"),
              ("listing_unsettled_shown", "unsettled shown by the listing"),
              ("lookups_bytes", "lookups, bytes"),
              ("lookups_unsettled_shown", "unsettled shown by the lookups"),
              ("ratio_listing_over_lookups", "listing / lookups"))),
    ),
    "real_model": Table(
        "the agent on a real model server, beside the offline analyst",
        "The tests' real server (llama.cpp's `llama-server`, SmolLM2-135M-Instruct on the CPU) "
        "answers the agent's tool turns and final turn; the same ticks on the offline analyst "
        "are the tick without a model. The offline tick's share of a real one bounds the "
        "harness's own cost (it includes the market reads and the broker).",
        (
            Row("ticks of each agent", "ticks"),
            Row("model calls per tick", "real.model_calls_per_tick"),
            Row("seconds per model call, median", "real.model_call_s_median"),
            Row("seconds per model call, at most", "real.model_call_s_max"),
            Row("ticks per minute", "real.ticks_per_minute"),
            Row("tokens per tick, median", "real.tokens_per_tick_median"),
            Row("history bytes per tick", "real.history_bytes_per_tick"),
            Row("history bytes per run", "real.history_bytes_per_run"),
            Row("model errors", "real.model_errors"),
            Row("a real tick, s", "real_tick_s"),
            Row("an offline tick, s", "offline_tick_s"),
            Row("the share of a real tick that is not its model calls (the harness, the "
                "market reads and the broker: an upper bound of the durable overhead)",
                "real.not_model_share_of_tick"),
            Row("the offline tick's share of a real one", "offline_tick_share_of_real_tick"),
        ),
        "how a real model's tick runs: "
        "[deployment.md](deployment.md#how-a-real-models-tick-runs).",
    ),
    "sandbox_python": Table(
        "bubblewrap with the bundle's carried Python beside the machine's",
        "One real backtest (a shipped family on random bars) in bubblewrap, alternately with "
        "the carried interpreter the bundle ships (laid out as `make package` does) and with "
        "the machine's own Python; medians after a warm-up run of each.",
        (
            Row("carried / system, median backtest", "carried_over_system"),
            Row("system Python: median backtest, s", "median_backtest_s.system"),
            Row("carried Python: median backtest, s", "median_backtest_s.carried"),
            Row("runs of each", "runs"),
            Row("the carried Python's size, MB", "carried_size_mb"),
            Row("laying it out, s", "lay_out_s"),
        ),
        "the carried Python in the bundle: "
        "[deployment.md](deployment.md#the-double-click-bundle).",
    ),
}
