"""Hypothesis drives `harness` (parser, value checks, settings loader) in-process with random
arguments and random settings files: every call ends with a documented exit code and at
most a few lines on stderr, never a traceback, and nothing is started.

Each call runs against a home whose settings.json is broken or where no runtime runs, so
that no random combination can start a runtime: the refusal comes before that (settings
and values are checked first; that order is itself what these tests pin down)."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.exit_codes import DOCUMENTED, EXIT_INVALID_CONFIG, EXIT_USAGE
from engine.config import Settings, SettingsError, load_settings
from tests.cli.helpers import MAX_LINES, call, nothing_started

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
# Commands that only read (a missing runtime ends them), and the two that start things.
COMMANDS = ["status", "state", "history", "approve", "reject", "verify-replay", "run", "up"]
OPTIONS = ["--json", "--symbols", "--ticks", "--seed", "--approve", "--model", "--start-date",
           "--cash", "--interval", "--id", "--attach", "--workers", "--timeout", "--namespace",
           "--temporal-address", "--run-id", "--reason", "--file", "--headless", "--no-worker",
           "--home", "-v", "--nope", "-", "--"]
VALUES = st.one_of(
    st.sampled_from(["0", "-1", "1e309", "nan", "inf", "AAPL,MSFT", "NOPE", "2004-01-02",
                     "notadate", "2013-03-02", "openai:x", "nosuch:thing", "", " ", "auto",
                     "127.0.0.1:1", "host:99999", "\x00", "☃", "10" * 40]),
    st.text(string.printable, max_size=12),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=True).map(str),
)
TOKENS = st.lists(st.one_of(st.sampled_from(OPTIONS), VALUES), max_size=8)


def _check(code: int, err: str) -> None:
    assert code in DOCUMENTED, (code, err)
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) <= MAX_LINES, err


@pytest.fixture
def broken_home(tmp_path: Path) -> Path:
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    return tmp_path


@FUZZ
@given(command=st.sampled_from(COMMANDS), tokens=TOKENS)
def test_random_arguments_end_in_a_documented_code_and_a_few_lines(
        capsys, broken_home, command, tokens):
    # NUL cannot be an argv element of a real process; the parser sees it all the same.
    code, _out, err = call(capsys, "--home", str(broken_home), command, *tokens)
    _check(code, err)
    assert nothing_started(broken_home)


@FUZZ
@given(tokens=st.lists(st.one_of(st.sampled_from(OPTIONS + COMMANDS), VALUES), max_size=6))
def test_random_top_level_arguments(capsys, broken_home, tokens):
    if any(t in ("-h", "--help") for t in tokens):
        return
    code, _out, err = call(capsys, "--home", str(broken_home), *tokens)
    _check(code, err)
    assert nothing_started(broken_home)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8,
)
FIELDS = sorted(Settings.model_fields)
SETTINGS_OBJECTS = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), JSON_VALUES,
                                   max_size=5)


@FUZZ
@given(content=st.one_of(
    SETTINGS_OBJECTS.map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
))
def test_random_settings_files_load_or_are_refused_in_one_line(capsys, tmp_path, content):
    (tmp_path / "settings.json").write_text(content, encoding="utf-8")
    try:
        load_settings(tmp_path, env={})
    except SettingsError as exc:
        assert "\n" not in str(exc).strip()
    # Through the command: either the settings or the --ticks value is refused first.
    code, _out, err = call(capsys, "--home", str(tmp_path), "run", "--ticks", "0")
    _check(code, err)
    assert code == EXIT_INVALID_CONFIG
    assert nothing_started(tmp_path)


@FUZZ
@given(content=st.binary(max_size=64))
def test_random_bytes_as_settings_are_refused_in_one_line(capsys, tmp_path, content):
    (tmp_path / "settings.json").write_bytes(content)
    try:
        load_settings(tmp_path, env={})
    except SettingsError as exc:
        assert "\n" not in str(exc).strip()
    code, _out, err = call(capsys, "--home", str(tmp_path), "up", "--workers", "0")
    _check(code, err)
    assert code == EXIT_INVALID_CONFIG
    assert nothing_started(tmp_path)


@FUZZ
@given(name=st.sampled_from(["HARNESS_TEMPORAL_TLS", "HARNESS_BROKER_SUB_ACCOUNTS",
                             "HARNESS_MOCKOON_URL", "HARNESS_NAMESPACE",
                             "HARNESS_WORKFLOW_SANDBOX"]),
       value=st.text(max_size=10))
def test_random_environment_settings_load_or_are_refused(name, value):
    try:
        load_settings(None, env={name: value})
    except SettingsError as exc:
        assert "\n" not in str(exc).strip()


def test_usage_errors_exit_64_not_2(capsys, tmp_path):
    code, _out, err = call(capsys, "--home", str(tmp_path), "run", "--ticks", "x")
    assert code == EXIT_USAGE and "invalid int value: 'x'" in err
    assert len(err.splitlines()) == 2
