"""One validation layer for every entry point: the CLI, the window and the workflow's
update validators call these pure functions, so a value is refused with the same words
wherever it comes from.

Every refusal is one `InvalidInput`, naming the field, the value and what is allowed.
Nothing here does I/O except `check_model_reachable` (which reads the environment and,
for OpenAI, the OS keyring): it is called by entry points, never by workflow code.
The checks against the shipped price tape take a `Tape` (engine/tape.py) as an argument,
so this module stays importable inside the workflow sandbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from engine.contracts import EQUITY_KEEP_MAX, JOURNAL_KEEP_MAX, AgentConfig, ReviewRequest
from engine.models import RiskLimits

OFFLINE_MODEL = "offline-analyst"
MODEL_PROVIDERS = ("openai", "compatible")
STEER_NOTE_MAX = 500
_SHOWN_VALUE_MAX = 60  # a refused value is echoed, but never a whole pasted file


class InvalidInput(ValueError):
    """A refused input: `field`, the `value` given, and what is `allowed`."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        shown = repr(value)
        if len(shown) > _SHOWN_VALUE_MAX:
            shown = shown[: _SHOWN_VALUE_MAX - 3] + "..."
        super().__init__(f"{field}: {shown} is not allowed; {allowed}")


def from_pydantic(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """The first problem pydantic found, as an InvalidInput (one line, not a dump)."""
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error.get("loc", ())) or "input"
    return InvalidInput(prefix + field, error.get("input"), _allowed_from(error))


def _allowed_from(error: dict) -> str:
    ctx = error.get("ctx") or {}
    bounds = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
    for key, words in bounds.items():
        if key in ctx:
            return f"must be {words} {ctx[key]}"
    if error.get("type") == "extra_forbidden":
        return "no such field"
    return error.get("msg", "invalid").lower()


def build(model: type, values: dict, prefix: str = ""):
    """Construct a payload model, turning pydantic's error into an InvalidInput."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise from_pydantic(exc, prefix) from None


# ------------------------------------------------------------------ the pieces


def check_positive(field: str, value: float | int, *, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    # NaN compares false both ways: refused too (a NaN interval would never sleep right).
    if not ok or value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput(field, value, "must be a finite number " + (
            "of at least 0" if allow_zero else "greater than 0"))


def check_at_least(field: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise InvalidInput(field, value, f"must be at least {minimum}")


def check_at_most(field: str, value: int, maximum: int, why: str) -> None:
    if value > maximum:
        raise InvalidInput(field, value, f"must be at most {maximum:,} ({why})")


def check_model_name(model: str) -> tuple[str, str]:
    """(provider, model) of a model string; refuses an unknown provider or an empty name."""
    if not model or model == OFFLINE_MODEL:
        return "offline", ""
    provider, sep, name = model.partition(":")
    if not sep or provider not in MODEL_PROVIDERS:
        raise InvalidInput("model", model, f"use {OFFLINE_MODEL!r}, 'openai:<model>' or "
                                           "'compatible:<model>'")
    if not name or any(c.isspace() for c in name):
        raise InvalidInput("model", model, f"{provider} needs a model name without spaces")
    return provider, name


# What each provider needs in the process that calls the model (the worker).
MODEL_NEEDS = {"openai": "OPENAI_API_KEY set (or a key in the OS keyring)",
               "compatible": "HARNESS_OPENAI_BASE_URL (or openai_base_url in settings.json)"}


def model_access(*, base_url: str | None = None,
                 env: dict[str, str] | None = None) -> dict[str, bool]:
    """Which providers this process can call: {"openai": a key is configured, "compatible":
    a base URL is}. Booleans only, never a key: a worker records them in its ready file."""
    env = dict(os.environ if env is None else env)
    from engine.agent.secrets import ENV_VARS, get_api_key

    # The keyring's "no backend here" note is for the worker's log, not this answer.
    secrets_log = logging.getLogger("engine.agent.secrets")
    level, secrets_log.level = secrets_log.level, logging.WARNING
    try:
        key = env.get(ENV_VARS["openai"], "").strip() or get_api_key("openai")
    finally:
        secrets_log.setLevel(level)
    return {"openai": bool(key),
            "compatible": bool(base_url or env.get("HARNESS_OPENAI_BASE_URL", "").strip())}


def check_model_reachable(model: str, *, base_url: str | None = None,
                          env: dict[str, str] | None = None) -> None:
    """The provider's key (OpenAI) or base URL (compatible) is configured here. Entry points
    only, and only when this process starts the workers (they inherit its environment);
    attached to a runtime started elsewhere, engine/runtime/model_access.py asks its
    workers instead."""
    provider, _ = check_model_name(model)
    if provider == "offline":
        return
    if not model_access(base_url=base_url, env=env)[provider]:
        raise InvalidInput("model", model, f"{provider} models need {MODEL_NEEDS[provider]}")


def parse_date(field: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, value, "must be a date as YYYY-MM-DD") from None


def check_symbols(field: str, symbols: Iterable[str], known: Iterable[str] | None) -> None:
    symbols = list(symbols)
    if not symbols:
        raise InvalidInput(field, "", "name at least one symbol")
    known_set = set(known) if known is not None else None
    for symbol in symbols:
        unknown = known_set is not None and symbol not in known_set
        if not symbol or not symbol.isalnum() or unknown:
            allowed = f"one of {', '.join(sorted(known_set))}" if known_set else "letters only"
            raise InvalidInput(field, symbol, allowed)


def validate_limit_update(limits: RiskLimits) -> RiskLimits:
    """Limits sent to a running agent (`set_limits`; its workflow validator calls this, so
    it stays pure). A threshold above the per-order limit is refused here: a person
    editing limits has made a mistake. At start it is allowed on purpose: chaos runs,
    benchmarks and tests say "never ask" with approval_notional=1e9."""
    if limits.approval_notional > limits.max_order_notional:
        raise InvalidInput(
            "limits.approval_notional", limits.approval_notional,
            f"approval threshold ${limits.approval_notional:,.2f} is above the per-order "
            f"limit ${limits.max_order_notional:,.2f} (max_order_notional): no order could "
            "ever need approval")
    return validate_limits(limits)


def validate_limits(limits: RiskLimits, known_symbols: Iterable[str] | None = None) -> RiskLimits:
    """Risk limits an agent can trade under (pydantic has checked each figure alone)."""
    if not limits.allowed_symbols:
        raise InvalidInput("limits.allowed_symbols", [], "name at least one symbol: the agent "
                                                         "could never trade")
    check_symbols("limits.allowed_symbols", limits.allowed_symbols, known_symbols)
    return limits


def validate_agent_config(config: AgentConfig, tape=None) -> AgentConfig:
    """Structural checks, plus symbols and start date against `tape` when one is given."""
    check_model_name(config.model)
    check_positive("starting_cash", config.starting_cash)
    check_positive("tick_interval_s", config.tick_interval_s, allow_zero=True)
    carried = "what a run carries into the next is bounded"
    check_at_most("journal_keep", config.journal_keep, JOURNAL_KEEP_MAX, carried)
    check_at_most("equity_keep", config.equity_keep, EQUITY_KEEP_MAX, carried)
    known = tape.symbols if tape is not None else None
    check_symbols("symbols", config.symbols, known)
    validate_limits(config.limits, known)
    if config.start_date is not None:
        start = parse_date("start_date", config.start_date)
        if tape is not None and not tape.first_date <= start <= tape.last_date:
            raise InvalidInput("start_date", config.start_date,
                               f"must lie in the price tape, {tape.first_date} to {tape.last_date}")
    return config


def validate_review(review: ReviewRequest) -> ReviewRequest:
    if not review.trade_id.strip():
        raise InvalidInput("trade_id", review.trade_id, "name a pending trade, e.g. t4-AAPL")
    # The quantity is checked by the workflow, which alone knows the proposed one (1..N).
    return review


def validate_steer_note(note: str) -> str:
    """A steer is a signal: it has no validator in the workflow, so it is checked here,
    before it is sent (a signal is written to the history whatever it holds)."""
    if not isinstance(note, str) or not note.strip():
        raise InvalidInput("note", note, "must be a non-empty text")
    if len(note) > STEER_NOTE_MAX:
        raise InvalidInput("note", note, f"must be at most {STEER_NOTE_MAX} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in note):
        raise InvalidInput("note", note, "must not hold control characters")
    return note
