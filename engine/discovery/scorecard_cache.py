"""Scorecards computed once: keyed by the candidate's code and terms, the bars, the scorer.

A discovery runs every candidate in a sandbox (24 backtests before the bundle's first
tick). Bars of the past do not change, so a relaunch, or a second agent on the same
symbol and date, would compute the very same scorecards again. A scorecard is a function
of exactly these, and the key is their SHA-256:
- the candidate's source and parameters (not its name: the outcome is renamed on a hit);
- the terms: the in-sample split, fees and slippage, and the sandbox asked for;
- the bars, as the CSV the sandbox reads;
- the scorer: a hash of every source file that computes or reads a score (the sandbox's
  runner, the worker's scorer modules), so a changed scorer never reads an old card.
  scorer_sources() lists them; whoever moves the scorer (out of the sandbox's process,
  say) lists its new home there.
Only scorecards are kept, never failures: a timeout or a missing sandbox may not happen
twice. Entries are JSON files written atomically under $HARNESS_HOME/cache/scorecards; a
file that does not parse is a miss. The newest MAX_ENTRIES are kept (a read makes an entry
new again): a week of agents, and every scorer change, whose old cards are never read
again, would otherwise only add files. The activity's result is recorded in the workflow's
history either way, so replays and determinism do not depend on the cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from engine.discovery.contracts import BacktestOutcome, BacktestRequest

log = logging.getLogger("harness.discovery")

CACHE_DIR = ("cache", "scorecards")  # under the home
KEY_FORMAT = "1"  # bump when the key's recipe changes
MAX_ENTRIES = 2_000  # a card is 1-3 KB: a few MB at most; a discovery needs 8 per symbol


# The worker's own scorer (the sandbox hands back only the strategy's exposure per bar).
SCORER_MODULES = ("scorecards.py", "scoring.py", "metrics.py", "simulation.py", "exposure.py",
                  "causality.py")


def scorer_sources() -> list[Path]:
    """Every file whose code computes a scorecard, in a stable order: the sandbox's runner
    (it runs the strategy) and the scorer's modules beside this one."""
    from engine.sandbox.paths import runner_dir

    runner = sorted(runner_dir().rglob("*.py"))
    return [*runner, *(Path(__file__).with_name(name) for name in SCORER_MODULES)]


@lru_cache(maxsize=1)
def scorer_version() -> str:
    digest = hashlib.sha256()
    for path in scorer_sources():
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<absent>")
    return digest.hexdigest()


class ScorecardCache:
    def __init__(self, directory: Path, scorer: str | None = None,
                 max_entries: int = MAX_ENTRIES) -> None:
        self.directory = Path(directory)
        self.scorer = scorer or scorer_version()
        self.max_entries = max_entries

    @classmethod
    def for_home(cls, home: str | os.PathLike | None) -> ScorecardCache | None:
        """The home's cache; None without a home (a worker nobody supervises keeps none)."""
        return cls(Path(home).joinpath(*CACHE_DIR)) if home else None

    def key(self, request: BacktestRequest, bars_csv: str) -> str:
        spec = request.candidate
        recipe = {
            "format": KEY_FORMAT, "scorer": self.scorer,
            "source": spec.source, "params": spec.params,
            # The sandbox asked for: the card names the backend that computed it, and a
            # discovery asked to run in Docker gets a card Docker computed.
            "sandbox": request.sandbox,
            "split": request.split, "fee_bps": request.fee_bps,
            "slippage_bps": request.slippage_bps,
            "bars": hashlib.sha256(bars_csv.encode()).hexdigest(),
        }
        canonical = json.dumps(recipe, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def get(self, key: str, request: BacktestRequest) -> BacktestOutcome | None:
        path = self.directory / key
        try:
            outcome = BacktestOutcome.model_validate_json(path.read_bytes())
            os.utime(path)  # read: the newest again, the last to be dropped
        except (OSError, ValueError):  # absent, or not a scorecard: computed again
            return None
        spec = request.candidate  # same code and terms, maybe another name
        return outcome.model_copy(update={"name": spec.name, "family": spec.family,
                                          "params": spec.params})

    def put(self, key: str, outcome: BacktestOutcome) -> None:
        if not outcome.ok:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(outcome.model_dump_json())
            os.replace(tmp, self.directory / key)
            self._drop_oldest()
        except OSError as exc:  # a full disk costs the next relaunch a backtest, no more
            log.warning("could not keep a scorecard: %s", exc)

    def _drop_oldest(self) -> None:
        """Down to max_entries, the least recently written or read first."""
        entries = []
        for path in self.directory.iterdir():
            if path.name.startswith(".tmp-"):
                continue  # another worker's write in progress
            try:
                entries.append((path.stat().st_mtime, path))
            except OSError:  # removed meanwhile by another worker
                continue
        entries.sort()
        for _, path in entries[:max(0, len(entries) - self.max_entries)]:
            path.unlink(missing_ok=True)
