"""How `harness` fails: usage errors with their own exit code, and an unexpected exception
as one line on stderr plus the log file that holds its traceback (a user should never
have to read a traceback to learn that something went wrong, nor lose it when a bug does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import traceback
from pathlib import Path

from engine.cli.exit_codes import EXIT_INTERNAL

ERROR_LOG = "cli-errors.log"


class UsageError(Exception):
    """argparse's complaint, carried out of parse_args instead of its sys.exit(2)."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: X)" unless the help text already says what the default is."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if "(default" in help_text:
            return help_text
        return super()._get_help_string(action)


class HarnessParser(argparse.ArgumentParser):
    """Every option shows its default in --help; a usage error raises UsageError, which
    the CLI reports in two lines with exit 64 (argparse's 2 is "no runtime" here)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(self.prog, message)


def one_line(message: object) -> str:
    """The message with control characters escaped: an argument such as '\\r' or a
    multi-line error must not break the one-line answer (or rewrite the terminal)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))


def quiet_stdout() -> None:
    """Point fd 1 at /dev/null, so writes and the exit-time flush after a closed pipe
    neither fail nor print 'Exception ignored ... BrokenPipeError'."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (a test's capture): nothing to silence
    finally:
        os.close(devnull)


def error_log_path(home_arg: str | None) -> Path:
    """$HARNESS_HOME/logs/cli-errors.log, or the temp directory if the home is unusable
    (the bug may be about the home itself)."""
    try:
        from engine.runtime.home import resolve_home

        logs = Path(resolve_home(home_arg)) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        return logs / ERROR_LOG
    except Exception:
        return Path(tempfile.gettempdir()) / f"harness-{os.getuid()}-{ERROR_LOG}"


def report_unexpected(exc: BaseException, home_arg: str | None, command: str | None) -> int:
    path = error_log_path(home_arg)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(exc))
    try:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"--- {stamp} harness {command or ''}\n{text}\n")
        where = f"the traceback is in {path}"
    except OSError as write_error:
        where = f"(and its traceback could not be written to {path}: {write_error.strerror})"
    summary = one_line(str(exc).splitlines()[0][:200]) if str(exc).strip() else ""
    print(f"harness: internal error: {type(exc).__name__}: {summary}; {where}", file=sys.stderr)
    return EXIT_INTERNAL
