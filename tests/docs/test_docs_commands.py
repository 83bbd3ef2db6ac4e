"""The docs stay honest: every `harness ...` command they show parses with the CLI's own
parser (in-process: its subcommand's --help succeeds and every option shown is one of its
options), every link points at a file (and heading) that exists, and every repository path
they name is there."""

from __future__ import annotations

import argparse
import contextlib
import io
from functools import cache
from pathlib import Path

import pytest

from app.launch import parse_app_args
from engine.cli import build_parser, main
from tests.docs import markdown

GLOBAL_WITH_VALUE = {"--home"}
GLOBAL_FLAGS = {"-v", "--verbose", "-h", "--help"}


@cache
def _root_parser() -> argparse.ArgumentParser:
    return build_parser()


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@cache
def _help_exit_code(path: tuple[str, ...]) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main([*path, "--help"])


def _is_option(word: str) -> bool:
    return word.startswith("-") and len(word) > 1 and (word[1].isalpha() or word[1] == "-")


def problems_of(words: list[str]) -> list[str]:
    """What is wrong with one shown command (words[0] == "harness"); empty if it parses."""
    rest = words[1:]
    while rest and (rest[0] in GLOBAL_FLAGS or rest[0] in GLOBAL_WITH_VALUE):
        rest = rest[2:] if rest[0] in GLOBAL_WITH_VALUE else rest[1:]
    if not rest or rest[0] == "app" or _is_option(rest[0]):
        return _app_problems(rest[1:] if rest and rest[0] == "app" else rest)
    if rest[0].isupper() or not rest[0][0].isalpha():  # `harness COMMAND`, `harness …`
        return []
    found = []
    for name in rest[0].split("|"):
        found += _command_problems(name, rest[1:])
    return found


def _app_problems(args: list[str]) -> list[str]:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            parse_app_args(["app", *args])
    except SystemExit as exc:
        if exc.code not in (0, None):
            return [f"`harness app {' '.join(args)}` does not parse"]
    return []


def _command_problems(name: str, args: list[str]) -> list[str]:
    parser, path = _root_parser(), []
    choices = _subparsers(parser)
    if name not in choices:
        return [f"no command {name!r}"]
    parser, path = choices[name], [name]
    while args and (nested := _subparsers(parser)) and args[0] in nested:
        parser, path, args = nested[args[0]], [*path, args[0]], args[1:]
    found = []
    if _help_exit_code(tuple(path)) != 0:
        found.append(f"`harness {' '.join(path)} --help` failed")
    known = {o for action in parser._actions for o in action.option_strings}
    for word in args:
        for option in word.split("|"):
            option = option.split("=", 1)[0]
            if _is_option(option) and option not in known:
                found.append(f"`harness {' '.join(path)}` has no option {option}")
    return found


def test_every_harness_command_shown_parses():
    checked, failures = 0, []
    for page in markdown.pages():
        for shown, words in markdown.harness_commands(page):
            checked += 1
            failures += [f"{shown.where()}\n    {p}" for p in problems_of(words)]
    assert checked > 40, "the scan must see the docs' commands"
    assert failures == [], "\n".join(failures)


def test_every_link_points_at_a_file_and_heading_that_exist():
    checked, failures = 0, []
    for page in markdown.pages():
        for shown, target in markdown.links(page):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            checked += 1
            failures += [f"{shown.where()}\n    {p}" for p in link_problems(page, target)]
    assert checked > 30, "the scan must see the docs' links"
    assert failures == [], "\n".join(failures)


def link_problems(page: Path, target: str) -> list[str]:
    file_part, _, anchor = target.partition("#")
    path = (page.parent / file_part).resolve() if file_part else page
    if not path.exists():
        return [f"{file_part} does not exist"]
    if anchor and path.suffix == ".md" and anchor not in markdown.anchors(path):
        return [f"{path.name} has no heading #{anchor}"]
    return []


def test_every_repository_path_shown_exists():
    shown_paths = [(s, p) for page in markdown.pages() for s, p in markdown.repository_paths(page)]
    assert len(shown_paths) > 50, "the scan must see the docs' paths"
    missing = [s.where() for s, p in shown_paths if not (markdown.ROOT / p).exists()]
    assert missing == [], "\n".join(missing)


@pytest.mark.parametrize("command, problem", [
    ("harness nonsense", "no command 'nonsense'"),
    ("harness run --no-such-flag", "has no option --no-such-flag"),
    ("harness sandbox check --wrong", "has no option --wrong"),
    ("harness approve|rejectt ID TRADE", "no command 'rejectt'"),
    ("harness app --nope", "does not parse"),
])
def test_a_wrong_command_is_caught(command, problem):
    found = problems_of(command.split())
    assert any(problem in p for p in found), found


def test_right_commands_pass():
    for command in ("harness", "harness --home DIR up --agent", "harness app --home DIR",
                    "harness sandbox check --backend docker --json",
                    "harness approve|reject ID TRADE --reason TEXT",
                    "harness worker --tls|--no-tls"):
        assert problems_of(command.split()) == [], command


def test_a_wrong_link_and_a_wrong_path_are_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nSee [there](missing.md), [here](#title), [no](#nowhere).\n"
                    "Code: `engine/no_such_module.py`, and a command `harness up --agent`.\n")
    problems = [p for _, t in markdown.links(page) for p in link_problems(page, t)]
    assert problems == ["missing.md does not exist", "page.md has no heading #nowhere"]
    assert [p for _, p in markdown.repository_paths(page)] == ["engine/no_such_module.py"]
    assert [w for _, w in markdown.harness_commands(page)] == [["harness", "up", "--agent"]]
