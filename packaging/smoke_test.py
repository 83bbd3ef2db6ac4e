"""Smoke test of the built bundle: does the double-click program work on a machine with no
Python and no Node?

    .venv/bin/python packaging/smoke_test.py [--bundle dist/harness/harness]

Starts the bundle's window (offscreen Qt) in a temporary HARNESS_HOME with PATH emptied of
every directory holding a python or node, and no PYTHON* variable; waits for the first
paint (cold start), every service healthy (`harness status` of the bundle itself), the first
tick (after the strategy discovery of the window's agent, timed on its own), 5 agent
ticks done (answering an approval with the bundle's `harness approve` if the agent asks),
one `harness discover --sandbox bwrap` run by the Python the bundle carries;
then SIGTERM, as the desktop does at logout: the window must quit with exit code 0, leave
no process behind and print nothing on stderr outside an allow-list. Prints its figures
as JSON; exit 1 with the reason on the first failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the engine's helpers of this checkout
TICKS = 5
SANDBOX_TOOLS = ("bwrap", "prlimit")  # what the bubblewrap backend runs on the host
# What the bundle may print on stderr: its own log lines at INFO (and the debug-free
# warnings listed here, each with why it is harmless). Anything else fails the test.
ALLOWED_STDERR = [
    re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO \S+: "),
    # Offscreen Qt has no fonts configured in a bare home and says so once.
    re.compile(r"^QFont::|^qt\.qpa\.fonts: "),
    # offscreen has no window manager: Qt notes that it cannot honour geometry requests.
    re.compile(r"^This plugin does not support "),
]


class SmokeFailure(AssertionError):
    pass


def stripped_path(path: str) -> str:
    """PATH without any directory that holds a python or a node."""
    keep = []
    for entry in path.split(os.pathsep):
        if not entry:
            continue
        names = ("python", "python3", "python3.11", "node", "nodejs")
        if not any(os.access(os.path.join(entry, n), os.X_OK) for n in names):
            keep.append(entry)
    return os.pathsep.join(keep)


def sandbox_tools_dir(home: Path) -> Path:
    """Beside the home, not in it: the home is private (0700), and as root the sandbox's
    user (uid 65534) must reach bwrap."""
    return home.parent / f"{home.name}-sandbox-tools"


def bare_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "HARNESS_", "NODE", "QT_"))}
    env["PATH"] = stripped_path(env.get("PATH", ""))
    # A machine with bubblewrap but no Python: /usr/bin left PATH with python3, so the
    # sandbox's two tools come back alone, linked from a folder of their own.
    tools = sandbox_tools_dir(home)
    tools.mkdir(mode=0o755, parents=True, exist_ok=True)  # run as root, uid 65534 runs bwrap
    for tool in SANDBOX_TOOLS:
        found = shutil.which(tool, path=os.pathsep.join(
            (os.environ.get("PATH", ""), "/usr/bin", "/bin", "/usr/sbin")))
        if found is None:
            raise SmokeFailure(f"{tool} is not installed here (sandbox/setup.sh deps)")
        (tools / tool).symlink_to(found)
    env["PATH"] = os.pathsep.join(p for p in (env["PATH"], str(tools)) if p)
    for tool in ("python", "python3", "node"):
        if shutil.which(tool, path=env["PATH"]):
            raise SmokeFailure(f"could not empty PATH of {tool}")
    env |= {
        "HARNESS_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        # The window's QSettings and any per-user file land in the temp home too.
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    return env


def wait_for(what: str, timeout: float, probe, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, start time) of every process, from /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        table[int(stat.parent.name)] = (int(fields[1]), fields[0], fields[19])
    return table


def descendants(root: int) -> set[tuple[int, str]]:
    """(pid, start time) of every live process below `root`. The runtime's children each
    run in their own session, so the tree, not the session, is what the app owns."""
    table = _processes()
    found, frontier = set(), [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, start) in table.items():
            if ppid == parent and state != "Z":
                found.add((pid, start))
                frontier.append(pid)
    return found


def still_alive(seen: set[tuple[int, str]]) -> list[int]:
    """The pids of `seen` still running (same pid and same start time: not a reused pid)."""
    table = _processes()
    return sorted(pid for pid, start in seen
                  if pid in table and table[pid][2] == start and table[pid][1] != "Z")


class Bundle:
    def __init__(self, program: Path, home: Path) -> None:
        self.program, self.home, self.env = program, home, bare_environment(home)

    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([str(self.program), "--home", str(self.home), *args],
                                  env=self.env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"`harness {' '.join(args)}` took over {timeout:.0f} s") from None

    def temporal(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The test's own `temporal` CLI (the venv's), to find the window's agent: the
        bundle has no command that lists agents, and a one-file bundle no bin/ to borrow."""
        from engine.runtime.temporal_server import find_temporal_binary

        return subprocess.run([find_temporal_binary(), *args], capture_output=True,
                              text=True, timeout=30)


def healthy(bundle: Bundle) -> dict | None:
    result = bundle.cli("status", "--json")
    if result.returncode != 0:
        return None
    report = json.loads(result.stdout)
    return report if report.get("healthy") else None


def running_agent(bundle: Bundle, address: str) -> str | None:
    # The agent, not one of its discovery children (they run first, beside it).
    result = bundle.temporal("workflow", "list", "--address", address, "--query",
                             "WorkflowType='TradingAgentWorkflow' AND "
                             "ExecutionStatus='Running'", "-o", "json")
    if result.returncode != 0 or not result.stdout.strip():
        return None
    rows = json.loads(result.stdout)
    return rows[0]["execution"]["workflowId"] if rows else None


def ticks_done(bundle: Bundle, workflow_id: str, approvals: list[str],
               ticks: int = TICKS) -> int | None:
    """The agent's tick once it reached `ticks`; approves what it asks on the way (the
    window's agent stops its clock for a human)."""
    result = bundle.cli("state", workflow_id, "--json")
    if result.returncode != 0:
        return None
    state = json.loads(result.stdout)
    for pending in state.get("pending", []):
        answer = bundle.cli("approve", workflow_id, pending["trade_id"])
        if answer.returncode != 0:
            raise SmokeFailure(f"harness approve failed: {answer.stderr.strip()}")
        approvals.append(pending["trade_id"])
    return state["tick"] if state["tick"] >= ticks else None


def bwrap_discovery(bundle: Bundle) -> dict:
    """One backtest in bubblewrap, run by the bundle's own Python (sandbox-python): the
    bundle discovers strategies without Docker and without the machine's Python."""
    at = time.monotonic()
    result = bundle.cli("discover", "--candidates", "1", "--sandbox", "bwrap", "--json",
                        timeout=300)
    try:
        rows = json.loads(result.stdout)["ranked"]
    except (ValueError, KeyError):
        rows = []
    if result.returncode != 0:
        errors = [f"{r['reason']}: {r['error']}" for r in rows]
        raise SmokeFailure(f"bwrap discovery failed ({result.returncode}): {errors} "
                           f"{result.stderr.strip()[-800:]}")
    if not rows or not all(r["ok"] and r["backend"] == "bwrap" for r in rows):
        raise SmokeFailure(f"bwrap discovery did not score in bwrap: {rows}")
    logs = "".join(p.read_text(errors="replace") for p in (bundle.home / "logs").glob("*.log"))
    if "bwrap sandboxes run the carried Python" not in logs:
        raise SmokeFailure("the bwrap sandbox did not run the bundle's own Python")
    return {"seconds": round(time.monotonic() - at, 2), "candidates": len(rows)}


def unexpected_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if line.strip() and not any(p.search(line) for p in ALLOWED_STDERR)]


def smoke(program: Path, keep: bool = False) -> dict:
    home = Path(tempfile.mkdtemp(prefix="harness-smoke-"))
    bundle = Bundle(program, home)
    stderr_path = home / "app.stderr"
    figures: dict[str, object] = {"bundle": str(program)}
    started = time.monotonic()
    with open(stderr_path, "w") as stderr_file:
        app = subprocess.Popen([str(program)], env=bundle.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=stderr_file,
                               start_new_session=True)
    seen: set[tuple[int, str]] = set()
    try:
        def painted():
            if app.poll() is not None:
                raise SmokeFailure(f"the app exited early ({app.returncode}):\n"
                                   + stderr_path.read_text())
            return "window painted" in stderr_path.read_text()

        wait_for("the window's first paint", 60, painted, every=0.02)
        figures["cold_start_s"] = round(time.monotonic() - started, 2)
        report = wait_for("every service healthy", 120, lambda: healthy(bundle))
        figures["healthy_s"] = round(time.monotonic() - started, 2)
        figures["services"] = sorted(report["services"])
        seen |= descendants(app.pid)
        workflow_id = wait_for("the window's agent", 60,
                               lambda: running_agent(bundle, report["temporal_address"]))
        approvals: list[str] = []
        # The window's agent discovers its strategies first (backtests in sandboxes):
        # timed on its own, so a slow discovery is not mistaken for a stuck tick loop.
        wait_for("the first tick (after strategy discovery)", 300,
                 lambda: ticks_done(bundle, workflow_id, approvals, ticks=1))
        figures["first_tick_s"] = round(time.monotonic() - started, 2)
        figures["ticks"] = wait_for(f"{TICKS} ticks", 120,
                                    lambda: ticks_done(bundle, workflow_id, approvals))
        figures["approved"] = approvals
        figures["ticks_done_s"] = round(time.monotonic() - started, 2)
        figures["bwrap_discovery"] = bwrap_discovery(bundle)
        seen |= descendants(app.pid)
        quit_at = time.monotonic()
        app.send_signal(signal.SIGTERM)
        try:
            code = app.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise SmokeFailure("the app did not quit within 60 s of SIGTERM") from None
        figures["quit_s"] = round(time.monotonic() - quit_at, 2)
        if code != 0:
            raise SmokeFailure(f"the app quit with exit code {code}")
        figures["children_seen"] = len(seen)
        try:
            wait_for("no child left", 10, lambda: not still_alive(seen), every=0.1)
        except SmokeFailure:
            raise SmokeFailure(f"processes left behind: {still_alive(seen)}") from None
        extra = unexpected_lines(stderr_path.read_text())
        if extra:
            raise SmokeFailure("unexpected stderr lines:\n" + "\n".join(extra))
        figures["total_s"] = round(time.monotonic() - started, 2)
        return figures
    finally:
        if app.poll() is None:
            seen |= descendants(app.pid)
            os.killpg(app.pid, signal.SIGKILL)
        for pid in still_alive(seen):  # a failed run still cleans up after itself
            os.kill(pid, signal.SIGKILL)
        if keep:
            print(f"home kept: {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(sandbox_tools_dir(home), ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "harness" / "harness",
                        help="the program (one-file build: dist/onefile/harness)")
    parser.add_argument("--keep-home", action="store_true")
    args = parser.parse_args()
    if not args.bundle.is_file():
        print(f"smoke test: no bundle at {args.bundle}; run `make package`", file=sys.stderr)
        return 1
    try:
        figures = smoke(args.bundle.resolve(), keep=args.keep_home)
    except SmokeFailure as failure:
        print(f"smoke test FAILED: {failure}", file=sys.stderr)
        return 1
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
