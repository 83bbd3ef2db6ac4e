"""The mock broker's memory across restarts: a journal under $HARNESS_HOME, replayed on start.

Mockoon keeps the broker's accounts, positions and orders in memory, so a restart (a crash
the supervisor recovers from, or the next `harness up`) would forget them while every
agent's book lives on in temporal.db. Mockoon cannot write files, but it can make HTTP
callbacks: after each change it posts the changed account, its positions and the changed
order (mockoon/scripts/broker_templates.py, JOURNAL_ENTRY) to the `JournalSink` this
process runs on loopback, which appends one JSON line to `broker/journal.jsonl`.

A freshly started Mockoon answers every broker route 503 until `restore()` folds the
journal into one state (last writer wins per account, per account's positions, per order)
and hands it to `PUT /__harness/state`; only then is the service ready. Nothing reaches
the fresh broker before its memory is back, so an order is never placed into a blank one.

The callback leaves Mockoon after its answer (seen: 300 ms later on a loaded machine), so
a SIGKILL of this process in between would lose a change the worker was told of. So the
sink also answers what it holds, waiting up to `wait` seconds for it to arrive:
`GET /journal/orders/{client_order_id}?status=S&filled_qty=Q&wait=W` and
`GET /journal/accounts/{id}?wait=W` (200 with it, 404 if it did not come). A worker told the
sink's URL (`HARNESS_BROKER_JOURNAL_URL`) completes an order or an account only once the
journal holds it (engine/activities/broker_journaled.py); if this process dies first, the
activity's retry finds the restored broker without the change and makes it again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

JOURNAL_FILE = Path("broker") / "journal.jsonl"
JOURNAL_URL_ENV = "MOCKOON_HARNESS_JOURNAL_URL"  # Mockoon's getEnvVar adds the MOCKOON_ prefix
WORKER_JOURNAL_URL_ENV = "HARNESS_BROKER_JOURNAL_URL"  # the same URL, for the workers
MAX_ENTRY_BYTES = 1 << 20
MAX_WAIT_S = 30.0  # a reader's longest wait for a change to arrive
# The sink compacts the live journal once it passes COMPACT_FACTOR times its size after the
# last compaction (and COMPACT_MIN_BYTES): with settled orders pruned, it stays flat.
COMPACT_FACTOR = 2
COMPACT_MIN_BYTES = 64 * 1024


class JournalGap(ValueError):
    """The journal lacks changes in the middle of the sequence: the broker stays closed."""

    def __init__(self, missing: list[int]) -> None:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        super().__init__(
            f"the broker journal lacks change(s) {shown}: not restored, since the broker "
            "would come back without them while every later change (an account's cash, say) "
            "counts them; the broker stays closed (503) until the journal is repaired")
        self.missing = missing


def journal_path(home: Path) -> Path:
    return Path(home) / JOURNAL_FILE


class JournalSink:
    """A loopback HTTP endpoint appending Mockoon's journal callbacks to the journal file."""

    def __init__(self, home: Path) -> None:
        self.path = journal_path(home)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self._arrived = threading.Condition(self.lock)  # notified after each entry written
        # What the journal holds, by key: per client_order_id the order of the newest entry
        # (callbacks may arrive out of order: the entry's seq decides), and the accounts.
        # Seeded from the file, which outlives this process; pruned orders leave it, so it
        # stays as small as the broker's memory.
        self._orders: dict[str, tuple[int, dict]] = {}
        self._coids: dict[int, str] = {}  # an order's sequence number -> its client_order_id
        self._accounts: set[str] = set()
        self._synced_dir = False
        self._reindex(read_entries(self.path))
        self._compacted_bytes = self.path.stat().st_size if self.path.exists() else 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_ENTRY_BYTES)) if length else b""
                status = sink.append(body)
                self.send_response(status)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                found = sink.lookup(self.path)
                body = b"" if found is None else json.dumps(found).encode()
                self.send_response(404 if found is None else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # one line per order is noise
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="harness-broker-journal", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/journal"

    def start(self) -> JournalSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def append(self, body: bytes) -> int:
        """204 for an entry written (or an empty one: nothing changed), 400 for garbage."""
        text = body.decode("utf-8", errors="replace").strip()
        if not text:
            return 204
        try:
            entry = json.loads(text)
        except ValueError:
            log.error("broker journal: not JSON, dropped: %.200s", text)
            return 400
        if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
            log.error("broker journal: no seq, dropped: %.200s", text)
            return 400
        line = json.dumps(entry, separators=(",", ":"), sort_keys=True) + "\n"
        with self.lock:
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(line)  # one write per line: a crash leaves at most a torn last line
                out.flush()
                os.fsync(out.fileno())  # on disk before anyone is told "journaled"
            if not self._synced_dir:  # a new file's name is durable once its folder is
                fsync_dir(self.path.parent)
                self._synced_dir = True
            self._index(entry)  # only once written: a reader then never sees a lost change
            self._arrived.notify_all()
            size = self.path.stat().st_size
            if size > max(COMPACT_FACTOR * self._compacted_bytes, COMPACT_MIN_BYTES):
                self._compact_live()
        return 204

    def _index(self, entry: dict) -> None:
        if entry.get("reset"):
            self._orders.clear()
            self._coids.clear()
            self._accounts.clear()
        self._accounts.update(entry.get("accounts") or {})
        for order in entry.get("orders") or []:
            coid = order.get("client_order_id") if isinstance(order, dict) else None
            if coid and entry["seq"] >= self._orders.get(coid, (-1, {}))[0]:
                self._orders[coid] = (entry["seq"], order)
                if isinstance(order.get("seq"), int):
                    self._coids[order["seq"]] = coid
        for seq in entry.get("pruned") or []:
            coid = self._coids.pop(seq, None)
            if coid is not None:
                self._orders.pop(coid, None)

    def _reindex(self, entries: list[dict]) -> None:
        for entry in entries:
            self._index(entry)

    def _compact_live(self) -> None:
        """Fold the journal into one snapshot while the broker runs (the lock is held). Only
        the changes contiguous from the last snapshot are folded; a change whose callback is
        still on its way stays after it as it is, so its late siblings keep their order."""
        entries = read_entries(self.path)
        starts = [n for n, entry in enumerate(entries) if entry.get("reset")]
        if not starts:  # no snapshot to fold onto (restore() writes one): leave it
            self._compacted_bytes = self.path.stat().st_size
            return
        head = entries[starts[-1]:]
        upto = 1
        while upto < len(head) and head[upto]["seq"] <= head[upto - 1]["seq"] + 1:
            upto += 1
        state = fold({}, head[:upto])
        compact(self.path, state, head[upto:])
        self._compacted_bytes = self.path.stat().st_size
        self._orders.clear()
        self._coids.clear()
        self._accounts.clear()
        self._reindex(read_entries(self.path))

    def lookup(self, target: str) -> dict | None:
        """`/journal/orders/{client_order_id}`: the order as journaled, if its fields match
        the query's (`status`, `filled_qty`); `/journal/accounts/{id}`: {"id": id}. None
        when the journal does not hold it after the query's `wait` seconds (default 0)."""
        parts = urlsplit(target)
        kind, _, key = parts.path.removeprefix("/journal/").partition("/")
        key = unquote(key)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        try:
            wait = min(max(float(query.pop("wait", 0)), 0.0), MAX_WAIT_S)
        except ValueError:
            return None

        def held() -> dict | None:
            if kind == "orders":
                order = self._orders.get(key, (0, None))[1]
                if order is not None and all(str(order.get(k)) == v for k, v in query.items()):
                    return order
            elif kind == "accounts" and key in self._accounts:
                return {"id": key}
            return None

        with self._arrived:
            self._arrived.wait_for(lambda: held() is not None, timeout=wait)
            return held()


def read_entries(path: Path) -> list[dict]:
    """The journal's entries in broker order (callbacks may arrive out of order)."""
    entries = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError:
            log.warning("broker journal %s: line %d is torn, skipped", path, number)
            continue
        if isinstance(entry, dict) and isinstance(entry.get("seq"), int):
            entries.append(entry)
    return sorted(entries, key=lambda e: e["seq"])


def fold(base: dict, entries: list[dict]) -> dict:
    """The broker state after `entries`, starting from a fresh broker's `base` state.

    Orders are addressed by id, so a pruned order simply leaves the state. Every change
    after the last snapshot (a `reset` entry) must be there: a lost one in the middle would
    bring the broker back without it while later entries (an account's cash) count it."""
    state = {
        "accounts": dict(base.get("accounts") or {}),
        "positions": dict(base.get("positions") or {}),
        "orders": {o["seq"]: o for o in base.get("orders") or []},
        "seq": int(base.get("seq") or 0),
        "oseq": int(base.get("oseq") or 0),
        # Settled orders a sub-account keeps: set by a reset, kept across restarts.
        "keep": base.get("keep"),
    }
    expected, missing = state["seq"], []
    for entry in entries:
        if entry.get("reset"):
            state["accounts"], state["positions"], state["orders"] = {}, {}, {}
            state["keep"] = entry.get("keep", state["keep"])
            # The counter starts again where the reset (or snapshot) says, not at the most
            # any earlier entry reached: a restored broker numbers on as the live one did.
            state["oseq"] = int(entry.get("oseq") or 0)
            expected, missing = entry["seq"], []
        else:
            missing.extend(range(expected + 1, entry["seq"]))
            expected = max(expected, entry["seq"])
        state["accounts"].update(entry.get("accounts") or {})
        state["positions"].update(entry.get("positions") or {})
        for order in entry.get("orders") or []:
            state["orders"][int(order["seq"])] = order
        for seq in entry.get("pruned") or []:
            state["orders"].pop(int(seq), None)
        state["seq"] = max(state["seq"], entry["seq"])
        state["oseq"] = max(state["oseq"], int(entry.get("oseq") or 0),
                            *[int(o["seq"]) for o in entry.get("orders") or []])
    if missing:
        raise JournalGap(missing)
    return {**state, "orders": [state["orders"][seq] for seq in sorted(state["orders"])]}


def compact(path: Path, state: dict, tail: list[dict] = ()) -> None:
    """Replace the journal by one snapshot entry and the `tail` entries after it (atomically,
    and durably: the new file's bytes, then its name), so replays stay short and a power cut
    leaves one or the other."""
    entry = {"seq": state["seq"], "reset": True, "oseq": state.get("oseq", 0),
             "accounts": state["accounts"], "positions": state["positions"],
             "orders": state["orders"]}
    if state.get("keep") is not None:
        entry["keep"] = state["keep"]
    tmp = Path(path).with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for line in (entry, *tail):
            out.write(json.dumps(line, separators=(",", ":"), sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    fsync_dir(Path(path).parent)


def fsync_dir(folder: Path) -> None:
    """Make a file's creation or rename in `folder` durable (POSIX: fsync the directory)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def restore(base_url: str, path: Path, lock: threading.Lock | None = None,
            timeout: float = 5.0) -> bool:
    """Give a freshly started broker its memory back; True once it is open for business."""
    import httpx  # here, on the readiness thread: not on the supervisor's way to its spawns

    with httpx.Client(base_url=base_url, timeout=timeout) as http:
        fresh = http.get("/__harness/state")
        fresh.raise_for_status()
        base = fresh.json()
        if base.get("open"):
            return True  # already restored (or reset by a test)
        with lock or threading.Lock():
            state = fold(base, read_entries(path))
            path.parent.mkdir(parents=True, exist_ok=True)
            compact(path, state)  # always: a live compaction folds onto this snapshot
        answer = http.put("/__harness/state", json=state)
        answer.raise_for_status()
    log.info("broker restored: %d accounts, %d orders (journal seq %d)",
             len(state["accounts"]), len(state["orders"]), state["seq"])
    return True
