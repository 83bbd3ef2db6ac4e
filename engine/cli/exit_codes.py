"""Exit codes shared by every `harness` subcommand (scripts and tests rely on them).

| code | meaning |
|------|---------|
| 0    | ok (also: the reader closed stdout, `harness history X \\| head -1`) |
| 1    | unhealthy / refused: a service is unhealthy or failed to start, an agent said no |
| 2    | no runtime in this home |
| 3    | missing dependency (the message names what to install) |
| 4    | invalid input or configuration (an argument value, settings.json, HARNESS_*, |
|      | an agent's config or limits); nothing was started |
| 5    | no agent with this workflow id (or no such tick or run of it) |
| 64   | usage error: unknown command or option, a missing or malformed argument (argparse) |
| 70   | internal error: one line on stderr, the traceback in the log file it names |
| 130  | interrupted (Ctrl-C / SIGINT while a command waits) |
"""

EXIT_OK = 0
EXIT_UNHEALTHY = 1  # a runtime runs but some service is unhealthy / failed to start
EXIT_NOT_RUNNING = 2  # no runtime in this home
EXIT_MISSING_DEPENDENCY = 3  # a binary (temporal, node, mockoon-cli) is not installed
EXIT_INVALID_CONFIG = 4  # a refused value (argument, settings, config); nothing started
EXIT_UNKNOWN_AGENT = 5  # no agent with this workflow id (or no such tick/run of it)
EXIT_USAGE = 64  # sysexits EX_USAGE: argparse's own errors (it would say 2: "no runtime")
EXIT_INTERNAL = 70  # sysexits EX_SOFTWARE: a bug; the traceback is in the named log file
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

DOCUMENTED = frozenset({EXIT_OK, EXIT_UNHEALTHY, EXIT_NOT_RUNNING, EXIT_MISSING_DEPENDENCY,
                        EXIT_INVALID_CONFIG, EXIT_UNKNOWN_AGENT, EXIT_USAGE, EXIT_INTERNAL,
                        EXIT_INTERRUPTED})
