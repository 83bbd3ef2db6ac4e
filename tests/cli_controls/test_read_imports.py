"""The read commands load neither the Agents SDK nor its Temporal plugin (issue 21).

A query needs only a client with the plugin's data converter: `harness state`, `agents`,
`runs`, `history` and `status` are run here as a user runs them, against a real agent on
the session's runtime, and each says which modules it loaded. Measured before: 2.5-2.8 s
per call, most of it importing the Agents SDK (its `mcp` and `sandbox` modules included).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.contracts import AgentStateView, ApprovalPolicy, DecisionPageRequest
from tests.cli_controls.conftest import agent_config, wait_for_state
from tests.runtime.helpers import REPO

# What only running an agent needs: the SDK, its model client, its tools' servers, the
# plugin and the workflow code. A read command has no use for any of them.
HEAVY = ("agents", "openai", "mcp", "temporalio.openai_agents", "engine.plugin",
         "engine.workflows")
PROBE = """
import json, sys
from engine.cli import main
code = main({argv!r})
heavy = [p for p in {heavy!r} if any(m == p or m.startswith(p + '.') for m in sys.modules)]
print(json.dumps({{'code': code, 'heavy': heavy}}), file=sys.stderr, flush=True)
import os
os._exit(0)  # as `harness` itself ends: the SDK's threads can abort finalization
"""


def _run(runtime, *argv: str, heavy: tuple[str, ...] = HEAVY) -> tuple[dict, str]:
    probe = PROBE.format(argv=["--home", str(runtime.home), *argv], heavy=heavy)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    report = json.loads(next(line for line in reversed(result.stderr.splitlines())
                             if line.startswith('{"code"')))
    return report, result.stdout


@pytest.fixture(scope="module")
async def finished_agent(client) -> str:
    workflow_id = await client.start_agent(agent_config(
        max_ticks=3, tick_interval_s=0.0, approval_policy=ApprovalPolicy.AUTO_APPROVE))
    await client.result(workflow_id)
    return workflow_id


@pytest.mark.parametrize("command", [
    ("state", "{id}", "--json"), ("agents", "--json"), ("runs", "{id}", "--json"),
    ("history", "{id}", "--json")])
async def test_a_read_command_loads_no_agents_sdk_and_no_plugin(runtime, finished_agent,
                                                               command):
    argv = [part.format(id=finished_agent) for part in command]
    report, out = _run(runtime, *argv)
    assert report == {"code": 0, "heavy": []}, (argv, report)
    json.loads(out)  # it still printed its answer


def test_status_loads_neither_temporals_client_nor_pydantic(runtime):
    """`harness status` asks the server one gRPC question (GetSystemInfo, what a client's
    connect asks) and reads files: it needs no Temporal client (0.24 s of CPU to import)
    and no pydantic (the settings and contracts). Measured before: 0.62-0.74 s a call."""
    report, out = _run(runtime, "status", "--json", heavy=("temporalio", "pydantic"))
    assert report == {"code": 0, "heavy": []}, report
    status = json.loads(out)
    assert status["healthy"] and status["services"]["temporal"]["detail"] == "dev server answers"


async def test_the_light_client_reads_what_the_full_client_reads(runtime, client,
                                                                finished_agent):
    """Same state, same decisions, decoded by the read-only converter as by the plugin's."""
    report, out = _run(runtime, "state", finished_agent, "--json")
    assert report["code"] == 0
    light = AgentStateView.model_validate_json(out)
    full = await client.state(finished_agent)
    assert light == full and light.tick == 3


async def test_the_read_converter_writes_the_plugins_bytes(client):
    """A query's argument is encoded byte for byte as the plugin's converter encodes it, and
    a state decodes to the same object (so the two clients can never disagree)."""
    from engine.read_converter import read_data_converter

    ours = read_data_converter().payload_converter
    theirs = client.temporal.data_converter.payload_converter
    for value in (DecisionPageRequest(offset=3, limit=7), "note", 5, None,
                  {"a": [1, 2]}):
        assert ours.to_payloads([value]) == theirs.to_payloads([value]), value
    view = await wait_for_state(client, await client.start_agent(agent_config(
        max_ticks=2, tick_interval_s=0.0, approval_policy=ApprovalPolicy.AUTO_APPROVE)),
        lambda s: s.tick >= 1, "a tick")
    encoded = theirs.to_payloads([view])
    assert ours.to_payloads([view]) == encoded
    assert ours.from_payloads(encoded, [AgentStateView]) == [view]
