"""What runs before the supervisor spawns its children stays light: every child starts
that much later otherwise. httpx (about 0.1 s to import on the 2-core machine, more under
load) is needed only once Mockoon answers, to give the broker its journal back, so it is
imported there, on the readiness thread, after the spawns."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.runtime.helpers import REPO

PROBE = """
import json, sys
from pathlib import Path
from engine.runtime.broker_journal import JournalSink
from engine.runtime.plan import RuntimeOptions, plan_runtime
from engine.runtime.supervisor import Supervisor
home = Path({home!r})
sink = JournalSink(home).start()
plan_runtime(home, RuntimeOptions(worker_count=2), sink)
sink.stop()
print(json.dumps(sorted(m for m in sys.modules if m == 'httpx' or m.startswith('httpx.'))))
"""


def test_planning_a_runtime_imports_no_httpx(tmp_path):
    result = subprocess.run([sys.executable, "-c", PROBE.format(home=str(tmp_path))],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
