"""Model selection, API keys, and an OpenAI-compatible model end to end via ``Runner.run``.

The OpenAI service is unreachable here, so the compatible model talks to
``ChatCompletionsDouble`` (a test double, see its docstring). What the SDK
raises on bad model output, as the workflow sees it (``Runner.run`` without
Temporal raises the same types inside the workflow; an HTTP error is instead
turned into an ``ApplicationError`` by the plugin's model activity):

* not JSON, JSON that breaks the TradeIntent schema (negative quantity, an extra
  field): ``agents.ModelBehaviorError`` ("Invalid JSON when parsing model output");
* a call to a tool the agent does not have: ``agents.ModelBehaviorError``
  ("Tool ... not found in agent analyst");
* HTTP 500: ``openai.InternalServerError`` (an ``openai.APIStatusError``), after
  exactly one request, since the client does not retry (Temporal does);
* an unknown symbol or an absurd quantity is still a valid TradeIntent: the SDK
  returns it, and the workflow's own sanity check must turn it into a HOLD.
"""

from __future__ import annotations

import json
import logging
import os

import keyring
import keyring.core
import openai
import pytest
from agents import (
    Agent,
    ModelBehaviorError,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError
from temporalio.exceptions import ApplicationError

from engine.agent import secrets
from engine.agent.brief import INSTRUCTIONS, TickBrief, render_brief
from engine.agent.offline_analyst import OfflineAnalyst
from engine.agent.providers import (
    BASE_URL_ENV,
    HarnessModelProvider,
    ModelChoice,
    UnknownModelError,
    describe_model,
    model_name,
)
from engine.agent.reports import NewsReport, PortfolioReport, QuoteReport
from engine.models import Side, TradeIntent
from tests.support.chat_completions_server import ChatCompletionsDouble

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
set_tracing_disabled(True)

DUMMY_KEY = "sk-dummy-3f9a1c77e2"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not there")


class BrokenKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise KeyringLocked("the keychain is locked")

    def set_password(self, service, username, password):
        raise RuntimeError(f"cannot store {password}")  # a backend that echoes the secret

    def delete_password(self, service, username):
        raise KeyringLocked("the keychain is locked")


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """No real keys, no real keyring, no base URL from the machine running the tests."""
    for var in ("OPENAI_API_KEY", "HARNESS_OPENAI_API_KEY", BASE_URL_ENV, "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", memory)
    return memory


def counting_lookup(key: str | None):
    calls: list[str] = []

    def lookup(provider: str) -> str | None:
        calls.append(provider)
        return key

    return lookup, calls


# ---- names and selection ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["offline-analyst", None, ""])
def test_offline_names_give_the_offline_analyst_without_touching_keys(name):
    lookup, calls = counting_lookup(DUMMY_KEY)
    provider = HarnessModelProvider(key_lookup=lookup)
    model = provider.get_model(name)
    assert isinstance(model, OfflineAnalyst)
    assert provider.get_model("offline-analyst") is model
    assert calls == []


async def test_openai_name_gives_the_responses_model_without_sdk_retries():
    lookup, calls = counting_lookup(DUMMY_KEY)
    provider = HarnessModelProvider(key_lookup=lookup)
    assert calls == []  # lazily: nothing read at construction
    model = provider.get_model("openai:gpt-4o-mini").inner  # inside its BoundedModel
    assert isinstance(model, OpenAIResponsesModel) and model.model == "gpt-4o-mini"
    client = model._client
    assert client.max_retries == 0 and client.api_key == DUMMY_KEY
    provider.get_model("openai:gpt-4o")
    assert calls == ["openai"]  # one client per provider, key read once
    await provider.aclose()


def test_openai_without_a_key_is_a_non_retryable_error():
    provider = HarnessModelProvider(key_lookup=lambda p: None)
    with pytest.raises(ApplicationError) as err:
        provider.get_model("openai:gpt-4o-mini")
    assert err.value.non_retryable and err.value.type == "MissingApiKey"
    assert "OPENAI_API_KEY" in str(err.value)


async def test_compatible_name_gives_chat_completions_at_the_configured_url(monkeypatch):
    monkeypatch.setenv(BASE_URL_ENV, "http://127.0.0.1:11434/v1")
    provider = HarnessModelProvider(key_lookup=lambda p: None)
    model = provider.get_model("compatible:llama3.1:8b").inner  # inside its BoundedModel
    assert isinstance(model, OpenAIChatCompletionsModel) and model.model == "llama3.1:8b"
    assert str(model._client.base_url) == "http://127.0.0.1:11434/v1/"
    assert model._client.api_key == "unused" and model._client.max_retries == 0
    await provider.aclose()


def test_compatible_without_a_base_url_is_a_non_retryable_error():
    with pytest.raises(ApplicationError) as err:
        HarnessModelProvider(key_lookup=lambda p: None).get_model("compatible:llama3.1")
    assert err.value.non_retryable and err.value.type == "MissingBaseUrl"


@pytest.mark.parametrize(
    "name", ["gpt-4o", "openai:", "anthropic:claude", "compatible: ", "openai:gpt 4", "offline"]
)
def test_unknown_names_are_a_clear_non_retryable_error(name):
    with pytest.raises(ApplicationError) as err:
        HarnessModelProvider(key_lookup=lambda p: DUMMY_KEY).get_model(name)
    assert err.value.non_retryable and err.value.type == "UnknownModel"
    assert "unknown model name" in str(err.value) and "openai:<model>" in str(err.value)


def test_model_choice_round_trips():
    assert model_name("offline") == "offline-analyst"
    assert model_name("openai", "gpt-4o-mini") == "openai:gpt-4o-mini"
    assert model_name("compatible", "llama3.1:8b") == "compatible:llama3.1:8b"
    for name in ("offline-analyst", "openai:gpt-4o-mini", "compatible:qwen2.5:7b"):
        assert ModelChoice.parse(name).name == name
    assert ModelChoice.parse("compatible:qwen2.5:7b").model == "qwen2.5:7b"
    with pytest.raises(UnknownModelError):
        model_name("openai", "")


def test_describe_model_for_display(monkeypatch):
    assert describe_model("offline-analyst") == "Offline analyst (deterministic, no LLM)"
    assert describe_model("openai:gpt-4o-mini") == "OpenAI gpt-4o-mini"
    assert describe_model("compatible:llama3.1", "http://localhost:11434/v1") == (
        "OpenAI-compatible llama3.1 at http://localhost:11434/v1"
    )
    # Credentials in a URL are never displayed.
    monkeypatch.setenv(BASE_URL_ENV, f"https://me:{DUMMY_KEY}@llm.example:8443/v1?k={DUMMY_KEY}")
    assert describe_model("compatible:llama3.1") == (
        "OpenAI-compatible llama3.1 at https://llm.example:8443/v1"
    )
    assert describe_model("nonsense") == "Unknown model 'nonsense'"


# ---- secrets ------------------------------------------------------------------------------------


def test_key_from_env_first_then_keyring(monkeypatch, isolated):
    assert secrets.get_api_key("openai") is None
    secrets.set_api_key("openai", DUMMY_KEY)
    assert isolated.store[("durable-agentic-harness", "openai")] == DUMMY_KEY
    assert secrets.get_api_key("openai") == DUMMY_KEY
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert secrets.get_api_key("openai") == "sk-from-env"
    monkeypatch.setenv("HARNESS_OPENAI_API_KEY", "sk-compat")
    assert secrets.get_api_key("compatible") == "sk-compat"
    secrets.set_api_key("openai", None)
    secrets.set_api_key("openai", "")  # deleting twice is fine
    monkeypatch.delenv("OPENAI_API_KEY")
    assert secrets.get_api_key("openai") is None


def test_a_broken_keyring_means_no_key_and_never_leaks_it(monkeypatch, caplog):
    monkeypatch.setattr(keyring.core, "_keyring_backend", BrokenKeyring())
    caplog.set_level(logging.DEBUG)
    assert secrets.get_api_key("openai") is None
    with pytest.raises(secrets.KeyringUnavailable) as err:
        secrets.set_api_key("openai", DUMMY_KEY)
    assert DUMMY_KEY not in str(err.value) and err.value.__cause__ is None
    assert DUMMY_KEY not in caplog.text
    # The provider then falls back as documented: compatible servers get "unused".
    monkeypatch.setenv(BASE_URL_ENV, "http://127.0.0.1:9/v1")
    model = HarnessModelProvider().get_model("compatible:x").inner
    assert model._client.api_key == "unused"


def test_unknown_provider_for_a_key_is_a_value_error():
    with pytest.raises(ValueError):
        secrets.get_api_key("anthropic")


# ---- a compatible model end to end, against the test double -----------------------------------


@function_tool
def get_quote(symbol: str) -> str:
    """The price now and the recent trend."""
    return QuoteReport(symbol=symbol, date="2004-09-01", last=100.0, bid=99.95, ask=100.05,
                       change_pct=0.5, sma_fast=101, sma_slow=99, high_20=103, low_20=95,
                       bars=20).model_dump_json()


@function_tool
def get_news(symbol: str) -> str:
    """Today's headlines with their sentiment."""
    return NewsReport(symbol=symbol, date="2004-09-01", mean_sentiment=0.2).model_dump_json()


@function_tool
def get_portfolio() -> str:
    """The agent's own book and its limits."""
    return PortfolioReport(cash=100_000, equity=100_000, max_order_notional=25_000,
                           max_position_pct=0.4, approval_notional=10_000).model_dump_json()


async def run_compatible(server: ChatCompletionsDouble, key: str | None = DUMMY_KEY):
    provider = HarnessModelProvider(base_url=server.base_url, key_lookup=lambda p: key)
    agent = Agent(
        name="analyst", instructions=INSTRUCTIONS, model=provider.get_model("compatible:llama3.1"),
        tools=[get_quote, get_news, get_portfolio], output_type=TradeIntent,
    )
    brief = TickBrief(tick=7, date="2004-09-01", symbols=["AAPL", "MSFT"])
    try:
        return await Runner.run(agent, render_brief(brief), max_turns=4)
    finally:
        await provider.aclose()


async def test_compatible_model_gets_a_trade_intent_and_sends_the_key(caplog):
    caplog.set_level(logging.DEBUG)
    async with ChatCompletionsDouble("intent") as server:
        result = await run_compatible(server)
    intent = result.final_output
    assert isinstance(intent, TradeIntent)
    assert (intent.symbol, intent.side, intent.quantity) == ("AAPL", Side.BUY, 10)
    first, second = server.requests
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == f"Bearer {DUMMY_KEY}"
    assert first.body["model"] == "llama3.1"
    assert {t["function"]["name"] for t in first.body["tools"]} == {
        "get_quote", "get_news", "get_portfolio",
    }
    assert "BRIEF: " in json.dumps(first.body["messages"])
    tool_messages = [m for m in second.body["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == 5  # portfolio + quote and news for both symbols
    # The key travels in the Authorization header only: not in what the run returns or logs.
    returned = json.dumps([r.output for r in result.raw_responses], default=repr)
    returned += json.dumps(result.to_input_list(), default=repr)
    assert DUMMY_KEY not in returned and DUMMY_KEY not in caplog.text


async def test_without_a_key_the_compatible_model_sends_a_placeholder():
    async with ChatCompletionsDouble("intent") as server:
        await run_compatible(server, key=None)
    assert server.requests[0].headers["authorization"] == "Bearer unused"


@pytest.mark.parametrize("mode, match", [
    ("invalid_json", "Invalid JSON"),
    ("negative_quantity", "Invalid JSON"),
    ("schema_violation", "Invalid JSON"),
    ("unknown_tool", "Tool place_order_now not found"),
])
async def test_garbage_output_raises_model_behavior_error(mode, match):
    async with ChatCompletionsDouble(mode) as server:
        with pytest.raises(ModelBehaviorError, match=match):
            await run_compatible(server)


async def test_http_500_raises_the_status_error_after_one_request():
    async with ChatCompletionsDouble("http_500") as server:
        with pytest.raises(openai.InternalServerError) as err:
            await run_compatible(server)
    assert isinstance(err.value, openai.APIStatusError) and err.value.status_code == 500
    assert len(server.requests) == 1  # max_retries=0: retrying is Temporal's job


@pytest.mark.parametrize("mode, field, value", [
    ("unknown_symbol", "symbol", "ZZZZ"),
    ("absurd_quantity", "quantity", 10**12),
])
async def test_schema_valid_nonsense_passes_the_sdk_for_the_workflow_to_reject(mode, field, value):
    async with ChatCompletionsDouble(mode) as server:
        result = await run_compatible(server)
    assert getattr(result.final_output, field) == value


def test_the_double_also_serves_sync_clients():
    with ChatCompletionsDouble("intent") as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-sync", max_retries=0)
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "get_portfolio", "parameters": {}}}],
        )
        client.close()
    (call,) = reply.choices[0].message.tool_calls
    assert call.function.name == "get_portfolio"
    assert server.requests[0].headers["authorization"] == "Bearer sk-sync"
