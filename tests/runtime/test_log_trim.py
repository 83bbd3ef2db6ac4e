"""A runtime that runs for weeks keeps each child's log under its cap: the live log is
copied to `.1` and truncated in place, and the child goes on writing into it. Before,
Mockoon's and the worker's logs grew by about 23 KB per tick (a 50,000-tick run: about
1 GB), with nothing to stop them."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from engine.runtime import log_trim
from engine.runtime.home import logs_dir
from engine.runtime.log_trim import previous_log, trim
from engine.runtime.processes import ChildProcess
from engine.runtime.supervisor import Supervisor
from tests.runtime.helpers import wait_until

CAP = 32 * 1024


def test_a_trimmed_log_keeps_receiving_the_childs_lines_at_its_start(tmp_path: Path) -> None:
    """The child writes through a descriptor opened for appending, as ChildProcess gives
    it: after the truncation its next line lands at the new end, with no hole before it."""
    path = tmp_path / "child.log"
    child = ChildProcess("talker", [sys.executable, "-u", "-c", (
        "import sys, time\n"
        "for n in range(100000):\n"
        "    print(f'line {n} ' + 'x' * 200)\n"
        "    time.sleep(0.001)\n")], path)
    child.start()
    try:
        wait_until(lambda: path.stat().st_size > CAP, 30, "the log to pass its cap")
        assert trim(path, CAP)
        assert previous_log(path).stat().st_size > CAP
        assert len(child.log_tail(lines=5).splitlines()) == 5  # from the .1 if need be
        wait_until(lambda: path.stat().st_size > 1000, 30, "new lines after the trim")
        head = path.read_bytes()[:1000]
        assert b"\0" not in head  # no sparse hole where the old contents were
        assert head.startswith(b"line ")
    finally:
        child.stop(grace=1)



def test_a_log_not_written_yet_is_no_error(tmp_path: Path, caplog) -> None:
    """A standby worker that has not started has no log yet: nothing to trim, nothing said
    (the bundle's smoke test refuses unexpected warnings)."""
    assert not trim(tmp_path / "absent.log", CAP)
    assert not caplog.records


def test_the_supervisor_trims_mockoons_log_and_mockoon_keeps_logging(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(log_trim, "CHECK_EVERY_S", 0.5)
    with Supervisor(tmp_path, headless=True, with_worker=False, log_cap_bytes=CAP) as sup:
        mockoon_log = logs_dir(sup.home) / "mockoon.log"
        with httpx.Client(base_url=sup.info.mockoon_url, timeout=10) as api:
            for _ in range(200):  # about 300 bytes of log each
                api.get("/v2/stocks/AAPL/quotes/latest")
            wait_until(lambda: previous_log(mockoon_log).exists(), 30, "the first trim")
            marker = f"/v2/stocks/after-{uuid.uuid4().hex}"
            api.get(marker)
        wait_until(lambda: marker in mockoon_log.read_text(errors="replace"), 10,
                   "Mockoon to log the next request into the trimmed log")
        assert mockoon_log.stat().st_size <= 2 * CAP
        assert previous_log(mockoon_log).stat().st_size > CAP
    done = subprocess.run(["du", "-sb", str(logs_dir(tmp_path))], capture_output=True,
                          text=True, check=True)
    assert int(done.stdout.split()[0]) < 8 * CAP  # every log and its .1, capped
