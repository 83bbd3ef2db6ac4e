"""Hostile-environment fixtures: a small real file system for $HARNESS_HOME, programs
squatting on ports."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.helpers import PortSquatter, need_root


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 160 MB tmpfs mounted for the test: the home of a runtime that a test can
    fill up. Unmounted (lazily, in case a child still holds a file) afterwards."""
    need_root("mounting a tmpfs")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(mount)],
                   check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def squat() -> Iterator:
    squatters: list[PortSquatter] = []

    def take(port: int) -> PortSquatter:
        squatters.append(PortSquatter(port))
        return squatters[-1]

    yield take
    for squatter in squatters:
        squatter.leave()
