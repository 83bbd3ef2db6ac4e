"""The bundle's parts that need no build: the frozen entry's environment, the worker
command a bundle uses, the desktop entry and its installer, the icon, the smoke test's own
rules. The built bundle itself is tested by `make package-test` (packaging/smoke_test.py)."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.icon import APP_ID, app_icon, icon_dir
from engine.runtime.worker_process import default_worker_command

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
sys.path.insert(0, str(PACKAGING))  # the scripts there are not a package (the name is taken)
import frozen_entry  # noqa: E402
import smoke_test  # noqa: E402

ENTRY = PACKAGING / "linux" / f"{APP_ID}.desktop"
INSTALLER = PACKAGING / "linux" / "install-desktop.sh"


def test_frozen_entry_puts_the_bundled_programs_first_on_path(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    env = {"PATH": "/usr/bin:/bin"}
    frozen_entry.prepare_environment(env)
    assert env["PATH"].split(os.pathsep) == [str(tmp_path / "bin"), "/usr/bin", "/bin"]
    assert env["HARNESS_TEMPORAL_BIN"] == str(tmp_path / "bin" / "temporal")
    frozen_entry.prepare_environment(env)  # a child of the bundle runs it again: no growth
    assert env["PATH"].count(str(tmp_path / "bin")) == 1
    pinned = {"PATH": "", "HARNESS_TEMPORAL_BIN": "/opt/temporal"}
    frozen_entry.prepare_environment(pinned)  # the user's override wins
    assert pinned == {"PATH": str(tmp_path / "bin"), "HARNESS_TEMPORAL_BIN": "/opt/temporal"}


def test_a_bundle_runs_its_workers_as_itself_with_the_worker_subcommand(monkeypatch):
    assert default_worker_command()[1:] == ["-u", "-m", "engine.worker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/harness/harness")
    assert default_worker_command() == ["/opt/harness/harness", "worker"]
    from app.launch import parse_app_args
    from engine.cli import build_parser

    assert parse_app_args(["worker"]) is None  # the engine's command line, not the window
    args = build_parser().parse_args(["worker"])
    assert args.command == "worker" and args.temporal_address is None  # all from settings


def test_one_reverse_dns_id_names_the_entry_the_icon_and_the_mac_bundle():
    assert re.fullmatch(r"[a-z]+(\.[A-Za-z_][A-Za-z0-9_]*){2,}", APP_ID)
    spec = (PACKAGING / "harness.spec").read_text()
    assert f'APP_ID = "{APP_ID}"' in spec
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(ENTRY)
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Icon"] == APP_ID
    assert desktop["Exec"] == '"@BUNDLE@/harness" app' and desktop["Terminal"] == "false"
    assert desktop["Categories"].endswith(";")


def test_the_icon_has_every_size_and_is_the_windows_icon(qapp):
    icon = app_icon(qapp.style())
    sizes = {size.width() for size in icon.availableSizes()}
    assert {16, 32, 48, 64, 128, 256} <= sizes
    assert (icon_dir() / "harness.svg").is_file()
    assert all((icon_dir() / f"harness.{s}").is_file() for s in ("ico", "icns"))


def _fake_bundle(tmp_path: Path) -> Path:
    """A stand-in one-folder bundle (an executable `harness` and a data file): the
    installer only copies it, so what it copies need not be a real build."""
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "data.txt").write_text("payload")
    program = bundle / "harness"
    program.write_text("#!/bin/sh\necho harness \"$@\"\n")
    program.chmod(0o755)
    return bundle


def _install(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data), "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(INSTALLER), *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_install_desktop_puts_bundle_entry_and_icons_in_the_users_dirs(tmp_path):
    data = tmp_path / "data home"  # a space: the Exec line must quote the path
    result = _install(data, str(_fake_bundle(tmp_path)))
    assert result.returncode == 0, result.stderr
    installed = data / APP_ID
    assert (installed / "_internal" / "data.txt").read_text() == "payload"
    entry = (data / "applications" / f"{APP_ID}.desktop").read_text()
    assert f'Exec="{installed}/harness" app' in entry and "@BUNDLE@" not in entry
    exec_line = re.search(r'^Exec="([^"]+)" app$', entry, re.M).group(1)
    assert subprocess.run([exec_line, "app"], capture_output=True, text=True).stdout == \
        "harness app\n"  # what a double click runs
    for size in (16, 48, 256):
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()

    removed = _install(data, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert not installed.exists() and not (data / "applications" / f"{APP_ID}.desktop").exists()
    assert not list((data / "icons").rglob(f"{APP_ID}.*"))


def test_install_desktop_without_a_bundle_says_so_and_installs_nothing(tmp_path):
    data = tmp_path / "data"
    result = _install(data, str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "no bundle at" in result.stderr and "make package" in result.stderr
    assert not data.exists()


def test_smoke_test_empties_path_of_python_and_node(tmp_path, monkeypatch):
    tools, plain = tmp_path / "tools", tmp_path / "plain"
    for folder, name in ((tools, "node"), (plain, "ls-like")):
        folder.mkdir()
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)
    path = os.pathsep.join([str(tools), str(plain), os.path.dirname(sys.executable)])
    assert smoke_test.stripped_path(path) == str(plain)
    monkeypatch.setenv("PATH", path)
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = smoke_test.bare_environment(tmp_path / "home")
    # bwrap and prlimit come back alone (a machine with bubblewrap but no Python).
    sandbox_tools = smoke_test.sandbox_tools_dir(tmp_path / "home")
    assert env["PATH"] == os.pathsep.join([str(plain), str(sandbox_tools)])
    assert sorted(p.name for p in sandbox_tools.iterdir()) == ["bwrap", "prlimit"]
    assert "PYTHONPATH" not in env
    assert env["QT_QPA_PLATFORM"] == "offscreen" and env["HARNESS_HOME"].endswith("home")


@pytest.mark.parametrize(("line", "allowed"), [
    ("2026-11-30 05:30:28,466 INFO app.main: window shown 0.37 s after launch", True),
    ("This plugin does not support propagateSizeHints()", True),
    ("2026-11-30 05:30:28,466 WARNING engine.runtime: worker-1 died", False),
    ("Traceback (most recent call last):", False),
    ("Fatal Python error: PyGILState_Release", False),
])
def test_smoke_test_stderr_allow_list(line, allowed):
    assert smoke_test.unexpected_lines(line + "\n") == ([] if allowed else [line])
