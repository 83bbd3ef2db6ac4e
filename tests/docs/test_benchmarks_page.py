"""docs/benchmarks.md cannot go stale silently: it is exactly what bench/render_docs.py
renders from docs/benchmarks/*.json, every bench it names has its JSON file (saved by the
bench itself with --save), and every number on the page comes from that bench's file."""

from __future__ import annotations

import json
import re

import pytest

from bench import render_docs

PAGE = render_docs.PAGE
RESULTS = render_docs.RESULTS_DIR
BENCH_DIR = render_docs.ROOT / "bench"
TOOLS = {"render_docs", "results", "docs_tables"}  # bench/ modules that are not benches
NUMBER = re.compile(r"\d+(?:\.\d+)?")
HEADING = re.compile(r"^## (\w+)\.py$", re.M)


def sections(page: str) -> dict[str, str]:
    """The page cut at its bench headings: {"": the header, "tick": its section, ...}."""
    parts = HEADING.split(page)
    found = {"": parts[0]}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        found[name] = body
    return found


def numbers_in(record: object) -> set[str]:
    """Every way the renderer may print a number of this record: each number at any
    rounding, and the digits inside its strings and keys (a date, a command, a CPU model)."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            shown = {str(value), f"{value:g}", *(f"{value:.{d}f}" for d in range(5))}
            for text in shown:
                found.update(NUMBER.findall(text))
        elif isinstance(value, str):
            found.update(NUMBER.findall(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                found.update(NUMBER.findall(str(key)))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(record)
    return found


def strays(page: str, results: dict[str, dict]) -> list[str]:
    """Numbers on the page that no saved file holds, per section."""
    found = []
    for name, body in sections(page).items():
        allowed = numbers_in(results[name]) if name in results else set()
        found += [f"{name or 'header'}: {n}" for n in NUMBER.findall(body) if n not in allowed]
    return found


def test_the_page_is_what_the_renderer_makes_of_the_saved_files():
    assert PAGE.read_text() == render_docs.render(render_docs.load_results()), (
        "docs/benchmarks.md is out of date or edited by hand: "
        "run .venv/bin/python bench/render_docs.py")


def test_every_bench_named_on_the_page_has_its_json_file():
    page = PAGE.read_text()
    named = set(HEADING.findall(page)) | (set(re.findall(r"bench/(\w+)\.py", page)) - TOOLS)
    assert named, "the page names no bench"
    missing = sorted(n for n in named if not (RESULTS / f"{n}.json").exists())
    assert missing == [], f"no docs/benchmarks/NAME.json for {missing}"


def test_every_number_on_the_page_comes_from_a_saved_file():
    assert strays(PAGE.read_text(), render_docs.load_results()) == []


def test_every_saved_file_says_how_where_and_when_it_was_measured():
    results = render_docs.load_results()
    assert results, "no saved bench results"
    for name, record in results.items():
        meta = record["meta"]
        assert record["bench"] == name
        assert meta["command"].startswith(f".venv/bin/python bench/{name}.py"), name
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["date"]), name
        assert meta["machine"]["cores"] >= 1 and meta["machine"]["cpu"], name
        assert len(meta["load_avg_start"]) == 3 and len(meta["load_avg_end"]) == 3, name
        assert record["report"], name
        source = (BENCH_DIR / f"{name}.py").read_text()
        assert "add_save_flag(parser)" in source, f"bench/{name}.py has no --save"


def test_every_bench_can_save():
    benches = sorted(p.stem for p in BENCH_DIR.glob("*.py")
                     if "argparse.ArgumentParser(" in p.read_text() and p.stem not in TOOLS)
    assert len(benches) >= 5
    for name in benches:
        assert "add_save_flag(parser)" in (BENCH_DIR / f"{name}.py").read_text(), name


@pytest.fixture
def record() -> dict:
    return {"bench": "demo", "report": {"ratio": 2.134, "per_round": [1.5, 2.25]},
            "meta": {"command": ".venv/bin/python bench/demo.py --ticks 300", "date": "2026-12-05",
                     "started_utc": "2026-12-05T16:00:00Z", "duration_s": 12.5,
                     "load_avg_start": [3.5, 2.0, 1.0], "load_avg_end": [4.0, 3.0, 2.0],
                     "machine": {"cores": 2, "cpu": "Test CPU @ 2.20GHz", "memory_gb": 7.8,
                                 "os": "Linux 6.1", "python": "3.11.2"},
                     "commit": "abc1234"}}


def test_a_number_typed_into_the_page_is_caught(record):
    page = render_docs.render({"demo": record})
    assert strays(page, {"demo": record}) == []
    assert "2.134" in page and "1.5, 2.25" in page and "--ticks 300" in page
    assert strays(page.replace("2.134", "1.95"), {"demo": record}) == ["demo: 1.95"]
    assert strays(page + "\nmeasured 42 times\n", {"demo": record}) == ["demo: 42"]
    assert strays(page, {}) != []  # no file: nothing on the page is backed


def test_the_check_mode_sees_a_stale_page(tmp_path, monkeypatch, record):
    (tmp_path / "demo.json").write_text(json.dumps(record))
    page = tmp_path / "benchmarks.md"
    page.write_text(render_docs.render(render_docs.load_results(tmp_path)))
    monkeypatch.setattr(render_docs, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(render_docs, "PAGE", page)
    monkeypatch.setattr("sys.argv", ["render_docs.py", "--check"])
    assert render_docs.main() == 0
    record["report"]["ratio"] = 3.0
    (tmp_path / "demo.json").write_text(json.dumps(record))
    assert render_docs.main() == 1
