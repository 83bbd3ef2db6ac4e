"""The host-side runner under both backends: its clock and its output cap, on real
processes."""

from __future__ import annotations

import asyncio

from engine.sandbox.process import run_bounded


async def test_the_clock_covers_a_command_that_closes_its_output_and_lingers():
    # Output at EOF is not the end: the wall clock must hold until the process exits.
    done = await asyncio.wait_for(
        run_bounded(["sh", "-c", "echo started; exec >&- 2>&-; sleep 600"], 1.0), 20.0)
    assert done.timed_out and done.returncode is None
    assert done.stdout == "started\n"
    assert done.duration_s >= 1.0  # not ended at EOF: it held until the clock ran out


async def test_a_command_that_ends_reports_its_exit_code_and_output():
    done = await run_bounded(["sh", "-c", "echo out; echo err >&2; exit 7"], 10.0)
    assert (done.returncode, done.stdout, done.stderr, done.timed_out) == (7, "out\n", "err\n",
                                                                           False)
