"""`harness sandbox check`: the real probes in the real bwrap; an unreachable Docker named."""

from __future__ import annotations

import json

from engine.cli import main
from engine.cli.exit_codes import EXIT_MISSING_DEPENDENCY, EXIT_OK
from engine.sandbox import docker
from engine.sandbox.probes import probes


def test_check_bwrap_proves_isolation_as_json(capsys):
    assert main(["sandbox", "check", "--backend", "bwrap", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    (bwrap,) = report["backends"]
    assert report["auto"] == "bwrap"
    assert bwrap["available"] and bwrap["isolated"]
    assert {p["name"] for p in bwrap["probes"]} == {p.name for p in probes()}
    assert all(p["passed"] for p in bwrap["probes"]), bwrap["probes"]
    by_name = {p["name"]: p["reason"] for p in bwrap["probes"]}
    assert (by_name["memory_hog"], by_name["infinite_loop"]) == ("memory", "timeout")
    # The hostile self-test is part of it, and what bwrap does not promise is named.
    assert {"faked_score", "privileged_syscalls", "daemon", "host_paths"} <= set(by_name)
    assert any("address-space limit" in w for w in bwrap["weaknesses"])
    assert not any(w.startswith("FAILED") for w in bwrap["weaknesses"])


def test_check_names_an_unavailable_backend_and_exits_3(capsys, monkeypatch):
    monkeypatch.setattr(docker, "_ok_until", 0.0)
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert main(["sandbox", "check", "--backend", "docker"]) == EXIT_MISSING_DEPENDENCY
    out = capsys.readouterr().out
    assert out.startswith("docker  unavailable: docker: the daemon does not answer")
