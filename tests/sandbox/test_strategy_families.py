"""Every family is causal: no bar's signal depends on a later bar."""

from __future__ import annotations

import ast
import importlib.util
import itertools

import numpy as np
import pytest

from tests.sandbox.runner_support import FAMILIES, random_bars

NAMES = sorted(p.stem for p in FAMILIES.glob("*.py") if p.stem != "__init__")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"family_{name}", FAMILIES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_six_families_are_there():
    assert NAMES == ["bollinger_reversion", "ema_cross", "macd", "momentum",
                     "rsi_reversion", "sma_cross"]


@pytest.mark.parametrize("name", NAMES)
def test_grid_is_a_literal_and_every_point_runs(name):
    source = (FAMILIES / f"{name}.py").read_text()
    grid = next(ast.literal_eval(node.value) for node in ast.parse(source).body
                if isinstance(node, ast.Assign) and node.targets[0].id == "GRID")
    module = _load(name)
    bars = random_bars(300)
    keys = sorted(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        params = dict(zip(keys, values, strict=False))
        if "fast" in params and params["fast"] >= params["slow"]:
            continue
        out = np.asarray(module.signal(bars, **params), dtype=float)
        assert out.shape == (300,)
        assert np.isin(out, [0.0, 1.0]).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cut", [80, 199])
def test_changing_later_bars_never_changes_an_earlier_signal(name, cut):
    module = _load(name)
    bars = random_bars(400, seed=7)
    base = np.asarray(module.signal(bars.copy()), dtype=float)
    assert base[:cut + 1].any() or name == "momentum", "a flat signal proves nothing"
    # Replace every bar after `cut` by a different path: crash then rally.
    changed = bars.copy()
    rng = np.random.default_rng(99)
    tail = changed.loc[cut + 1:, "close"].to_numpy() * np.cumprod(
        1.0 + rng.normal(0.0, 0.05, len(changed) - cut - 1))
    for column in ("open", "high", "low", "close"):
        changed.loc[cut + 1:, column] = tail
    other = np.asarray(module.signal(changed), dtype=float)
    assert not np.array_equal(base[cut + 1:], other[cut + 1:]), "the change must matter later"
    np.testing.assert_array_equal(base[:cut + 1], other[:cut + 1])
    # And truncation: the signal at bar k from bars 0..k equals the full run's.
    truncated = np.asarray(module.signal(bars.iloc[:cut + 1].copy()), dtype=float)
    np.testing.assert_array_equal(base[:cut + 1], truncated)
