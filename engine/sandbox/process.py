"""Run one host command (bwrap, docker) with bounded output and a wall clock.

Output is capped: a job printing forever must not fill the worker's memory. The
command runs in its own session so a kill reaches it and whatever it started.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.runtime.parent_death import die_with_parent_preexec

OUTPUT_CAP = 1 << 20  # bytes kept per stream; the rest is read and dropped


@dataclass(frozen=True)
class Completed:
    returncode: int | None  # None: killed by our wall clock
    stdout: str
    stderr: str
    timed_out: bool
    duration_s: float


async def _drain(stream: asyncio.StreamReader, cap: int) -> bytes:
    kept = bytearray()
    dropped = 0
    while chunk := await stream.read(65536):
        room = cap - len(kept)
        kept += chunk[:room]
        dropped += max(0, len(chunk) - room)
    if dropped:
        kept += f"\n[... {dropped} bytes dropped]".encode()
    return bytes(kept)


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def run_bounded(argv: Sequence[str], timeout_s: float, *, env: dict[str, str] | None = None,
                      on_spawn: Callable[[asyncio.subprocess.Process], None] | None = None,
                      kill_also: Callable[[], None] | None = None,
                      stdin_data: bytes | None = None, **popen_kwargs) -> Completed:
    """Run argv; on timeout or cancellation SIGKILL its process group and reap it.
    popen_kwargs pass to the subprocess (user=, group=, extra_groups= drop privileges;
    pass_fds=, executable=). `on_spawn` sees the process as soon as it exists;
    `kill_also` ends what the process group does not hold (a bwrap sandbox's pid
    namespace): called with every kill, and once the process has exited. `stdin_data`
    is written to the process's stdin, then closed (else stdin is /dev/null)."""
    started = time.monotonic()
    # Our own parent-death signal, besides bwrap's --die-with-parent: that one is set in
    # the sandbox's inner process and ties it to bwrap, not bwrap to us, and an orphaned
    # bwrap (parent pid 1) was seen to outlive its SIGKILLed caller. CPython runs the
    # preexec after dropping privileges, so the setting survives into bwrap.
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL if stdin_data is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, start_new_session=True, env=env,
        preexec_fn=die_with_parent_preexec(), **popen_kwargs)
    assert proc.stdout is not None and proc.stderr is not None
    if on_spawn is not None:
        on_spawn(proc)

    def kill() -> None:
        _kill_group(proc)
        if kill_also is not None:
            kill_also()

    async def exited() -> int:
        code = await proc.wait()
        if kill_also is not None:  # whatever it left holding our pipes goes with it
            kill_also()
        return code

    async def feed() -> None:
        if stdin_data is None or proc.stdin is None:
            return
        try:
            proc.stdin.write(stdin_data)
            await proc.stdin.drain()
            proc.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped reading (it failed, or was killed): its exit says why

    async def communicate() -> tuple[bytes, bytes, int]:
        out, err, code, _ = await asyncio.gather(_drain(proc.stdout, OUTPUT_CAP),
                                                 _drain(proc.stderr, OUTPUT_CAP), exited(),
                                                 feed())
        return out, err, code

    # The clock covers the exit too, not only the output: a job that closes its stdout
    # and stderr and then sleeps must still meet it.
    finishing = asyncio.ensure_future(communicate())
    timed_out = False
    try:
        try:
            out, err, returncode = await asyncio.wait_for(asyncio.shield(finishing), timeout_s)
        except TimeoutError:
            timed_out = True
            kill()
            out, err, returncode = await finishing
    except BaseException:
        # Cancelled (the activity was cancelled or timed out): kill, then reap, so no
        # sandbox outlives the task that awaited it.
        kill()
        finishing.cancel()
        await asyncio.shield(proc.wait())
        raise
    return Completed(
        returncode=None if timed_out else returncode,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
    )
