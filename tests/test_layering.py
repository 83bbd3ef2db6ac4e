"""House rules the code structure must keep: the engine never imports Qt or the
app, and the app reaches Temporal only through the engine's client facade."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _imports(folder: str, root: Path = ROOT) -> dict[str, set[str]]:
    found = {}
    for path in sorted((root / folder).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(root))] = names
    return found


def test_the_engine_never_imports_qt_or_the_app():
    engine = _imports("engine")
    assert len(engine) > 20, "the scan must see the engine"
    offenders = {f: n & {"PySide6", "qasync", "app"} for f, n in engine.items()}
    assert {f: n for f, n in offenders.items() if n} == {}


def test_the_app_talks_to_temporal_only_through_the_engine():
    offenders = {f: n & {"temporalio"} for f, n in _imports("app").items()}
    assert {f: n for f, n in offenders.items() if n} == {}


def test_the_scan_sees_an_import_it_should_refuse(tmp_path):
    # The rule itself can fail: a module importing Qt is caught.
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "bad.py").write_text("import os\nfrom PySide6 import QtCore\n")
    assert _imports("engine", tmp_path) == {"engine/bad.py": {"os", "PySide6"}}
