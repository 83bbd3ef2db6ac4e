"""The `harness` console script: no arguments (or `app`) opens the window; any other
command is the engine's command line (engine/cli), which never imports Qt.

Without a display it says so in one line and runs the headless feed (`harness up
--agent`) instead; with a display but missing xcb libraries it names the packages to
install (exit 3), before Qt could abort the process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

EXIT_MISSING_DEPENDENCY = 3


def parse_app_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The window's options if argv asks for the window, else None (an engine command)."""
    parser = argparse.ArgumentParser(prog="harness app", description="Open the desktop window.")
    parser.add_argument("--home", help="state directory (default: $HARNESS_HOME, else the "
                                       "per-user data directory)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = list(argv)
    if args and args[0] == "app":
        return parser.parse_args(args[1:])
    if "-h" in args or "--help" in args:
        return None  # `harness --help` lists every command (the engine's parser)
    known, rest = parser.parse_known_args(args)
    return known if not rest else None


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    app_args = parse_app_args(args)
    from engine.cli import main as cli_main  # light: each command imports what it needs

    if app_args is None:
        return cli_main(args)
    from app.platform_check import missing_xcb_packages, no_display_reason, uses_xcb

    reason = no_display_reason(os.environ)
    if reason is not None:
        print(f"harness: {reason}; running the headless feed (harness up --agent) instead",
              file=sys.stderr, flush=True)
        home = ["--home", app_args.home] if app_args.home else []
        return cli_main([*home, "up", "--agent"])
    if uses_xcb(os.environ):
        missing = missing_xcb_packages()
        if missing:
            print("harness: Qt's xcb platform plugin cannot load: missing system libraries. "
                  f"Install them: sudo apt-get install {' '.join(missing)}", file=sys.stderr)
            return EXIT_MISSING_DEPENDENCY
    from app.main import run_window

    return run_window(app_args.home, verbose=app_args.verbose)


def run() -> None:
    """The console script. Ends with os._exit, like engine.cli.main: the Temporal SDK's
    native threads can abort interpreter finalization, turning a clean exit into -6."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
