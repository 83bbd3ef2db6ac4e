"""`python -m engine.cli` that also dumps every thread's stack on SIGUSR1: what a Ctrl-C
test shows when the command it interrupted does not end."""

from __future__ import annotations

import faulthandler
import runpy
import signal

if __name__ == "__main__":
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    runpy.run_module("engine.cli", run_name="__main__", alter_sys=True)
