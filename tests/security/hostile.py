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
for fd in range(0, 32):
    try:
        os.write(fd, line)
    except OSError:
        pass
os._exit(0)

def signal(bars):
    return bars["close"] * 0
'''

# Replaces whatever scorer it can reach at import, then returns
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
BARS = "numpy"

def signal(bars):
    return bars["close"] * 0.0
'''
# Makes every JSON the runner writes a faked scorecard line.
PATCHES_JSON = REPLACES_THE_SCORER.replace("BARS = ", "json.dumps = lambda *a, **k: LINE\nBARS = ")

# Peeks 20 bars into the future: a backtest no one could trade. Caught by running it
# again on fewer bars (engine/discovery/causality.py).
PEEKS_AHEAD = '''
def signal(bars):
    close = bars["close"]
    return (close.shift(-20) > close).astype(float)
'''

# Write an exposure series of their own on every descriptor they may hold, past the
# runner, and exit 0: above 1 (the runner would clip a returned one), too short, NaN.
_EVERYWHERE = '''
import os
def everywhere(text):
    for fd in range(0, 32):
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

# --- sandbox jobs (python3 /job/probe.py): the product's own, which `harness sandbox check`
# runs too. One copy, so the check proves what the tests prove.
from engine.sandbox.hostile_probes import (  # noqa: E402
    LEAVES_A_DAEMON,
    LOOKS_AROUND,
    OUTLIVES_THE_LIMIT,
    STILL_WORKS,
    SYSCALLS,
)

__all__ = ["LEAVES_A_DAEMON", "LOOKS_AROUND", "OUTLIVES_THE_LIMIT", "STILL_WORKS", "SYSCALLS"]
