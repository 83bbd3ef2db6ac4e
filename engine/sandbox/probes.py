"""Hostile jobs that prove a backend's isolation: `harness sandbox check` and the tests.

Each probe is a small Python script run as the sandboxed job (`python3 /job/probe.py`)
and a verdict on its SandboxResult. A probe passes when the sandbox stopped the attempt:
no connection, no write outside /tmp, no docker socket or home, limits that end a memory
hog, a fork bomb and an infinite loop with the right reason; and the hostile ones
(engine/sandbox/hostile_probes.py): privileged system calls refused, no daemon outliving
its sandbox, no host path in sight. WEAKNESSES names what each backend does not promise.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.sandbox import hostile_probes as hostile
from engine.sandbox.limits import SandboxLimits, SandboxResult

# What the probes run under: small, so a hog ends in a second. The wall clock is generous
# (a loaded machine starts containers slowly) except for the loop, which must meet it.
PROBE_LIMITS = SandboxLimits(memory_mb=256, pids=32, timeout_s=60.0, tmpfs_mb=16,
                             file_size_mb=4)
LOOP_LIMITS = SandboxLimits(memory_mb=256, pids=32, timeout_s=5.0, tmpfs_mb=16,
                            file_size_mb=4)
PROBE_COMMAND = ("python3", "/job/probe.py")

NETWORK = r'''
import json, socket
tried = {}
for host, port in [("1.1.1.1", 53), ("8.8.8.8", 443), ("deb.debian.org", 80)]:
    try:
        socket.create_connection((host, port), timeout=3).close()
        tried[host] = "connected"
    except OSError as exc:
        tried[host] = type(exc).__name__ + ": " + str(exc)
print(json.dumps(tried))
'''

WRITES = r'''
import json
result = {}
for path in ["/job/x", "/opt/runner/x", "/usr/x", "/x", "/etc/x", "/dev/x", "/dev/shm/x",
             "/home/x", "/tmp/x"]:
    try:
        with open(path, "w") as f:
            f.write("x")
        result[path] = "written"
    except OSError as exc:
        result[path] = type(exc).__name__
print(json.dumps(result))
'''

SECRETS = r'''
import json, os
paths = %(paths)r
print(json.dumps({
    "present": [p for p in paths if os.path.exists(p)],
    "env": sorted(k for k in os.environ if k in %(env)r),
    "uid": os.getuid(),
}))
'''

MEMORY_HOG = r'''
hog = []
while True:
    hog.append(bytearray(32 * 1024 * 1024))
'''

FORK_BOMB = r'''
import os, sys
forks = 0
while True:
    try:
        pid = os.fork()
    except OSError as exc:
        sys.stderr.write(f"fork refused after {forks}: {exc}\n")
        os._exit(3)
    if pid == 0:
        forks = 0  # the child bombs on
    else:
        forks += 1
'''

INFINITE_LOOP = "while True:\n    pass\n"


@dataclass(frozen=True)
class Probe:
    name: str
    claim: str  # what passing proves
    script: str
    verdict: Callable[[SandboxResult], str | None]  # None: passed; else what went wrong
    limits: SandboxLimits = PROBE_LIMITS
    as_strategy: bool = False  # run by the real runner as a candidate's strategy.py


def _json(result: SandboxResult) -> dict:
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


def _network(result: SandboxResult) -> str | None:
    seen = _json(result)
    if result.reason != "ok" or not seen:
        return f"probe did not report ({result.reason}): {result.stderr.strip()[-200:]}"
    connected = [host for host, what in seen.items() if what == "connected"]
    return f"connected to {connected}" if connected else None


def _writes(result: SandboxResult) -> str | None:
    seen = _json(result)
    if result.reason != "ok" or not seen:
        return f"probe did not report ({result.reason}): {result.stderr.strip()[-200:]}"
    if seen.get("/tmp/x") != "written":
        return f"/tmp is not writable: {seen.get('/tmp/x')}"
    written = [p for p, what in seen.items() if what == "written" and p != "/tmp/x"]
    return f"wrote outside /tmp: {written}" if written else None


def _secrets(result: SandboxResult) -> str | None:
    seen = _json(result)
    if result.reason != "ok" or not seen:
        return f"probe did not report ({result.reason}): {result.stderr.strip()[-200:]}"
    problems = []
    if seen["present"]:
        problems.append(f"visible: {seen['present']}")
    if seen["env"]:
        problems.append(f"host environment leaked: {seen['env']}")
    if seen["uid"] == 0:
        problems.append("runs as root")
    return "; ".join(problems) or None


def _expect(reason: str, marker: str = "") -> Callable[[SandboxResult], str | None]:
    def verdict(result: SandboxResult) -> str | None:
        if result.reason != reason:
            return f"ended with {result.reason!r} (exit {result.exit_code}), not {reason!r}"
        if marker and marker not in result.stderr:
            return f"no {marker!r} in its stderr"
        return None
    return verdict


def _sensitive_env() -> list[str]:
    words = ("KEY", "TOKEN", "SECRET", "PASSWORD", "DOCKER", "TEMPORAL", "HARNESS")
    return sorted(k for k in os.environ if any(w in k.upper() for w in words)) or ["HOME_"]


def _secret_paths() -> list[str]:
    paths = ["/run/docker.sock", "/var/run/docker.sock", "/root", "/home",
             str(Path.home())]
    return sorted(set(p for p in paths if p not in ("/", "/tmp")))


def _scored_by_the_worker(result: SandboxResult) -> str | None:
    """The worker's scorer on what the runner returned: a failure, or the flat signal's
    true score (no trade, Sharpe 0). Anything else means the strategy chose its score."""
    from engine.discovery.contracts import BacktestRequest, CandidateSpec
    from engine.discovery.scorecards import outcome_from_result

    request = BacktestRequest(
        symbol="PROBE", start_date=None, sandbox="auto", split=0.7, fee_bps=1.0,
        slippage_bps=5.0, timeout_s=PROBE_LIMITS.timeout_s, label="probe",
        candidate=CandidateSpec(name="probe", family="written", source="-"))
    outcome = outcome_from_result(request, result, hostile.synthetic_bars())
    if result.reason != "ok":
        return f"the runner failed ({result.reason}): {outcome.error}"
    figures = (outcome.out_of_sample.get("sharpe"), outcome.full.get("trades"))
    if outcome.ok and figures != (0.0, 0.0):
        return f"scored {figures} (Sharpe, trades), not the flat signal's (0, 0)"
    return None


def _syscalls(result: SandboxResult) -> str | None:
    seen = _json(result)
    if result.reason != "ok" or not seen:
        return f"probe did not report ({result.reason}): {result.stderr.strip()[-200:]}"
    allowed = hostile.allowed_calls(seen)
    return f"allowed: {allowed}" if allowed else None


def _host_paths(result: SandboxResult) -> str | None:
    seen = _json(result)
    if result.reason != "ok" or not seen:
        return f"probe did not report ({result.reason}): {result.stderr.strip()[-200:]}"
    leaked = hostile.leaked_paths(seen)
    return f"visible: {leaked}" if leaked else None


def _daemon(marker: str) -> Callable[[SandboxResult], str | None]:
    def verdict(result: SandboxResult) -> str | None:
        if result.reason != "ok":
            return f"ended with {result.reason!r}: {result.stderr.strip()[-200:]}"
        deadline = time.monotonic() + 1.0  # the promise: gone within a second
        while (alive := hostile.processes_with(marker)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return f"pids {alive} outlived the sandbox" if alive else None
    return verdict


# What each backend does not promise, said by `harness sandbox check` beside its probes.
WEAKNESSES = {
    "bwrap": [
        "memory is an address-space limit (prlimit --as), not a cgroup: a job is stopped by "
        "failed allocations, and what it maps counts even unused",
        "CPU is limited in CPU-seconds per process, not shared by a cgroup quota: a job may "
        "use a whole core until its limit",
        "the seccomp filter is a deny list (the calls Docker's default refuses, plus ptrace "
        "and its relatives)",
        "pid 1's command line shows the worker's pid and the job's label",
    ],
    "docker": [
        "the seccomp profile is a deny list replacing Docker's default allow list (with every "
        "capability dropped)",
        "the mount table shows Docker's own storage paths (/var/lib/docker/...)",
        "a container ends when the daemon removes it: limits hold only while dockerd answers",
    ],
}


def probes() -> list[Probe]:
    secrets = SECRETS % {"paths": _secret_paths(), "env": _sensitive_env()}
    marker = f"harness-daemon-{uuid.uuid4().hex}"
    return [
        Probe("network", "a socket connect fails (no network)", NETWORK, _network),
        Probe("write_outside_tmp", "writes outside /tmp fail, /tmp works", WRITES, _writes),
        Probe("host_secrets", "no docker socket, no home, no host environment, not root",
              secrets, _secrets),
        Probe("memory_hog", "a memory hog is stopped by the memory limit", MEMORY_HOG,
              _expect("memory")),
        Probe("fork_bomb", "a fork bomb is stopped by the pids limit", FORK_BOMB,
              _expect("exit", "fork refused")),
        Probe("infinite_loop", "an infinite loop is stopped by the time limit", INFINITE_LOOP,
              _expect("timeout"), LOOP_LIMITS),
        Probe("faked_score", "a strategy that prints a scorecard and replaces the scorer "
              "gets the worker's score", hostile.FAKES_ITS_SCORE, _scored_by_the_worker,
              as_strategy=True),
        Probe("privileged_syscalls", "ptrace, namespaces, mount, keyctl, bpf and "
              "perf_event_open are refused", hostile.SYSCALLS, _syscalls),
        Probe("daemon", "no process outlives its sandbox",
              f"import sys\nsys.argv[1:] = [{marker!r}]\n" + hostile.LEAVES_A_DAEMON,
              _daemon(marker)),
        Probe("host_paths", "pid 1 and the mount table name no host path of the worker",
              hostile.LOOKS_AROUND, _host_paths),
    ]


async def run_probe(probe: Probe, backend: str) -> tuple[SandboxResult, str | None]:
    """Run one probe in `backend`; (its result, None if it passed else what went wrong)."""
    from engine.sandbox.api import run_in_sandbox  # api imports nothing from here
    from engine.sandbox.paths import RUNNER_COMMAND, runner_dir

    with tempfile.TemporaryDirectory(prefix="harness-probe-") as folder:
        job, runner = Path(folder) / "job", Path(folder) / "runner"
        job.mkdir()
        runner.mkdir()  # probes need no runner, but the mount exists in every sandbox
        command = PROBE_COMMAND
        if probe.as_strategy:  # the real runner, the script as the candidate's code
            _write_strategy_job(job, probe.script)
            runner, command = runner_dir(), RUNNER_COMMAND
        else:
            (job / "probe.py").write_text(probe.script)
        result = await run_in_sandbox(job, backend=backend, limits=probe.limits,
                                      label=f"probe-{probe.name}", command=command,
                                      runner=runner)
    return result, probe.verdict(result)


def _write_strategy_job(job: Path, source: str) -> None:
    bars = hostile.synthetic_bars()
    lines = ["date,open,high,low,close,volume"] + [
        f"{b['t'][:10]},{b['o']},{b['h']},{b['l']},{b['c']},{b['v']}" for b in bars]
    (job / "bars.csv").write_text("\n".join(lines) + "\n")
    (job / "strategy.py").write_text(source)
    (job / "job.json").write_text(json.dumps({"strategy_file": "strategy.py", "params": {}}))
