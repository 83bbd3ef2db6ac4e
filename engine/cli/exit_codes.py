"""Exit codes shared by every `harness` subcommand (scripts and tests rely on them)."""

EXIT_OK = 0
EXIT_UNHEALTHY = 1  # a runtime runs but some service is unhealthy / failed to start
EXIT_NOT_RUNNING = 2  # no runtime in this home
EXIT_MISSING_DEPENDENCY = 3  # a binary (temporal, node, mockoon-cli) is not installed
EXIT_INVALID_CONFIG = 4  # e.g. an invalid Mockoon environment file
EXIT_UNKNOWN_AGENT = 5  # no agent with this workflow id (or no such tick/run of it)
