"""`harness`: the command line of the durable agentic harness.

Each subcommand lives in its own module exposing `register(subparsers)`, which adds its
parser and sets `func(args) -> int`. Adding a command is one line in COMMANDS.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Sequence

from engine.cli.errors import (
    HarnessParser,
    UsageError,
    one_line,
    quiet_stdout,
    report_unexpected,
)
from engine.cli.exit_codes import (
    EXIT_INTERRUPTED,
    EXIT_INVALID_CONFIG,
    EXIT_MISSING_DEPENDENCY,
    EXIT_NOT_RUNNING,
    EXIT_OK,
    EXIT_UNHEALTHY,
    EXIT_UNKNOWN_AGENT,
    EXIT_USAGE,
)

COMMANDS = (
    "engine.cli.up",
    "engine.cli.status",
    "engine.cli.run",
    "engine.cli.review",
    "engine.cli.inspect",
    "engine.cli.verify_replay",
    "engine.cli.chaos",
    "engine.cli.sandbox",
    "engine.cli.agents", "engine.cli.runs", "engine.cli.control", "engine.cli.why",
    "engine.cli.worker",
    "engine.cli.discover",
)
# The subcommands each module registers: a command line that names one builds only that
# module's parser (importing all fourteen cost `harness status` a third of its time).
# tests/cli/test_refusals.py checks this table against what the modules register.
COMMAND_NAMES = {
    "up": "engine.cli.up", "status": "engine.cli.status", "run": "engine.cli.run",
    "approve": "engine.cli.review", "reject": "engine.cli.review",
    "state": "engine.cli.inspect", "history": "engine.cli.inspect",
    "verify-replay": "engine.cli.verify_replay", "chaos": "engine.cli.chaos",
    "sandbox": "engine.cli.sandbox", "agents": "engine.cli.agents", "runs": "engine.cli.runs",
    **dict.fromkeys(("pause", "resume", "stop", "limits", "steer"), "engine.cli.control"),
    "why": "engine.cli.why", "worker": "engine.cli.worker", "discover": "engine.cli.discover",
}
GLOBAL_FLAGS = ("-v", "--verbose")


def command_module(argv: Sequence[str]) -> str | None:
    """The module of the command `argv` names, or None (no command, --help, a typo, an
    option we do not know: the full parser then answers as it always did)."""
    args = iter(argv)
    for arg in args:
        if arg == "--home":
            next(args, None)
        elif arg.startswith("--home=") or arg in GLOBAL_FLAGS:
            continue
        else:
            return COMMAND_NAMES.get(arg)
    return None


def build_parser(argv: Sequence[str] | None = None) -> HarnessParser:
    """Every command's parser; with `argv` that names a command, only that command's."""
    parser = HarnessParser(
        prog="harness",
        description="Durable Agentic Harness: supervised, crash-safe AI agents on Temporal. "
                    "Without a command (or with `app`), `harness` opens the desktop window.",
    )
    parser.add_argument(
        "--home",
        help="state directory (default: $HARNESS_HOME, else the per-user data directory)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    # Every subcommand's parser is a HarnessParser too (argparse makes subparsers of the
    # parent's class): its options show their defaults and its usage errors exit 64.
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    only = command_module(argv) if argv is not None else None
    for module_name in (only,) if only else COMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. As the program (argv None: the console script, `python -m
    engine.cli`) the process then ends with os._exit: the Temporal SDK's native threads can
    abort interpreter finalization ("Fatal Python error: PyGILState_Release", seen here
    under load after a mere client connect), which would turn a clean exit code into -6.
    Everything we own is stopped and flushed by then. In-process callers pass argv and
    get the exit code back."""
    code = _run_command(argv)
    if argv is None:
        try:
            sys.stdout.flush()  # the last buffered lines may meet a closed pipe only here
        except BrokenPipeError:
            quiet_stdout()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    return code


def _run_command(argv: Sequence[str] | None) -> int:
    try:
        return _parse_and_dispatch(argv)
    except UsageError as exc:
        print(f"{exc.prog}: {one_line(exc)}", file=sys.stderr)
        print(f"{exc.prog}: see `{exc.prog} --help`", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as done:  # --help: through the same flush as every other ending
        return done.code if isinstance(done.code, int) else EXIT_OK
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (`harness history X | head -1`): that is its
        # choice, not our failure. Point stdout at /dev/null so the final flush is quiet.
        quiet_stdout()
        return EXIT_OK


def _parse_and_dispatch(argv: Sequence[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per health probe
    try:
        check_home(args.home)
        return int(args.func(args) or 0)
    except Exception as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        for kinds, prefix, code in _expected_errors():
            if isinstance(exc, kinds):
                print(f"harness: {prefix}{one_line(exc)}", file=sys.stderr)
                return code
        return report_unexpected(exc, getattr(args, "home", None), args.command)


def check_home(home: str | None) -> None:
    """--home must be a directory or a path one can create below a directory."""
    if home is None:
        return
    from pathlib import Path

    path = Path(home).expanduser()
    while not path.exists() and path != path.parent:
        path = path.parent
    if not path.is_dir():
        from engine.validation import InvalidInput  # pydantic and the contracts: only now

        raise InvalidInput("--home", home, f"must be a directory ({path} is a file)")


def _expected_errors() -> list[tuple[tuple[type[BaseException], ...], str, int]]:
    """Errors any command can hit, each mapped to one line and a stable exit code, so no
    command prints a traceback for a machine that merely lacks node."""
    from engine.config import SettingsError
    from engine.runtime.errors import (
        MissingDependencyError,
        RuntimeNotRunning,
        ServiceStartError,
    )
    from engine.runtime.mockoon import InvalidEnvironmentError
    from engine.validation import InvalidInput

    expected = [
        ((MissingDependencyError,), "missing dependency: ", EXIT_MISSING_DEPENDENCY),
        ((InvalidEnvironmentError,), "invalid Mockoon environment: ", EXIT_INVALID_CONFIG),
        ((SettingsError, InvalidInput), "", EXIT_INVALID_CONFIG),
        ((RuntimeNotRunning,), "", EXIT_NOT_RUNNING),
        # A runtime `run` had to start could not: a port taken, a disk low on space, an
        # unreachable cluster, a child that died starting (each named in one line).
        ((ServiceStartError,), "could not start the runtime: ", EXIT_UNHEALTHY),
        # TemporalUnavailable (no server) and other lookups that found nothing.
        ((LookupError, ConnectionError), "", EXIT_UNHEALTHY),
    ]
    if "temporalio.service" in sys.modules:  # only a command that talked to Temporal
        from temporalio.service import RPCError

        from engine.client import AgentNotFound, RequestRejected

        # A workflow id nobody started, from any command (state, history, why, pause...):
        # before LookupError, which it is, so a script can tell a typo from an outage.
        expected.insert(0, ((AgentNotFound,), "", EXIT_UNKNOWN_AGENT))

        # A refusal by the server (a malformed run id, say) or by the agent's validator.
        expected.append(((RPCError,), "Temporal refused: ", EXIT_UNHEALTHY))
        expected.append(((RequestRejected,), "refused: ", EXIT_UNHEALTHY))
    return expected


def run() -> None:
    sys.exit(main())
