"""The mistakes of issue 12, typed as a user types them (a real `harness` process, an empty
home): one line naming the field, the value and what is allowed, exit 4 (64 for a usage
error), and nothing started: no runtime.json, no database, no process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli.errors import report_unexpected
from engine.cli.exit_codes import EXIT_INTERNAL, EXIT_INVALID_CONFIG, EXIT_USAGE
from tests.cli.helpers import nothing_started
from tests.runtime.helpers import env_without, harness

NO_KEYS = env_without("OPENAI_API_KEY", "HARNESS_OPENAI_BASE_URL", "HARNESS_MARKET_URL")


@pytest.mark.parametrize(("argv", "says"), [
    (["run", "--start-date", "notadate", "--ticks", "2"], "--start-date: 'notadate'"),
    (["run", "--start-date", "2013-03-04"], "2000-03-01 to 2013-03-01"),
    (["run", "--model", "nosuch:thing", "--ticks", "2"], "--model: 'nosuch:thing'"),
    (["run", "--model", "openai:gpt-4o-mini"], "OPENAI_API_KEY"),
    (["run", "--model", "compatible:llama3.1"], "HARNESS_OPENAI_BASE_URL"),
    (["run", "--ticks", "0"], "--ticks: 0 is not allowed; must be at least 1"),
    (["run", "--interval", "-1"], "--interval: -1.0"),
    (["run", "--cash", "0"], "--cash: 0.0"),
    (["run", "--symbols", "AAPL,TSLA"], "--symbols: 'TSLA' is not allowed; one of AAPL"),
    (["run", "--attach"], "--attach"),
    (["up", "--workers", "-1"], "--workers: -1 is not allowed; must be at least 1"),
    (["up", "--workers", "0"], "--workers: 0"),
    (["up", "--timeout", "0"], "--timeout"),
    (["up", "--temporal-address", "127.0.0.1"], "HOST:PORT"),
])
def test_a_refused_value_is_one_line_exit_4_and_nothing_starts(tmp_path, argv, says):
    result = harness(tmp_path, *argv, env=NO_KEYS)
    assert result.returncode == EXIT_INVALID_CONFIG, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness: "), lines
    assert says in result.stderr
    assert nothing_started(tmp_path)


@pytest.mark.parametrize("command", [["run", "--ticks", "2"], ["up"]])
@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"http_timeout_s": -1}',
                                     '{"temporal_adress": "x"}'])
def test_broken_settings_are_refused_before_anything_starts(tmp_path, command, content):
    (tmp_path / "settings.json").write_text(content, encoding="utf-8")
    result = harness(tmp_path, *command)
    assert result.returncode == EXIT_INVALID_CONFIG, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "settings" in result.stderr
    assert "Traceback" not in result.stderr
    assert nothing_started(tmp_path)


@pytest.mark.parametrize("variable", ["HARNESS_TEMPORAL_TLS", "HARNESS_WORKFLOW_SANDBOX"])
def test_a_bad_environment_setting_names_its_variable(tmp_path, variable):
    result = harness(tmp_path, "up", env={**os.environ, variable: "maybe"})
    assert result.returncode == EXIT_INVALID_CONFIG
    assert f"${variable}" in result.stderr and "'maybe'" in result.stderr
    assert nothing_started(tmp_path)


def test_a_home_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    result = harness(afile / "below", "status")
    assert result.returncode == EXIT_INVALID_CONFIG and "--home" in result.stderr


def test_usage_errors_have_their_own_code_and_two_lines(tmp_path):
    for argv in (["nosuch"], ["run", "--ticks", "ten"], ["up", "--bogus"], []):
        result = harness(tmp_path, *argv)
        assert result.returncode == EXIT_USAGE, (argv, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 2 and "--help" in lines[1], lines
    assert nothing_started(tmp_path)


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_a_log(tmp_path, capsys):
    def deep() -> None:
        raise RuntimeError("boom\nwith a second line")

    try:
        deep()
    except RuntimeError as exc:
        code = report_unexpected(exc, str(tmp_path), "run")
    err = capsys.readouterr().err
    log = Path(tmp_path) / "logs" / "cli-errors.log"
    assert code == EXIT_INTERNAL
    assert err.strip().splitlines() == [
        f"harness: internal error: RuntimeError: boom; the traceback is in {log}"]
    text = log.read_text()
    assert "Traceback" in text and "in deep" in text and "harness run" in text


def test_every_option_has_help_text_and_shows_its_default():
    import argparse

    from engine.cli import build_parser

    def commands(parser, path):  # every (sub)command, nested ones too (`sandbox check`)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from commands(sub, f"{path} {name}")
        yield path, parser

    checked = 0
    for path, command in commands(build_parser(), "harness"):
        for action in command._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help, f"{path} {action.option_strings or action.dest}"
            if action.option_strings:
                shown = command._get_formatter()._get_help_string(action) % vars(action)
                assert "default" in shown, f"{path} {action.option_strings}: {shown}"
                checked += 1
    assert checked > 40


@pytest.mark.parametrize("argv", [["run", "--help"], ["--help"]])
def test_output_into_a_closed_pipe_ends_quietly_with_0(tmp_path, argv):
    """`harness run --help | head -0`: the reader is gone before the first write; the
    lines still buffered meet the closed pipe only at the final flush."""
    import subprocess

    from tests.runtime.helpers import REPO, cli_argv

    read_end, write_end = os.pipe()
    os.close(read_end)
    process = subprocess.run(cli_argv(tmp_path, *argv), stdout=write_end, stderr=subprocess.PIPE,
                             text=True, cwd=REPO, timeout=60)
    os.close(write_end)
    assert process.returncode == 0 and process.stderr == "", process.stderr


def test_a_refusal_loads_neither_temporal_nor_the_agents_sdk(tmp_path):
    """Checked before the client is imported: measured 16 s to refuse a typo under load
    when the Agents SDK was imported first, 0.5 s now."""
    import subprocess
    import sys

    from tests.runtime.helpers import REPO

    probe = ("import sys; from engine.cli import main; "
             f"code = main(['--home', {str(tmp_path)!r}, 'run', '--start-date', 'notadate']); "
             "loaded = {m.split('.')[0] for m in sys.modules}; "
             "print(code, sorted(loaded & {'temporalio', 'agents'}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=REPO, timeout=60)
    assert result.stdout.strip() == f"{EXIT_INVALID_CONFIG} []", result.stdout + result.stderr


def test_each_command_name_leads_to_the_module_that_registers_it():
    """A command line builds only its command's parser (engine/cli COMMAND_NAMES): the
    table must name every subcommand each module registers, and nothing else."""
    import argparse
    import importlib

    from engine.cli import COMMAND_NAMES, COMMANDS, HarnessParser, command_module

    registered = {}
    for module_name in COMMANDS:
        subparsers = HarnessParser(prog="harness").add_subparsers()
        importlib.import_module(module_name).register(subparsers)
        assert isinstance(subparsers, argparse._SubParsersAction)
        registered |= dict.fromkeys(subparsers.choices, module_name)
    assert COMMAND_NAMES == registered
    assert command_module(["--home", "x", "-v", "state", "id"]) == "engine.cli.inspect"
    assert command_module(["--home=x", "pause", "id"]) == "engine.cli.control"
    assert [command_module(a) for a in (["--help"], [], ["nosuch"], ["--bogus", "up"])] == [
        None] * 4
