"""Hostile jobs for `harness sandbox check` and the security tests: code written to beat
the sandbox (system calls it must refuse, a daemon that tries to outlive it, a look at
what the host left visible), each with its verdict. tests/security runs the same scripts
through both backends; the check runs them on the machine it is asked about.
"""

from __future__ import annotations

import os
import sys
import tempfile

from engine.sandbox.staging import PREFIX

# Every system call the seccomp filter must refuse, tried for real; prints each outcome
# ("allowed" when it worked). The errno of a refusal is EPERM (ENOSYS for clone3).
SYSCALLS = r'''
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
NR = {"x86_64": {"ptrace": 101, "unshare": 272, "mount": 165, "keyctl": 250, "bpf": 321,
                 "perf_event_open": 298, "clone": 56, "setns": 308, "add_key": 248},
      "aarch64": {"ptrace": 117, "unshare": 97, "mount": 40, "keyctl": 219, "bpf": 280,
                  "perf_event_open": 241, "clone": 220, "setns": 268, "add_key": 217},
      }[os.uname().machine]
P = ctypes.c_void_p

def call(name, *args):
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(NR[name]), *args)
    return result, ctypes.get_errno()

def verdict(result, err):
    return "allowed" if result >= 0 else errno.errorcode.get(err, str(err))

out = {}
PTRACE_SEIZE = 0x4206
r, e = call("ptrace", ctypes.c_long(PTRACE_SEIZE), ctypes.c_long(1), P(0), P(0))
out["ptrace_pid1"] = verdict(r, e)
# A new user namespace in a child (the parent must stay as it is).
pid = os.fork()
if pid == 0:
    r, e = call("unshare", ctypes.c_long(0x10000000))  # CLONE_NEWUSER
    if r < 0:
        os._exit(10 + min(e, 100))
    # Root in its own namespace: a mount namespace and a tmpfs.
    r, e = call("unshare", ctypes.c_long(0x00020000))  # CLONE_NEWNS
    if r < 0:
        os._exit(120)
    os.makedirs("/tmp/m", exist_ok=True)
    r, e = call("mount", ctypes.c_char_p(b"none"), ctypes.c_char_p(b"/tmp/m"),
                ctypes.c_char_p(b"tmpfs"), ctypes.c_ulong(0), P(0))
    os._exit(0 if r >= 0 else 121)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
out["userns"] = "allowed" if code in (0, 120, 121) else errno.errorcode.get(code - 10, str(code))
out["mount_in_userns"] = "allowed" if code == 0 else "refused"
r, e = call("clone", ctypes.c_ulong(0x10000000 | 17), P(0), P(0), P(0), P(0))
if r == 0:
    os._exit(0)
if r > 0:
    os.waitpid(r, 0)
out["clone_newuser"] = verdict(r, e)
r, e = call("mount", ctypes.c_char_p(b"none"), ctypes.c_char_p(b"/tmp"),
            ctypes.c_char_p(b"tmpfs"), ctypes.c_ulong(0), P(0))
out["mount"] = verdict(r, e)
r, e = call("keyctl", ctypes.c_long(0), ctypes.c_long(-3), ctypes.c_long(1))
out["keyctl"] = verdict(r, e)
r, e = call("add_key", ctypes.c_char_p(b"user"), ctypes.c_char_p(b"x"), ctypes.c_char_p(b"y"),
            ctypes.c_size_t(1), ctypes.c_long(-3))
out["add_key"] = verdict(r, e)
r, e = call("bpf", ctypes.c_long(0), P(0), ctypes.c_long(0))
out["bpf"] = verdict(r, e)
r, e = call("perf_event_open", P(0), ctypes.c_long(0), ctypes.c_long(-1), ctypes.c_long(-1),
            ctypes.c_ulong(0))
out["perf_event_open"] = verdict(r, e)
r, e = call("setns", ctypes.c_long(-1), ctypes.c_long(0))
out["setns"] = verdict(r, e)
print(json.dumps(out))
'''
# What an honest job still needs: a thread and a subprocess (fork, exec).
STILL_WORKS = r'''
import json, subprocess, threading
t = threading.Thread(target=lambda: None); t.start(); t.join()
done = subprocess.run(["python3", "-c", "print(6 * 7)"], capture_output=True, text=True)
print(json.dumps({"child": done.stdout.strip()}))
'''

# A daemon that would outlive its job: new session, fds closed, SIGTERM/SIGHUP ignored.
# The job then either exits at once (LEAVES_A_DAEMON) or sleeps past its limit holding
# its output pipes (OUTLIVES_THE_LIMIT). The daemon's argv carries the caller's marker.
_DAEMON = r'''
import os, signal, sys, time
marker = sys.argv[1]
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        %s
        os.execv("/bin/sleep", ["sleep", "600", marker])
    os._exit(0)
time.sleep(0.5)
'''
LEAVES_A_DAEMON = _DAEMON % "os.closerange(0, 256)" + "os._exit(0)\n"
OUTLIVES_THE_LIMIT = _DAEMON % "pass" + "time.sleep(600)\n"

# What the job can learn of the host: pid 1's environment and command line, and the mount
# table. host_paths() says what none of it may name.
LOOKS_AROUND = r'''
import json
def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError as exc:
        return "unreadable: " + type(exc).__name__
print(json.dumps({"pid1_environ": read("/proc/1/environ"),
                  "pid1_cmdline": read("/proc/1/cmdline"),
                  "mountinfo": read("/proc/self/mountinfo")}))
'''

DENIED = ("EPERM", "EACCES", "ENOSYS", "refused")
SYSTEM_PATH = ("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/local/sbin")


def host_paths() -> list[str]:
    """What names the worker's host: its staging and temp folders, its checkout and
    virtualenv, every PATH entry beyond the system's own. (bwrap's command line may say
    "harness-sbx-<worker pid>-<label>": that names the job, no host path.)"""
    paths = [f"{tempfile.gettempdir()}/{PREFIX}", tempfile.gettempdir() + "/", sys.prefix,
             os.getcwd()]
    paths += [p for p in os.environ.get("PATH", "").split(":") if p and p not in SYSTEM_PATH]
    return sorted(set(p for p in paths if p not in ("/", "")))


def allowed_calls(seen: dict) -> dict:
    return {call: what for call, what in seen.items() if what not in DENIED}


def leaked_paths(seen: dict) -> dict:
    paths = host_paths()
    return {where: [p for p in paths if p in str(text)] for where, text in seen.items()
            if any(p in str(text) for p in paths)}


def processes_with(marker: str) -> list[int]:
    """Live pids whose command line carries `marker` (what a daemon left behind shows)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


# A strategy that prints a made-up scorecard and replaces every scorer it can reach, then
# returns a flat signal: run by the real runner, its score must be the worker's own (no
# trade, a Sharpe of 0), never the 99 it printed.
FAKES_ITS_SCORE = r'''
import json, sys
CARD = {"bars": 300, "total_return": 50.0, "cagr": 5.0, "sharpe": 99.0, "sortino": 99.0,
        "max_drawdown": 0.0, "win_rate": 1.0, "trades": 40, "exposure": 0.5}
print(json.dumps({"full": CARD, "in_sample": CARD, "out_of_sample": CARD}), flush=True)
for name, module in list(sys.modules.items()):
    for attr in ("scorecard", "score", "walk_forward", "simulate"):
        if module is not None and name.startswith("backtest") and hasattr(module, attr):
            setattr(module, attr, lambda *a, **k: dict(CARD))
BARS = "numpy"
def signal(bars):
    return bars["close"] * 0.0
'''


def synthetic_bars(n: int = 300) -> list[dict]:
    """A deterministic random walk, as the market API's bars ({"t", "c"} and the rest)."""
    import datetime as dt
    import random

    rng, close, day, out = random.Random(7), 100.0, dt.date(2001, 1, 1), []
    for _ in range(n):
        close *= 1.0 + rng.gauss(0.0004, 0.02)
        out.append({"t": f"{day}T00:00:00Z", "o": close, "h": close, "l": close,
                    "c": round(close, 4), "v": 1000})
        day += dt.timedelta(days=1)
    return out
