"""The window's start imports the Agents SDK off its own thread (issue 21).

The write client connects with the plugin, and the plugin loads the Agents SDK (1-1.5 s of
CPU). `connect()` imported it on the window's thread once the runtime was up: the window
froze, and the bundle's agent started 1.6 s after worker-1 polled. The controller's client
import, which runs on a pool thread beside the runtime's start, now imports the plugin too,
once the runtime's own temporalio imports are done. Checked in a fresh interpreter, where
nothing has imported the SDK yet, and with the thread whose import loads it named.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.runtime.helpers import REPO

PROBE = """
import json, sys, threading
from app import client_import, controller  # the window's module must not load the SDK either
loaded_by = []
class Watch:  # the first import of the SDK, and on which thread
    def find_spec(self, name, path=None, target=None):
        if name == "agents" and not loaded_by:
            loaded_by.append(threading.current_thread().name)
        return None
sys.meta_path.insert(0, Watch())
before = "agents" in sys.modules
runtime_imported = threading.Event()
done = []
pool = threading.Thread(target=lambda: done.append(client_import.import_client(runtime_imported)),
                        name="pool")
pool.start()
pool.join(1.0)
waited = not done  # it waits for the runtime's imports
runtime_imported.set()
pool.join(60)
print(json.dumps({"before": before, "waited": waited, "done": bool(done),
                  "loaded_by": loaded_by, "plugin": "engine.plugin" in sys.modules}))
"""


def test_the_client_import_loads_the_plugin_on_its_own_thread_after_the_runtimes() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"before": False, "waited": True, "done": True,
                      "loaded_by": ["pool"], "plugin": True}
