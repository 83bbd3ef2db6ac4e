"""Without a working backend: one clear line saying which and why (no Docker needed)."""

from __future__ import annotations

import pytest

from engine.sandbox import (
    SandboxUnavailable,
    bwrap,
    check_backend,
    docker,
    reap_orphans,
    resolve_backend,
)


@pytest.fixture(autouse=True)
def fresh_checks(monkeypatch):
    # A success of another test must not stand in for these checks.
    monkeypatch.setattr(docker, "_ok_until", 0.0)


def test_an_unreachable_docker_daemon_is_named(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxUnavailable, match=r"^docker: the daemon does not answer"):
        check_backend("docker")
    assert reap_orphans() == 0  # worker start-up goes on without Docker


def test_auto_falls_back_to_bwrap_without_docker(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert resolve_backend("auto") == "bwrap"


def test_auto_without_any_backend_says_why_for_each(monkeypatch, tmp_path):
    monkeypatch.setattr(bwrap, "_checked_ok", False)
    monkeypatch.setenv("PATH", str(tmp_path))  # neither docker nor bwrap
    with pytest.raises(SandboxUnavailable) as err:
        resolve_backend("auto")
    message = str(err.value)
    assert message.startswith("no sandbox backend works here: docker: the docker CLI")
    assert "bwrap: `bwrap` is not installed" in message
    assert "\n" not in message
