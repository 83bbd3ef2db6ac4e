"""Both ways to the sandbox image, each built for real where it can run:

- sandbox/Dockerfile: its FROM image comes from a registry, which this machine cannot
  reach, so the test gives it a bare Debian base made locally (debootstrap minbase, no
  packages) and lets the Dockerfile install python3, numpy and pandas itself;
- the fallback, sandbox/build_image.py's debootstrap + docker import.

Each image must import what the runner needs, as uid 65534, with no network. Slow (two
debootstraps and one docker build from Debian's mirror): minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest

from tests.sandbox.test_build_image import build_image

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]
BARE_CONFIG = ("ENV LANG=C.UTF-8", 'CMD ["/bin/bash"]')  # root, as a registry base image


def _docker_answers() -> bool:
    return shutil.which("docker") is not None and subprocess.run(
        ["docker", "version"], capture_output=True).returncode == 0


def _needs(ok: bool, what: str) -> None:
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} (CI runs sandbox/setup.sh deps dockerd first)")
        pytest.skip(what)


@pytest.fixture(scope="module")
def tags():
    _needs(_docker_answers(), "no Docker daemon answers")
    _needs(shutil.which("debootstrap") is not None or os.path.exists("/usr/sbin/debootstrap"),
           "debootstrap is not installed")
    _needs(os.geteuid() == 0, "debootstrap needs root")
    run = uuid.uuid4().hex[:8]
    made = {name: f"harness-test-{name}:{run}" for name in ("base", "dockerfile", "debootstrap")}
    yield made
    subprocess.run(["docker", "rmi", "-f", *made.values()], capture_output=True)


def _runs_the_runners_imports(tag: str) -> None:
    done = subprocess.run(["docker", "run", "--rm", "--network", "none", tag, "python3", "-c",
                           "import os, numpy, pandas; print(os.getuid())"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "65534"  # the image's USER: never root inside


def test_the_dockerfile_builds_the_image_from_a_debian_base(tags):
    build_image.build_from_debian(tags["base"], packages=(), config=BARE_CONFIG)
    why_not = build_image.build_from_dockerfile(tags["dockerfile"], base=tags["base"])
    assert why_not is None, why_not
    _runs_the_runners_imports(tags["dockerfile"])


def test_debootstrap_builds_the_same_image_without_a_registry(tags):
    build_image.build_from_debian(tags["debootstrap"])
    _runs_the_runners_imports(tags["debootstrap"])
