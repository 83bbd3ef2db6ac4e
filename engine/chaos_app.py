"""`harness chaos --target app`: kill the process that started the runtime, start the next.

The window hosts its runtime's supervisor in its own process, so killing the app takes
the server, Mockoon and the workers with it (they die with their parent). The next app
starts a runtime on the same home, the same SQLite history and broker journal, and the
agent resumes where it was. Here the "app" is its headless twin, `harness up`, in a
process of its own; each new one listens on new ports, so the experiment's client is
re-attached after every restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from engine.client import HarnessClient
from engine.config import Settings
from engine.runtime.parent_death import die_with_parent_preexec
from engine.runtime.state import RuntimeInfo, read_runtime

START_TIMEOUT_S = 120.0


class AppProcess:
    """One headless app (`harness up`) after another, on one home."""

    def __init__(self, home: Path, workers: int) -> None:
        self.home = home
        self._argv = [sys.executable, "-m", "engine.cli", "--home", str(home), "up",
                      "--headless", "--workers", str(workers)]
        self._proc: subprocess.Popen | None = None
        self.log_path = home / "logs" / "chaos-app.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)  # a fresh home has none yet
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()

    def start(self) -> None:
        # It dies with us: a chaos command killed by its caller (a CI timeout) must not
        # leave a whole runtime behind. (Started from the event loop's thread, which lives
        # as long as the command: see engine/runtime/parent_death.py.)
        self._proc = subprocess.Popen(self._argv, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL,
                                      preexec_fn=die_with_parent_preexec())

    def wait_ready(self) -> RuntimeInfo:
        """The new app's runtime once every service in it is ready."""
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self._proc.returncode}; "
                                   f"see {self.log_path}")
            info = read_runtime(self.home)
            if (info is not None and info.supervisor_pid == self._proc.pid
                    and all(s.get("status") == "ready" for s in info.services.values())):
                return info
            time.sleep(0.05)
        raise TimeoutError(f"the app's runtime was not ready in {START_TIMEOUT_S:.0f} s")

    def kill_and_restart(self) -> float | None:
        """SIGKILL the app (its runtime dies with it) and start the next one at once;
        the moment it died."""
        if self._proc is None:
            return None
        if self._proc.poll() is not None:  # a finding, not a kill to skip
            raise RuntimeError(f"the app exited on its own with {self._proc.returncode}; "
                               f"see {self.log_path}")
        os.kill(self._proc.pid, signal.SIGKILL)
        died_at = time.time()
        self._proc.wait()
        self.start()
        return died_at

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()


class ReattachingClient:
    """A HarnessClient whose connection is swapped for the next app's runtime."""

    def __init__(self, client: HarnessClient) -> None:
        self.current = client

    @classmethod
    async def connect(cls, info: RuntimeInfo) -> ReattachingClient:
        return cls(await _client(info))

    async def reattach(self, info: RuntimeInfo) -> None:
        self.current = await _client(info)

    def __getattr__(self, name: str):
        return getattr(self.current, name)


async def _client(info: RuntimeInfo) -> HarnessClient:
    return await HarnessClient.connect(
        Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url))
