"""Model selection: one string names the model the agent runs on.

``Agent.model`` is a string (the Temporal plugin requires it), resolved on the
worker by ``HarnessModelProvider`` inside the model activity:

* ``"offline-analyst"``     -> the embedded deterministic ``OfflineAnalyst``
  (also what an empty/None name means);
* ``"openai:<model>"``      -> the Agents SDK's OpenAI Responses model;
* ``"compatible:<model>"``  -> ``OpenAIChatCompletionsModel`` against an
  OpenAI-compatible base URL (Ollama, vLLM, LM Studio speak chat completions).
  The model part may itself contain colons (``compatible:llama3.1:8b``).

Clients are made with ``max_retries=0``: retrying is Temporal's job (the model
activity's retry policy), and SDK-internal retries would hide from the history.
Keys are looked up lazily on first use, on the worker only (``secrets.py``),
and never appear in an error message, a log line or ``describe_model``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Literal

from agents import Model, ModelProvider, OpenAIChatCompletionsModel, OpenAIResponsesModel
from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict
from temporalio.exceptions import ApplicationError

from engine.agent import endpoint
from engine.agent.endpoint import Capabilities
from engine.agent.offline_analyst import OFFLINE_MODEL_LABEL, OFFLINE_MODEL_NAME, OfflineAnalyst
from engine.agent.secrets import ENV_VARS, get_api_key
from engine.agent.structured_model import BoundedModel
from engine.agent.urls import display_url as _display_url

BASE_URL_ENV = "HARNESS_OPENAI_BASE_URL"
DEFAULT_TIMEOUT_S = 90.0
log = logging.getLogger("harness.model")
ProviderKind = Literal["offline", "openai", "compatible"]


class UnknownModelError(ValueError):
    """A model name none of the providers understands."""


class ModelChoice(BaseModel):
    """A (provider, model) pair, as the settings dialog holds it; ``name`` is the string form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: ProviderKind = "offline"
    model: str = ""

    @property
    def name(self) -> str:
        if self.provider == "offline":
            return OFFLINE_MODEL_NAME
        if not _valid_model(self.model):
            raise UnknownModelError(
                f"{self.provider} needs a model name without spaces, got {self.model!r}"
            )
        return f"{self.provider}:{self.model}"

    @classmethod
    def parse(cls, name: str | None) -> ModelChoice:
        """The choice a model name stands for; raises ``UnknownModelError``."""
        if not name or name == OFFLINE_MODEL_NAME:
            return cls()
        provider, sep, model = name.partition(":")
        if sep and provider in ("openai", "compatible") and _valid_model(model):
            return cls(provider=provider, model=model)  # type: ignore[arg-type]
        raise UnknownModelError(
            f"unknown model name {name!r}: use {OFFLINE_MODEL_NAME!r}, 'openai:<model>' "
            "or 'compatible:<model>' (model names have no spaces)"
        )


def _valid_model(model: str) -> bool:
    return bool(model) and not any(c.isspace() for c in model)


def model_name(provider: ProviderKind, model: str = "") -> str:
    """The model name string for a provider and model, e.g. ("openai", "gpt-4o-mini")."""
    return ModelChoice(provider=provider, model=model).name




def describe_model(name: str | None, base_url: str | None = None) -> str:
    """A label for the UI and logs. Never raises, never contains a key."""
    try:
        choice = ModelChoice.parse(name)
    except UnknownModelError:
        return f"Unknown model {name!r}"
    if choice.provider == "offline":
        return OFFLINE_MODEL_LABEL
    if choice.provider == "openai":
        return f"OpenAI {choice.model}"
    url = base_url or os.environ.get(BASE_URL_ENV, "")
    where = f"at {_display_url(url)}" if url else "(no base URL set)"
    return f"OpenAI-compatible {choice.model} {where}"


def _fail(message: str, kind: str) -> ApplicationError:
    # Non-retryable: a bad name or missing setting does not heal by retrying the same activity;
    # the workflow records a HOLD with this message and the next tick tries again.
    return ApplicationError(message, type=kind, non_retryable=True)


class HarnessModelProvider(ModelProvider):
    """Resolves model names on the worker; give it to ``OpenAIAgentsPlugin(model_provider=...)``."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        key_lookup: Callable[[str], str | None] = get_api_key,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._base_url = base_url  # None: read HARNESS_OPENAI_BASE_URL at first use
        self._key_lookup = key_lookup
        self._timeout_s = timeout_s
        self._clients: dict[str, AsyncOpenAI] = {}
        self._models: dict[str, Model] = {}
        self._probes: dict[str, asyncio.Future] = {}

    def get_model(self, model_name: str | None) -> Model:
        try:
            choice = ModelChoice.parse(model_name)
        except UnknownModelError as exc:
            raise _fail(str(exc), "UnknownModel") from None
        name = choice.name
        if name not in self._models:
            self._models[name] = self._build(choice)
        return self._models[name]

    def _build(self, choice: ModelChoice) -> Model:
        if choice.provider == "offline":
            return OfflineAnalyst()
        client = self._client(choice.provider)
        if choice.provider == "openai":
            return BoundedModel(OpenAIResponsesModel(model=choice.model, openai_client=client),
                                timeout_s=self._timeout_s, responses_api=True)
        return BoundedModel(OpenAIChatCompletionsModel(model=choice.model, openai_client=client),
                            timeout_s=self._timeout_s,
                            capabilities=lambda: self.capabilities(choice.model))

    async def capabilities(self, model: str) -> Capabilities | None:
        """What the compatible endpoint supports for `model`: probed once per worker (the
        first call waits for it), kept, and written to the home for `harness status`."""
        if model not in self._probes:
            self._probes[model] = asyncio.ensure_future(self._probe(model))
        return await asyncio.shield(self._probes[model])

    async def _probe(self, model: str) -> Capabilities | None:
        base_url = self._base_url or os.environ.get(BASE_URL_ENV, "").strip()
        try:
            caps = await endpoint.probe(base_url, model, self._key_lookup("compatible"))
            endpoint.save(caps)
        except Exception as exc:  # noqa: BLE001 - a failed probe means "assume the schema"
            log.warning("could not probe %s: %s", _display_url(base_url), type(exc).__name__)
            return None
        log.info("model endpoint %s", caps.line())
        return caps

    def _client(self, provider: str) -> AsyncOpenAI:
        if provider in self._clients:
            return self._clients[provider]
        key = self._key_lookup(provider)
        if provider == "openai":
            if not key:
                raise _fail(
                    f"no OpenAI API key on the worker: set {ENV_VARS['openai']} or store one "
                    "in the OS keyring from the settings dialog",
                    "MissingApiKey",
                )
            client = AsyncOpenAI(api_key=key, max_retries=0)
        else:
            base_url = self._base_url or os.environ.get(BASE_URL_ENV, "").strip()
            if not base_url:
                raise _fail(
                    f"no base URL for the OpenAI-compatible model: set {BASE_URL_ENV} "
                    "on the worker or in the settings",
                    "MissingBaseUrl",
                )
            # Local servers (Ollama, LM Studio) ignore the key, but the client insists on one.
            client = AsyncOpenAI(base_url=base_url, api_key=key or "unused", max_retries=0)
        self._clients[provider] = client
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
        self._models.clear()
