"""What a human reviews before trading on a strategy the model wrote: its code, its
scorecard (the worker's, from the sandbox's exposure series) and a diff against the
nearest shipped family. Plain text, for `harness approve|why strategy:SYMBOL` and the
window's approval dialog alike; computed from the pick, never stored in the history.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from engine.discovery.candidates import FAMILIES_DIR, FAMILY_ORDER
from engine.discovery.contracts import StrategyPick

CARD_KEYS = ("sharpe", "total_return", "max_drawdown", "trades", "win_rate", "exposure")


@dataclass(frozen=True)
class StrategyReviewText:
    symbol: str
    name: str
    approval: str
    note: str
    code: str
    scorecard: str
    nearest_family: str
    diff: str  # unified diff: the nearest family's file -> the model's code

    def render(self) -> str:
        return "\n".join([
            f"strategy for {self.symbol}: {self.name} (approval: {self.approval or 'not needed'}"
            + (f"; {self.note}" if self.note else "") + ")",
            "", "scorecard (computed by the worker):", self.scorecard,
            "", f"diff against the nearest shipped family, {self.nearest_family}:",
            self.diff or "(identical)", "", "code:", self.code,
        ])


def nearest_family(source: str) -> tuple[str, str]:
    """(name, source) of the shipped family whose code is most like `source`."""
    best = ("", "", -1.0)
    for name in FAMILY_ORDER:
        family = (FAMILIES_DIR / f"{name}.py").read_text()
        ratio = difflib.SequenceMatcher(None, family, source, autojunk=False).ratio()
        if ratio > best[2]:
            best = (name, family, ratio)
    return best[0], best[1]


def _scorecard(pick: StrategyPick) -> str:
    winner = pick.winner
    if winner is None:
        return "  (no winner)"
    lines = []
    for part, card in (("in-sample", winner.in_sample), ("out-of-sample", winner.out_of_sample)):
        figures = ", ".join(f"{k} {card.get(k, 0.0):g}" for k in CARD_KEYS)
        lines.append(f"  {part:14s} {figures}")
    lines.append(f"  bars {winner.bars} ({winner.first_date} .. {winner.last_date}, split "
                 f"{winner.split_date}); sandbox {winner.backend or '?'}")
    return "\n".join(lines)


def review_of(pick: StrategyPick) -> StrategyReviewText:
    name, family = nearest_family(pick.source)
    diff = "".join(difflib.unified_diff(
        family.splitlines(keepends=True), pick.source.splitlines(keepends=True),
        fromfile=f"families/{name}.py", tofile="model-written.py"))
    return StrategyReviewText(
        symbol=pick.symbol, name=pick.winner.name if pick.winner else "", note=pick.approval_note,
        approval=pick.approval.value, code=pick.source, scorecard=_scorecard(pick),
        nearest_family=name, diff=diff)
