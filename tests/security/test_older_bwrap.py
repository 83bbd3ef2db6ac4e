"""A bwrap older than 0.8 has no --disable-userns: the sandbox still runs, the seccomp
filter alone refuses new user namespaces, and `harness sandbox check` says so. The old
bwrap is the real one behind a wrapper whose help no longer lists the option."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from engine.cli.sandbox import _found_weaknesses
from engine.sandbox import SandboxLimits, bwrap, run_in_sandbox
from engine.sandbox.hostile_probes import SYSCALLS, allowed_calls
from tests.sandbox.support import make_runner, make_script_job

WRAPPER = """#!/bin/sh
if [ "$1" = "--help" ]; then {real} --help 2>&1 | grep -v disable-userns; exit 0; fi
exec {real} "$@"
"""


@pytest.fixture
def older_bwrap(monkeypatch):
    folder = Path(tempfile.mkdtemp(prefix="harness-old-bwrap-"))
    try:
        folder.chmod(0o755)  # bwrap runs as uid 65534 when the worker is root
        script = folder / "bwrap"
        script.write_text(WRAPPER.format(real=shutil.which("bwrap")))
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
        monkeypatch.setattr(bwrap, "_checked_ok", False)
        bwrap.disables_userns.cache_clear()
        yield script
    finally:
        bwrap.disables_userns.cache_clear()
        shutil.rmtree(folder, ignore_errors=True)


async def test_without_disable_userns_the_filter_still_refuses_namespaces(older_bwrap,
                                                                         tmp_path):
    assert not bwrap.disables_userns()
    args = bwrap.build_args(SandboxLimits(), ["true"], files=[], seccomp_fd=9, info_fd=8)
    assert "--disable-userns" not in args
    result = await run_in_sandbox(make_script_job(tmp_path, SYSCALLS), backend="bwrap",
                                  limits=SandboxLimits(timeout_s=60.0), label="old-bwrap",
                                  command=["python3", "/job/probe.py"],
                                  runner=make_runner(tmp_path))
    assert result.reason == "ok", result
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert not allowed_calls(seen), seen
    assert any("no --disable-userns" in w for w in _found_weaknesses("bwrap"))
