"""Candidates from the strategy families, and candidates the model wrote.

The families live in sandbox/runner/backtest/families/. Their GRID is read with
ast.literal_eval, never by importing them: strategy code only ever runs in a sandbox.
The plan is deterministic: N candidates take the families in turn, each family walking
its grid from the middle outwards, so 6 candidates are one of each family and more
add variety before repetition.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from engine.discovery.contracts import CandidateSpec
from engine.sandbox.paths import runner_dir

FAMILIES_DIR = runner_dir() / "backtest" / "families"
FAMILY_ORDER = ("sma_cross", "ema_cross", "rsi_reversion", "bollinger_reversion", "momentum",
                "macd")


class CandidateError(ValueError):
    """A written candidate that cannot be a strategy: the message says why."""


def family_grid(source: str) -> dict[str, list]:
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "GRID"):
            return ast.literal_eval(node.value)
    raise CandidateError("the family has no GRID literal")


def _grid_points(grid: dict[str, list]) -> list[dict]:
    keys = sorted(grid)
    combos = itertools.product(*(grid[k] for k in keys))
    points = [dict(zip(keys, values, strict=True)) for values in combos]
    points = [p for p in points if not ("fast" in p and "slow" in p and p["fast"] >= p["slow"])]
    # Middle outwards: the middle of a grid is its most typical setting.
    middle = (len(points) - 1) / 2
    return sorted(points, key=lambda p: (abs(points.index(p) - middle), points.index(p)))


def candidate_name(family: str, params: dict) -> str:
    parts = [f"{k}={params[k]}" for k in sorted(params)]
    return "-".join([family, *parts]).lower()[:80]


def plan(count: int, families_dir: Path = FAMILIES_DIR) -> list[CandidateSpec]:
    """`count` distinct candidates from the families, in a fixed order."""
    sources = {name: (families_dir / f"{name}.py").read_text() for name in FAMILY_ORDER}
    queues = {name: _grid_points(family_grid(src)) for name, src in sources.items()}
    out: list[CandidateSpec] = []
    for round_ in itertools.count():
        added = False
        for name in FAMILY_ORDER:
            if len(out) == count:
                return out
            if round_ < len(queues[name]):
                params = queues[name][round_]
                out.append(CandidateSpec(name=candidate_name(name, params), family=name,
                                         source=sources[name], params=params))
                added = True
        if not added:
            return out  # every grid exhausted


def written_candidate(name: str, source: str, params: dict | None = None) -> CandidateSpec:
    """A strategy the model wrote. Checked only for shape here (it parses, it defines
    signal): whether it runs, and what it does, is for the sandbox to find out."""
    slug = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:60] or "strategy"
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CandidateError(
            f"the strategy does not parse: {exc.msg} (line {exc.lineno})") from exc
    if not any(isinstance(n, ast.FunctionDef) and n.name == "signal" for n in tree.body):
        raise CandidateError("the strategy must define a function signal(bars, **params)")
    return CandidateSpec(name=f"written-{slug}", family="written", source=source,
                         params=dict(params or {}))
