"""The one validation layer (engine/validation.py): each check refuses with the field, the
value and what is allowed, and accepts what the agent can run."""

from __future__ import annotations

import pytest

from engine.contracts import AgentConfig, ReviewRequest
from engine.models import RiskLimits
from engine.tape import shipped_tape
from engine.validation import (
    InvalidInput,
    build,
    check_model_name,
    check_model_reachable,
    validate_agent_config,
    validate_limit_update,
    validate_limits,
    validate_review,
    validate_steer_note,
)

TAPE = shipped_tape()


def test_the_shipped_tape_is_read_from_the_mockoon_environment():
    assert TAPE.symbols == {"AAPL", "MSFT", "IBM", "GOOG"}
    assert (str(TAPE.first_date), str(TAPE.last_date)) == ("2000-03-01", "2013-03-01")


@pytest.mark.parametrize(("values", "field", "allowed"), [
    ({"start_date": "notadate"}, "start_date", "YYYY-MM-DD"),
    # As strings '2013-3-1' sorts after every date of the tape; as a date it is no date.
    ({"start_date": "2013-3-1"}, "start_date", "YYYY-MM-DD"),
    ({"start_date": "2013-03-02"}, "start_date", "2000-03-01 to 2013-03-01"),
    ({"start_date": "1999-12-31"}, "start_date", "2000-03-01 to 2013-03-01"),
    ({"symbols": ["NOPE"]}, "symbols", "one of AAPL, GOOG, IBM, MSFT"),
    ({"symbols": ["AAPL", "fb"]}, "symbols", "one of"),
    ({"model": "nosuch:thing"}, "model", "'openai:<model>'"),
    ({"model": "openai:"}, "model", "without spaces"),
    ({"model": "compatible:two words"}, "model", "without spaces"),
    ({"limits": {"allowed_symbols": ["TSLA"]}}, "limits.allowed_symbols", "one of"),
])
def test_an_agent_config_is_refused_naming_field_value_and_what_is_allowed(values, field, allowed):
    with pytest.raises(InvalidInput) as caught:
        validate_agent_config(build(AgentConfig, values), TAPE)
    assert caught.value.field == field and allowed in caught.value.allowed
    assert field in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("values", "field"), [
    ({"starting_cash": 0}, "starting_cash"), ({"starting_cash": -5}, "starting_cash"),
    ({"tick_interval_s": -1}, "tick_interval_s"), ({"max_ticks": 0}, "max_ticks"),
    ({"symbols": []}, "symbols"), ({"approval_policy": "maybe"}, "approval_policy"),
    ({"limits": {"max_order_notional": 0}}, "limits.max_order_notional"),
    ({"surprise": 1}, "surprise"),
])
def test_pydantic_refusals_become_the_same_one_line_error(values, field):
    with pytest.raises(InvalidInput) as caught:
        build(AgentConfig, values)
    assert caught.value.field == field and "\n" not in str(caught.value)


def test_a_threshold_above_the_order_limit_is_refused_as_an_update_only():
    never_ask = RiskLimits(approval_notional=1e9)  # how chaos runs and benches say "never ask"
    assert validate_agent_config(build(AgentConfig, {"limits": never_ask.model_dump()}), TAPE)
    with pytest.raises(InvalidInput, match="above the per-order limit"):
        validate_limit_update(never_ask)
    with pytest.raises(InvalidInput, match="allowed_symbols"):
        validate_limit_update(RiskLimits(allowed_symbols=[]))


def test_valid_configs_pass_unchanged():
    config = build(AgentConfig, {"symbols": ["GOOG", "IBM"], "start_date": "2013-03-01"})
    assert validate_agent_config(config, TAPE) is config
    assert validate_agent_config(build(AgentConfig, {"start_date": "2000-03-01"}), TAPE)
    assert validate_limits(RiskLimits()) == RiskLimits()


def test_models_need_a_known_provider_and_what_it_needs_to_answer():
    assert check_model_name("offline-analyst") == ("offline", "")
    assert check_model_name("compatible:llama3.1:8b") == ("compatible", "llama3.1:8b")
    check_model_reachable("openai:gpt-4o-mini", env={"OPENAI_API_KEY": "sk-x"})
    check_model_reachable("compatible:m", env={"HARNESS_OPENAI_BASE_URL": "http://h/v1"})
    check_model_reachable("compatible:m", base_url="http://h/v1", env={})
    with pytest.raises(InvalidInput, match="HARNESS_OPENAI_BASE_URL"):
        check_model_reachable("compatible:m", env={})


def test_reviews_and_steering_notes():
    with pytest.raises(InvalidInput, match="trade_id"):
        validate_review(ReviewRequest(trade_id="  ", approve=True))
    assert validate_review(ReviewRequest(trade_id="t1-AAPL", approve=False))
    for note in ("", "   ", "x" * 501, "bell\x07"):
        with pytest.raises(InvalidInput, match="note"):
            validate_steer_note(note)
    assert validate_steer_note("prefer MSFT\ttoday") == "prefer MSFT\ttoday"


def test_a_long_refused_value_is_cut_in_the_message():
    error = InvalidInput("note", "y" * 10_000, "at most 500 characters")
    assert len(str(error)) < 150
