"""The bundle's entry point: the `harness` program with everything it runs inside it.

A PyInstaller build has no Python and needs no Node on the machine: the `temporal` CLI and
a Node runtime sit in `<bundle>/bin`, the Mockoon environment and CLI in `<bundle>/mockoon`
(where engine/runtime/mockoon.py looks, relative to its own module). Putting `bin` first on
PATH is all the engine needs to find them; nothing in engine/ knows it is frozen except the
worker command (the app binary with the `worker` subcommand, see
engine/runtime/worker_process.py). From here on it is the same `harness` as the console
script: no argument opens the window, a subcommand runs the engine's command line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def bundle_dir() -> Path:
    # _MEIPASS: the one-folder bundle's _internal/, or the one-file build's unpack dir.
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent))


def prepare_environment(environ: dict | os._Environ = os.environ) -> None:
    bin_dir = bundle_dir() / "bin"
    path = environ.get("PATH", "")
    if str(bin_dir) not in path.split(os.pathsep):
        # Children (Mockoon's node, the dev server) inherit it; first, so the bundled,
        # tested versions win over whatever the machine has.
        environ["PATH"] = os.pathsep.join(p for p in (str(bin_dir), path) if p)
    temporal = bin_dir / ("temporal.exe" if sys.platform == "win32" else "temporal")
    environ.setdefault("HARNESS_TEMPORAL_BIN", str(temporal))


def main() -> None:
    prepare_environment()
    from app.launch import run

    run()


if __name__ == "__main__":
    main()
