"""The source install on a machine without Node: a fresh copy of this checkout, `node` and
`npm` on PATH replaced by shims that fail, runs `make setup` (npm ci on the wheel's Node)
and then the runtime tests that start Mockoon. Slow (a new venv: pip reuses its cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.helpers import REPO
from tests.runtime.test_node_from_wheel import failing_shims

# A new venv and npm ci under load: minutes, not the suite's default 300 s.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
# Runtime tests run in the copy: Mockoon from the CLI and from the supervisor.
RUNTIME_TESTS = ("tests/runtime/test_node_from_wheel.py", "tests/mockoon/test_environment.py")


def fresh_copy(destination: Path) -> Path:
    """The files a fresh clone of this working tree has (tracked and new, not ignored):
    what is being changed gets tested, not only what is committed."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.fixture
def clone(tmp_path):
    """The copy, removed afterwards: its venv weighs over a gigabyte, and pytest keeps the
    temporary directories of its last three sessions."""
    yield fresh_copy(tmp_path / "clone")
    shutil.rmtree(tmp_path / "clone", ignore_errors=True)


def test_make_setup_and_runtime_tests_without_a_system_node(tmp_path, clone):
    shims = failing_shims(tmp_path / "shims", "node", "npm", "npx", "nodejs")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST", "HARNESS_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{shims}{os.pathsep}{env.get('PATH', '')}"
    base_python = getattr(sys, "_base_executable", sys.executable)
    setup = subprocess.run(["make", "setup", f"PYTHON={base_python}"], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=1500)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-3000:]
    assert "shim:" not in setup.stdout + setup.stderr
    assert (clone / "mockoon" / "node_modules" / "@mockoon" / "cli" / "bin" / "run.js").is_file()

    tests = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-m", "pytest", "-q",
                            "-p", "no:cacheprovider", *RUNTIME_TESTS],
                           cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
