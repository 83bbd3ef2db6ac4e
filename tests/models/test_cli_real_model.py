"""`harness run` as a user runs it against the real server (issue 19's command): the ticks
finish with the model answering, the report carries usage, and the terminal shows no
traceback (the supervisor's task proxy printed `trailing_metadata` TypeErrors while a slow
real model call was in flight; its fix is on the durable branch, this test holds it)."""

from __future__ import annotations

import json

from tests.models.conftest import DUMMY_KEY
from tests.runtime.helpers import env_without, harness
from tests.support.llama_server import MODEL


def test_harness_run_on_a_real_model_finishes_with_no_traceback(tmp_path, llama):
    env = env_without("OPENAI_API_KEY", HARNESS_OPENAI_BASE_URL=llama.base_url,
                      HARNESS_OPENAI_API_KEY=DUMMY_KEY, HARNESS_MODEL_TIMEOUT_S="120")
    result = harness(tmp_path, "run", "--model", MODEL, "--ticks", "2", "--json", env=env,
                     timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "trailing_metadata" not in result.stderr, (
        result.stderr[-3000:])
    report = json.loads(result.stdout)
    assert report["ticks"] == 2 and report["model_usage"].split()[0] != "0", report
    for log in (tmp_path / "logs").glob("*.log"):
        assert DUMMY_KEY not in log.read_text(errors="replace"), log
    status = (tmp_path / "model-endpoints.json")
    assert status.exists(), "the worker's probe of the endpoint is kept in the home"
    assert DUMMY_KEY not in status.read_text()
