"""The runner's own package (`backtest`) is importable in these tests, as in the sandbox."""

from tests.sandbox import runner_support  # noqa: F401  (puts sandbox/runner on sys.path)
