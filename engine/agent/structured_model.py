"""The worker's wrapper around a real model: bounded calls, the final turn's format, progress.

* **Timeout**: each call gets `Settings.model_timeout_s` minus a margin; a call that runs out
  fails for good (non-retryable) with a message that says so, instead of being retried at
  the same length until the activity's own timeout (the looping model of issue 19 took
  96-195 s a tick that way). With `max_tokens` set (AgentConfig.model_max_tokens) a looping
  model is cut by the server first.
* **The final turn's format**: the workflow names it (`response_format` json_schema
  "TradeIntent", engine/workflows/model_turns.py); here it becomes what the endpoint takes, by
  its probe (engine/agent/endpoint.py): the full JSON schema, `json_object`, or nothing (the
  workflow parses the text either way). OpenAI's Responses API gets it as its output schema.
* **Progress**: the call's phase and max_tokens, and its output tokens once known, for the
  heartbeat details (engine/agent/call_progress.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import openai
from agents import AgentOutputSchema, Model, ModelResponse, ModelSettings
from temporalio.exceptions import ApplicationError

from engine.agent import call_progress
from engine.agent.endpoint import Capabilities
from engine.models import TradeIntent

log = logging.getLogger("harness.model")

TIMEOUT_MARGIN_S = 2.0  # the call gives up this long before the activity's timeout fires
SCHEMAS = {"TradeIntent": TradeIntent}  # the formats a workflow may name


class BoundedModel(Model):
    def __init__(self, inner: Model, *, timeout_s: float, responses_api: bool = False,
                 capabilities: Callable[[], Awaitable[Capabilities | None]] | None = None,
                 ) -> None:
        self._inner = inner
        self._timeout_s = max(1.0, timeout_s - TIMEOUT_MARGIN_S)
        self._responses_api = responses_api
        self._capabilities = capabilities

    @property
    def inner(self) -> Model:
        """The Agents SDK model this one bounds."""
        return self._inner

    async def get_response(self, system_instructions, input, model_settings: ModelSettings,
                           tools, output_schema, handoffs, tracing, **kwargs: Any
                           ) -> ModelResponse:
        progress = call_progress.current()
        if progress is not None:
            progress.phase, progress.max_tokens = "probing", model_settings.max_tokens
        model_settings, output_schema = await self._format(model_settings, output_schema)
        if progress is not None:
            progress.phase = "calling"
        try:
            response = await asyncio.wait_for(self._inner.get_response(
                system_instructions, input, model_settings, tools, output_schema, handoffs,
                tracing, **kwargs), self._timeout_s)
        except (TimeoutError, openai.APITimeoutError):
            raise ApplicationError(
                f"model call timed out after {self._timeout_s:.0f} s (max_tokens "
                f"{model_settings.max_tokens}); not retried at the same length: raise "
                "model_timeout_s or lower the agent's model_max_tokens",
                type="ModelTimeout", non_retryable=True) from None
        if progress is not None:
            progress.phase = "answered"
            progress.output_tokens = response.usage.output_tokens
        return response

    def stream_response(self, *args: Any, **kwargs: Any):
        return self._inner.stream_response(*args, **kwargs)

    async def close(self) -> None:
        await self._inner.close()

    async def _format(self, settings: ModelSettings, output_schema: Any
                      ) -> tuple[ModelSettings, Any]:
        extra = dict(settings.extra_body or {}) if isinstance(settings.extra_body, dict) else {}
        wanted = extra.pop("response_format", None)
        if not isinstance(wanted, dict):
            return settings, output_schema
        name = (wanted.get("json_schema") or {}).get("name")
        schema_type = SCHEMAS.get(name)
        settings = dataclasses.replace(settings, extra_body=extra or None)
        if schema_type is None:
            return settings, output_schema
        if self._responses_api:  # OpenAI: its output schema (text.format json_schema)
            return settings, AgentOutputSchema(schema_type, strict_json_schema=False)
        caps = await self._capabilities() if self._capabilities else None
        if caps is None or caps.json_schema:
            fmt: dict | None = {"type": "json_schema", "json_schema": {
                "name": name, "schema": schema_type.model_json_schema(), "strict": False}}
        elif caps.json_object:
            fmt = {"type": "json_object"}
        else:
            fmt = None  # plain text: the workflow's parser finds the JSON in it
        if fmt is not None:
            extra["response_format"] = fmt
        return dataclasses.replace(settings, extra_body=extra or None), output_schema
