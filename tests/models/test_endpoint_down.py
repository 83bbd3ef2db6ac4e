"""`harness run` with a compatible model whose endpoint does not answer: one line, exit 3,
before anything starts (before: exit 0 after 15 s, `model_errors: 2`, the reason only in
logs/worker-1.log). Needs no model server: nothing listens on the port it names."""

from __future__ import annotations

from engine.cli.exit_codes import EXIT_MISSING_DEPENDENCY
from tests.cli.helpers import nothing_started
from tests.runtime.helpers import env_without, harness
from tests.support.llama_server import free_port


def test_run_against_a_model_endpoint_that_is_down_exits_3_at_once(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = harness(tmp_path, "run", "--model", "compatible:smollm2", "--ticks", "2",
                     env=env_without("OPENAI_API_KEY", HARNESS_OPENAI_BASE_URL=url))
    assert result.returncode == EXIT_MISSING_DEPENDENCY, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"harness: missing dependency: the model endpoint {url} does "
                               "not answer (ConnectError"), lines[0]
    assert nothing_started(tmp_path)


def test_run_against_an_endpoint_without_the_model_exits_3(tmp_path):
    from tests.support.chat_completions_server import ChatCompletionsDouble

    with ChatCompletionsDouble() as double:  # it lists test-double only
        result = harness(tmp_path, "run", "--model", "compatible:smollm2", "--ticks", "2",
                         env=env_without("OPENAI_API_KEY",
                                         HARNESS_OPENAI_BASE_URL=double.base_url))
    assert result.returncode == EXIT_MISSING_DEPENDENCY, result.stderr
    assert "does not serve 'smollm2' (it lists ['test-double'])" in result.stderr
    assert nothing_started(tmp_path)
