"""Session-wide fixtures: a real runtime (dev server + Mockoon [+ worker]) in a temp home.

Engine tests use `runtime` (or `runtime_no_worker` to run their own in-process workers on
separate task queues) and talk to `info.temporal_address` / `info.mockoon_url`.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from engine.runtime.state import RuntimeInfo
from engine.runtime.supervisor import Supervisor

START_TIMEOUT_S = 90.0  # generous: a loaded CI machine imports the worker slowly

# A shell without job control (`make test &` in a script, some CI runners) starts the suite
# with SIGINT ignored, and an ignored signal stays ignored across exec: every command a test
# interrupts with Ctrl-C would ignore it and hang. Take Ctrl-C back, as a terminal's
# foreground job has it; a handled signal is reset to the default in each child.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _start(tmp_path_factory: pytest.TempPathFactory, name: str, **options) -> Supervisor:
    supervisor = Supervisor(tmp_path_factory.mktemp(name), headless=True, **options)
    supervisor.start(timeout=START_TIMEOUT_S)
    return supervisor


@pytest.fixture(scope="session")
def runtime_supervisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervisor]:
    """The Supervisor behind `runtime`, for tests that need kill_worker() or health()."""
    supervisor = _start(tmp_path_factory, "harness-home", with_worker=True)
    yield supervisor
    supervisor.stop()


@pytest.fixture(scope="session")
def runtime(runtime_supervisor: Supervisor) -> RuntimeInfo:
    """A running runtime with one worker (python -m engine.worker). Its addresses stay valid
    for the session; its pids do not (tests/chaos kills the worker): for live pids read
    `runtime_supervisor.info`."""
    return runtime_supervisor.info


@pytest.fixture(scope="session")
def runtime_no_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeInfo]:
    """Dev server + Mockoon only, for tests that run their own workers in-process."""
    supervisor = _start(tmp_path_factory, "harness-home-no-worker", with_worker=False)
    yield supervisor.info
    supervisor.stop()
