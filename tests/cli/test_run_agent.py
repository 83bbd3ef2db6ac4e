"""`harness run` against a running runtime and its real worker: Ctrl-C says whether the
agent goes on, `--id` of a running agent needs `--attach` and the same options, a closed
stdout pipe ends quietly, a malformed run id is one line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from engine.cli.exit_codes import EXIT_INTERRUPTED, EXIT_INVALID_CONFIG, EXIT_OK, EXIT_UNHEALTHY
from engine.cli.settings import settings_for
from engine.client import HarnessClient
from engine.contracts import AgentConfig, ApprovalPolicy
from tests.cli.helpers import processes_of
from tests.runtime.helpers import REPO, cli_argv, harness, wait_until

STOP_S = 30


@pytest.fixture(scope="module")
async def client(runtime) -> HarnessClient:
    return await HarnessClient.connect(settings_for(runtime, runtime.home))


def _start_run(home: Path, *args: str, tmp: Path) -> tuple[subprocess.Popen, Path]:
    err = tmp / f"run-{uuid.uuid4().hex[:6]}.err"
    with err.open("w") as sink:
        # stdin a pipe nobody writes to: `--approve ask` waits on it like on a silent human.
        argv = cli_argv(home, "run", *args)
        argv[argv.index("engine.cli")] = "tests.cli.stack_dumping_cli"
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stdin=subprocess.PIPE,
                                   stderr=sink, cwd=REPO)
    return process, err


def _interrupt(process: subprocess.Popen, err: Path, when: str = "started") -> str:
    wait_until(lambda: when in err.read_text() or process.poll() is not None, 120,
               f"{when!r} on stderr")
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)  # every thread's stack, onto its stderr
        with contextlib.suppress(AssertionError):  # a dump or not, the failure says more
            wait_until(lambda: "most recent call first" in err.read_text(), 5, "the stacks")
        process.kill()
        process.wait()
        raise AssertionError(f"still running {STOP_S} s after Ctrl-C; its stderr, then "
                             f"where each thread was:\n{err.read_text()[-8000:]}") from None
    return err.read_text()


async def test_ctrl_c_on_run_in_a_running_runtime_says_the_agent_goes_on(runtime, client,
                                                                         tmp_path):
    workflow_id = f"cli-ctrl-c-{uuid.uuid4().hex[:8]}"
    process, err = _start_run(runtime.home, "--id", workflow_id, "--ticks", "100000",
                              "--interval", "0.5", "--start-date", "2004-01-02", tmp=tmp_path)
    said = await asyncio.to_thread(_interrupt, process, err)
    try:
        assert process.returncode == EXIT_INTERRUPTED, said
        assert "Traceback" not in said
        assert f"agent {workflow_id} goes on" in said and f"harness stop {workflow_id}" in said
        assert await client.is_running(workflow_id)
    finally:
        await client.stop(workflow_id)


async def test_ctrl_c_while_run_asks_for_an_approval_does_not_wait_for_an_answer(
        runtime, client, tmp_path):
    workflow_id = f"cli-ask-{uuid.uuid4().hex[:8]}"
    # The offline analyst's first AAPL buy from this date is above the $10,000 threshold.
    process, err = _start_run(runtime.home, "--id", workflow_id, "--ticks", "100000",
                              "--approve", "ask", "--start-date", "2004-01-02", tmp=tmp_path)
    try:
        said = await asyncio.to_thread(_interrupt, process, err, "approve? [y/N]")
        assert process.returncode == EXIT_INTERRUPTED, said
        assert "Traceback" not in said and f"agent {workflow_id} goes on" in said
    finally:
        if process.poll() is None:
            process.kill()
        await client.stop(workflow_id)


def test_ctrl_c_on_run_that_started_its_runtime_stops_it_and_says_so(tmp_path):
    home = tmp_path / "home"
    process, err = _start_run(home, "--ticks", "100000", "--interval", "0.5", tmp=tmp_path)
    said = _interrupt(process, err)
    assert process.returncode == EXIT_INTERRUPTED, said
    assert "Traceback" not in said
    assert "the runtime this command started is stopped" in said and "--attach" in said
    wait_until(lambda: not processes_of(home), 10, "no child of the runtime left")


async def test_run_id_of_a_running_agent_needs_attach_and_the_same_options(runtime, client,
                                                                           tmp_path):
    workflow_id = f"cli-attach-{uuid.uuid4().hex[:8]}"
    config = AgentConfig(symbols=["AAPL"], max_ticks=100_000, tick_interval_s=0.5,
                         start_date="2004-01-02", approval_policy=ApprovalPolicy.AUTO_APPROVE)
    await client.start_agent(config, workflow_id)
    try:
        await _refuse_then_attach(runtime, client, workflow_id, tmp_path)
    finally:
        if await client.is_running(workflow_id):
            await client.stop(workflow_id)


async def _refuse_then_attach(runtime, client, workflow_id: str, tmp_path: Path) -> None:

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return harness(runtime.home, "run", "--id", workflow_id, *args, timeout=120)

    refusals = [
        ((), "already running: pass --attach"),
        (("--attach", "--symbols", "MSFT"), "--symbols: 'MSFT' is not allowed; agent "
                                            f"{workflow_id} already runs with 'AAPL'"),
        (("--attach", "--ticks", "5"), "--ticks: 5 is not allowed; agent"),
        (("--attach", "--approve", "reject"), "--approve: 'auto-reject'"),
    ]
    for args, says in refusals:
        refused = await asyncio.to_thread(run, *args)
        assert refused.returncode == EXIT_INVALID_CONFIG, refused.stderr
        assert says in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    nobody = await asyncio.to_thread(
        harness, runtime.home, "run", "--id", "cli-never-started", "--attach")
    assert nobody.returncode == EXIT_INVALID_CONFIG and "no running agent" in nobody.stderr

    # The same options as the agent's (as typed, in another case) attach; stopping the
    # agent ends the attached run with its summary.
    out = tmp_path / "attached.out"
    with out.open("w") as sink:
        attached = subprocess.Popen(
            cli_argv(runtime.home, "run", "--id", workflow_id, "--attach", "--symbols", "aapl",
                     "--ticks", "100000", "--json"),
            stdout=sink, stderr=subprocess.PIPE, text=True, cwd=REPO)
    line = await asyncio.to_thread(attached.stderr.readline)
    assert line.strip() == f"attached to running agent {workflow_id}"
    await client.stop(workflow_id)
    await asyncio.to_thread(attached.wait, 60)
    assert attached.returncode == EXIT_OK, attached.stderr.read()
    report = json.loads(out.read_text())
    assert report["workflow_id"] == workflow_id and report["phase"] == "stopped"


async def test_a_closed_stdout_pipe_ends_quietly_and_a_bad_run_id_is_one_line(runtime, client):
    workflow_id = f"cli-pipe-{uuid.uuid4().hex[:8]}"
    config = AgentConfig(symbols=["AAPL", "MSFT"], max_ticks=20, start_date="2004-01-02",
                         approval_policy=ApprovalPolicy.AUTO_APPROVE)
    await client.start_agent(config, workflow_id)
    await client.result(workflow_id)
    full = await asyncio.to_thread(harness, runtime.home, "history", workflow_id, "--json")
    # Larger than a pipe's buffer: the writer must meet the closed end.
    assert full.returncode == EXIT_OK and len(full.stdout) > 4 * 65536

    def head_c_100() -> tuple[int, str, bytes]:
        read_end, write_end = os.pipe()
        process = subprocess.Popen(cli_argv(runtime.home, "history", workflow_id, "--json"),
                                   stdout=write_end, stderr=subprocess.PIPE, cwd=REPO)
        os.close(write_end)
        first = os.read(read_end, 100)
        os.close(read_end)  # what `| head -c 100` does
        _, stderr = process.communicate(timeout=60)
        return process.returncode, stderr.decode(), first

    code, stderr, first = await asyncio.to_thread(head_c_100)
    assert first.startswith(b"{")
    assert code == EXIT_OK and stderr == "", stderr

    garbage = await asyncio.to_thread(
        harness, runtime.home, "history", workflow_id, "--run-id", "garbage")
    assert garbage.returncode == EXIT_UNHEALTHY, garbage.stderr
    assert len(garbage.stderr.strip().splitlines()) == 1 and "Traceback" not in garbage.stderr
    assert "garbage" in garbage.stderr or "run" in garbage.stderr.lower()
