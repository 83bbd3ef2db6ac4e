"""Mockoon CLI: where the environment lives, how to launch it, how to tell it is ready.

Side-effect free except `validate_environment` (reads a file) and `probe` (one HTTP GET); the
process supervisor owns spawning, restarts and logs.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.runtime.errors import MissingDependencyError
from engine.runtime.node import DEFAULT_NODE, node_executable, path_with_node

MOCKOON_DIR = Path(__file__).resolve().parents[2] / "mockoon"
CLI_ENTRY = MOCKOON_DIR / "node_modules" / "@mockoon" / "cli" / "bin" / "run.js"
READINESS_PATH = "/v2/calendar"
# Highest data migration known to the pinned CLI (@mockoon/commons 9.9.0). A file without
# `lastMigration` makes the CLI ask "repair it? (y/n)" and exit 0 without serving; a higher
# one makes it refuse to start.
HIGHEST_MIGRATION = 33
_ENVIRONMENT_KEYS = {"uuid": str, "lastMigration": int, "name": str, "port": int,
                     "routes": list, "rootChildren": list, "data": list}
_ROUTE_KEYS = {"uuid": str, "type": str, "method": str, "endpoint": str, "responses": list}
_RESPONSE_KEYS = {"uuid": str, "body": str, "statusCode": int, "latency": int, "rules": list}


class InvalidEnvironmentError(ValueError):
    """The Mockoon data file would not serve what we expect (the CLI would not say so)."""


def environment_files() -> list[Path]:
    """The environment(s) the runtime serves: one file for market, news and broker."""
    return [MOCKOON_DIR / "harness.json"]


def find_mockoon_cli(node_choice: str = DEFAULT_NODE) -> list[str]:
    """argv prefix running the pinned CLI: [node, run.js], node being the wheel's unless
    the settings ask for the system's (engine/runtime/node.py)."""
    node = node_executable(node_choice)
    if not CLI_ENTRY.is_file():
        raise MissingDependencyError(
            f"the pinned Mockoon CLI is not installed ({CLI_ENTRY} is missing): "
            "run `make setup` or `cd mockoon && npm ci`")
    return [node, str(CLI_ENTRY)]


def _check_keys(where: str, obj: object, keys: dict[str, type]) -> None:
    if not isinstance(obj, dict):
        raise InvalidEnvironmentError(f"{where} is not a JSON object")
    for key, kind in keys.items():
        if key not in obj:
            raise InvalidEnvironmentError(f"{where} lacks the required key {key!r}")
        if not isinstance(obj[key], kind) or (kind is int and isinstance(obj[key], bool)):
            raise InvalidEnvironmentError(f"{where}: {key!r} must be a {kind.__name__}")


def validate_environment(path: Path) -> dict:
    """Parse and check a Mockoon environment file; return it or raise InvalidEnvironmentError.

    Stricter than the CLI on purpose: the CLI silently "repairs" what it cannot read (dropping
    routes) or prompts and exits 0, and either way the harness would wait for a server that
    never answers.
    """
    path = Path(path)
    try:
        env = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InvalidEnvironmentError(f"{path}: no such Mockoon environment file") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidEnvironmentError(f"{path}: not valid JSON ({error})") from error
    _check_keys(f"{path}", env, _ENVIRONMENT_KEYS)
    if not 1 <= env["lastMigration"] <= HIGHEST_MIGRATION:
        raise InvalidEnvironmentError(
            f"{path}: lastMigration {env['lastMigration']} is not supported by the pinned "
            f"Mockoon CLI (1..{HIGHEST_MIGRATION})")
    served = {child.get("uuid") for child in env["rootChildren"] if isinstance(child, dict)}
    for i, route in enumerate(env["routes"]):
        _check_keys(f"{path}: routes[{i}]", route, _ROUTE_KEYS)
        if not route["responses"]:
            raise InvalidEnvironmentError(f"{path}: route {route['endpoint']!r} has no response")
        for j, response in enumerate(route["responses"]):
            _check_keys(f"{path}: route {route['endpoint']!r} response {j}", response,
                        _RESPONSE_KEYS)
        if route["uuid"] not in served:  # routes outside rootChildren are never served
            raise InvalidEnvironmentError(
                f"{path}: route {route['endpoint']!r} is missing from rootChildren")
    for bucket in env["data"]:
        _check_keys(f"{path}: data bucket", bucket, {"id": str, "name": str, "value": str})
        if "{{" not in bucket["value"]:  # a templated bucket is only JSON after rendering
            try:
                json.loads(bucket["value"])
            except json.JSONDecodeError as error:
                raise InvalidEnvironmentError(
                    f"{path}: data bucket {bucket['name']!r} is not valid JSON ({error})"
                ) from error
    return env


def mockoon_command(port: int, home: Path, seed: int = 42, files: list[Path] | None = None,
                    node_choice: str = DEFAULT_NODE) -> tuple[list[str], dict[str, str]]:
    """argv and extra environment variables for a non-interactive, loopback-only Mockoon.

    The caller should also give the process stdin=DEVNULL (a prompt then cannot block) and its
    own process group. The env dict only holds what to override on top of os.environ.
    """
    mockoon_home = Path(home) / "mockoon-home"
    cli = find_mockoon_cli(node_choice)
    argv = [*cli, "start",
            "--data", *[str(path) for path in (files or environment_files())],
            "--port", str(port),
            "--hostname", "127.0.0.1",  # never reachable from the network
            "--faker-seed", str(seed),  # any faker helper stays reproducible
            "--disable-log-to-file",  # logs go to stdout/stderr, the supervisor keeps them
            "--disable-admin-api"]  # no runtime reconfiguration from outside
    env = {
        "HOME": str(mockoon_home),  # the CLI writes ~/.mockoon-cli; keep it ours
        "XDG_CONFIG_HOME": str(mockoon_home / ".config"),
        "XDG_CACHE_HOME": str(mockoon_home / ".cache"),
        "XDG_DATA_HOME": str(mockoon_home / ".local" / "share"),
        "NO_COLOR": "1",
        "NODE_ENV": "production",
        "PATH": path_with_node(cli[0]),  # anything the CLI spawns runs this Node too
    }
    return argv, env


def probe(base_url: str, timeout: float = 0.5) -> bool:
    """True once the server answers the market calendar with 200. The standard library's
    HTTP client, not httpx: `harness status` probes this too, and importing httpx cost it
    more than the probe itself (0.1-0.2 s)."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80,
                                            timeout=timeout)
    try:
        connection.request("GET", url.path.rstrip("/") + READINESS_PATH)
        return connection.getresponse().status == 200  # the status line is the answer
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, garbled
        return False
    finally:
        connection.close()
