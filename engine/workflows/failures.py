"""Reading Temporal failure chains: the message worth showing a human, and whether to give up."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

LIMIT = 300


def describe_failure(exc: BaseException) -> str:
    """The most telling message in a failure chain: a driver's own error (it names the
    service and its address), else the innermost cause with its type."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ApplicationError) and seen.message:
            return seen.message[:LIMIT]
        exc, seen = seen, seen.__cause__
    return f"{type(exc).__name__}: {exc}"[:LIMIT]


def is_non_retryable(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ApplicationError) and seen.non_retryable:
            return True
        seen = seen.__cause__
    return False
