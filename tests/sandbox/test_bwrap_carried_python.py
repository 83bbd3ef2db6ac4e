"""bubblewrap with a carried Python (what a bundle ships as sandbox-python): the real
runner runs a real family with it, and numpy comes from the carried directory, not
from the machine's /usr. Laid out by packaging/sandbox_python.py, as the bundle's build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from engine.sandbox import SandboxLimits, SandboxUnavailable, bwrap, run_in_sandbox
from engine.sandbox.bwrap_python import CARRIED_DIR_NAME, CARRIED_ENV, carried_dir, select
from tests.sandbox.runner_support import family_source, random_bars, write_job

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
import sandbox_python  # noqa: E402 - packaging/ is scripts, not a package

LIMITS = SandboxLimits(timeout_s=60.0)
WHERE = "import sys, numpy; print(sys.executable, numpy.__file__)"


@pytest.fixture(scope="module")
def carried() -> Path:
    """Under /tmp itself (pytest's tmp dirs are 0700: no way through for uid 65534)."""
    top = Path(tempfile.mkdtemp(prefix="harness-carried-python-"))
    top.chmod(0o755)
    try:
        sandbox_python.assemble(top / CARRIED_DIR_NAME)
        yield top / CARRIED_DIR_NAME
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def use_carried(carried, monkeypatch) -> Path:
    monkeypatch.setenv(CARRIED_ENV, str(carried))
    monkeypatch.setattr(bwrap, "_checked_ok", False)  # the trial runs again, with it
    return carried


async def test_the_runner_runs_a_family_with_the_carried_python(use_carried, tmp_path):
    job = write_job(tmp_path / "job", random_bars(300), family_source("sma_cross"),
                    {"fast": 10, "slow": 50}, split=0.6, fee_bps=1.0, slippage_bps=5.0)
    result = await run_in_sandbox(job.parent, backend="bwrap", limits=LIMITS, label="t-carried")
    assert (result.backend, result.reason) == ("bwrap", "ok"), result.stderr
    signal = json.loads(result.stdout)["signal"]  # the worker scores it, out of the sandbox
    assert len(signal) == 300 and set(signal) == {0.0, 1.0}


async def test_numpy_and_the_interpreter_come_from_the_carried_directory(use_carried,
                                                                         tmp_path):
    job = tmp_path / "probe"
    job.mkdir()
    result = await run_in_sandbox(job, backend="bwrap", limits=LIMITS, label="t-where",
                                  command=["python3", "-c", WHERE])
    assert result.reason == "ok", result.stderr
    executable, numpy_file = result.stdout.split()
    assert executable == "/opt/python/bin/python3"
    assert numpy_file.startswith("/opt/python/lib/") and "/usr/" not in numpy_file


def test_its_bytecode_holds_when_a_copy_changes_the_files_times(carried):
    """PyInstaller copies the carried tree without keeping mtimes, and the sandbox mounts
    it read-only: bytecode checked against its source's mtime was stale in every bundle,
    so each sandbox run compiled the standard library and numpy again."""
    for source in (carried / "lib").rglob("*.py"):
        os.utime(source, (1_000_000_000, 1_000_000_000))  # as a copy that keeps no times
    trace = subprocess.run(
        [str(carried / "bin" / "python3"), "-v", "-c",
         "import numpy, json, argparse, dataclasses, traceback, tempfile"],
        capture_output=True, text=True, timeout=60)
    assert trace.returncode == 0, trace.stderr[-2000:]
    assert "code object from" in trace.stderr  # -v does trace the loads
    stale = [line for line in trace.stderr.splitlines() if "bytecode is stale" in line]
    assert not stale, stale[:5]


def test_the_carried_python_is_mounted_read_only(use_carried):
    python = select()
    assert python.mounts == ("--ro-bind", str(use_carried), "/opt/python")
    assert python.imports == "numpy"  # the runner's needs: standard library and numpy


def test_a_frozen_bundle_finds_its_own(tmp_path, monkeypatch):
    monkeypatch.delenv(CARRIED_ENV, raising=False)
    (tmp_path / CARRIED_DIR_NAME).mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)  # as PyInstaller's
    assert carried_dir() == tmp_path / CARRIED_DIR_NAME
    monkeypatch.delattr(sys, "_MEIPASS")
    assert carried_dir() is None and select().origin == "system"


def test_a_named_directory_without_python_is_a_clear_refusal(tmp_path, monkeypatch):
    monkeypatch.setenv(CARRIED_ENV, str(tmp_path))
    with pytest.raises(SandboxUnavailable, match="has no bin/python3"):
        select()


@pytest.mark.skipif(os.geteuid() != 0, reason="uid 65534 is the sandbox's user only as root")
def test_as_root_a_directory_nobody_can_reach_is_named(carried, tmp_path, monkeypatch):
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    shutil.copytree(carried / "bin", hidden / CARRIED_DIR_NAME / "bin")
    monkeypatch.setenv(CARRIED_ENV, str(hidden / CARRIED_DIR_NAME))
    with pytest.raises(SandboxUnavailable, match="not reachable by uid 65534"):
        select()
