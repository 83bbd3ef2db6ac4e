"""Hostile strategies and sandbox jobs, written to beat the sandbox rather than merely
misbehave. Each is plain source text: the tests send the strategies through discovery
(the real run_backtest path) and the jobs through run_in_sandbox, on both backends."""

from __future__ import annotations

# A scorecard no honest strategy reaches (real out-of-sample Sharpes here are below 3).
FAKE_CARD = ('{"bars": 500, "total_return": 50.0, "cagr": 5.0, "sharpe": 99.0, '
             '"sortino": 99.0, "max_drawdown": 0.0, "win_rate": 1.0, "trades": 40, '
             '"exposure": 0.5}')
FAKE_LINE = ('{"params": {}, "first_date": "2000-01-03", "last_date": "2003-12-31", '
             '"split_date": "2002-10-01", "full": CARD, "in_sample": CARD, '
             '"out_of_sample": CARD, "walk_forward": [], "signal_now": 1.0, '
             '"equity": [["2003-12-31", 51.0]]}').replace("CARD", FAKE_CARD)

# Prints a made-up scorecard on every descriptor it may hold and exits 0 at import.
PRINTS_A_SCORECARD = f'''
import os
line = {FAKE_LINE!r}.encode() + b"\\n"
for fd in range(1, 32):
    try:
        os.write(fd, line)
    except OSError:
        pass
os._exit(0)

def signal(bars):
    return bars["close"] * 0
'''

# Replaces whatever scores it can reach at import (the scorer, json.dumps), then returns
# a flat signal: its true score is zero trades and a Sharpe of 0.
REPLACES_THE_SCORER = f'''
import json, sys
FAKE = json.loads({FAKE_CARD!r})
LINE = {FAKE_LINE!r}

def fake(*args, **kwargs):
    return dict(FAKE)

for name, module in list(sys.modules.items()):
    if module is None or not (name.startswith("backtest") or name == "__main__"):
        continue
    for attr in ("scorecard", "walk_forward", "score"):
        if hasattr(module, attr):
            setattr(module, attr, fake)
json.dumps = lambda *a, **k: LINE
BARS = "numpy"

def signal(bars):
    return bars["close"] * 0.0
'''

# Write an exposure series of their own on every descriptor they may hold, past the
# runner, and exit 0: above 1 (the runner would clip a returned one), too short, NaN.
_EVERYWHERE = '''
import os
def everywhere(text):
    for fd in range(1, 32):
        try:
            os.write(fd, text.encode() + b"\\n")
        except OSError:
            pass
    os._exit(0)
BARS = "numpy"
'''
OUT_OF_RANGE = _EVERYWHERE + '''
def signal(bars):
    everywhere('{"signal": [' + ",".join(["5.0"] * len(bars["close"])) + ']}')
'''
SHORT_SIGNAL_LINE = _EVERYWHERE + '''
def signal(bars):
    everywhere('{"signal": [1.0, 1.0, 1.0]}')
'''
NAN_SIGNAL_LINE = _EVERYWHERE + '''
def signal(bars):
    everywhere('{"signal": [' + ",".join(["NaN"] * len(bars["close"])) + ']}')
'''

# Deeply nested JSON on stdout (exit 0) and on stderr (exit 1).
NESTED_STDOUT = _EVERYWHERE + '''
everywhere("[" * 200000)
def signal(bars):
    return 0
'''
NESTED_STDERR = '''
import os
os.write(2, b"[" * 200000 + b"\\n")
os._exit(1)
def signal(bars):
    return 0
'''

MEMORY_HOG = '''
def signal(bars):
    hog = []
    while True:
        hog.append(bytearray(32 * 1024 * 1024))
'''

# --- sandbox jobs (python3 /job/probe.py) ----------------------------------------------

# Every system call the filter must refuse, tried for real. "allowed" means it worked.
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
# What an honest job still needs: a fork, a thread, and a subprocess.
STILL_WORKS = r'''
import json, subprocess, threading
t = threading.Thread(target=lambda: None); t.start(); t.join()
done = subprocess.run(["python3", "-c", "print(6 * 7)"], capture_output=True, text=True)
print(json.dumps({"child": done.stdout.strip()}))
'''

# A daemon that outlives its job: new session, fds closed, SIGTERM/SIGHUP ignored.
# The job then either exits at once (LEAVES_A_DAEMON) or sleeps past its limit holding
# its output pipes (OUTLIVES_THE_LIMIT). The daemon's argv carries the test's marker.
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
# table. The test checks none of it names a host path of the worker.
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
