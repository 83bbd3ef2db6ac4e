"""The model's key is checked where the model is called: `harness run` attached to a
runtime started elsewhere asks that runtime's workers (their ready files record which
providers they can call), not its own environment. Real supervisor, Temporal dev server,
Mockoon and worker; the OpenAI-compatible service is the TEST DOUBLE of tests/support."""

from __future__ import annotations

import json

import pytest

from engine.runtime.model_access import check_runtime_model_access, recorded_access
from engine.runtime.supervisor import Supervisor
from engine.validation import InvalidInput
from tests.runtime.helpers import env_without, harness
from tests.support.chat_completions_server import ChatCompletionsDouble

NOT_A_KEY = "sk-harness-test-" + "n0tAk3y" * 4
KEYLESS = ("OPENAI_API_KEY", "HARNESS_OPENAI_API_KEY", "HARNESS_OPENAI_BASE_URL", "HARNESS_HOME")


@pytest.fixture
def keyless_worker_env(monkeypatch):
    """The supervisor (so its workers) without any model key or base URL; no keyring
    backend answers on this machine, so the environment is all there is."""
    for name in KEYLESS:
        monkeypatch.delenv(name, raising=False)


def test_attached_run_is_refused_naming_the_worker_that_lacks_the_key(tmp_path,
                                                                       keyless_worker_env):
    with Supervisor(tmp_path, headless=True) as supervisor:
        worker_pid = supervisor.info.services["worker-1"]["pid"]
        # The CLI has a key; the worker that would call OpenAI does not.
        result = harness(tmp_path, "run", "--model", "openai:gpt-4o-mini", "--ticks", "1",
                         env=env_without(*KEYLESS, OPENAI_API_KEY=NOT_A_KEY), timeout=90)
    assert result.returncode == 4, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("harness:"))
    assert "OPENAI_API_KEY" in line and f"worker-1 (pid {worker_pid})" in line, line
    assert NOT_A_KEY not in result.stderr + result.stdout


def test_attached_run_goes_ahead_when_the_worker_has_what_the_cli_lacks(tmp_path,
                                                                         keyless_worker_env,
                                                                         monkeypatch):
    with ChatCompletionsDouble() as double:
        monkeypatch.setenv("HARNESS_OPENAI_BASE_URL", double.base_url)  # the worker's only
        monkeypatch.setenv("HARNESS_OPENAI_API_KEY", NOT_A_KEY)
        with Supervisor(tmp_path, headless=True) as supervisor:
            [worker] = recorded_access(supervisor.info)
            assert worker.access == {"openai": False, "compatible": True}
            result = harness(tmp_path, "run", "--model", "compatible:test-double",
                             "--ticks", "2", "--json", env=env_without(*KEYLESS), timeout=240)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ticks"] == 2
    assert double.requests, "the worker called the model service"


def test_the_ready_file_holds_booleans_never_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("HARNESS_OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", NOT_A_KEY)
    with Supervisor(tmp_path, headless=True) as supervisor:
        ready = supervisor.info.services["worker-1"]["ready_file"]
        text = open(ready).read()
        assert NOT_A_KEY not in text
        assert json.loads(text)["model_access"] == {"openai": True, "compatible": False}
        assert check_runtime_model_access("openai:gpt-4o-mini", supervisor.info) == []
        with pytest.raises(InvalidInput, match=r"worker-1 \(pid \d+\)"):
            check_runtime_model_access("compatible:llama3.1", supervisor.info)
