"""The one OpenAIAgentsPlugin configuration every client, worker and replayer uses.

The plugin installs its own payload converter (pydantic): giving a different
converter anywhere raises, and giving the plugin to one side only makes payloads
unreadable on the other, so everything that talks to Temporal builds it here.
"""

from __future__ import annotations

from datetime import timedelta

from agents import ModelProvider
from temporalio.common import RetryPolicy
from temporalio.openai_agents import ModelActivityParameters, OpenAIAgentsPlugin

# A model call heartbeats at half this interval, so a worker that dies mid-call
# is noticed in about this long instead of at the start-to-close timeout.
MODEL_HEARTBEAT = timedelta(seconds=2)
MODEL_TIMEOUT = timedelta(seconds=90)
MODEL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=3,
)


def model_parameters(heartbeat: bool = True,
                     timeout: timedelta = MODEL_TIMEOUT) -> ModelActivityParameters:
    return ModelActivityParameters(
        start_to_close_timeout=timeout,
        heartbeat_timeout=MODEL_HEARTBEAT if heartbeat else None,
        retry_policy=MODEL_RETRY,
    )


def agents_plugin(model_provider: ModelProvider | None = None, heartbeat: bool = True,
                  timeout: timedelta = MODEL_TIMEOUT) -> OpenAIAgentsPlugin:
    """The plugin; a worker passes its model provider, clients and replayers pass none.
    `heartbeat=False` only for the SDK-defaults baseline (engine/config.py `timeouts`).
    `timeout`: a model call's start-to-close (Settings.model_timeout_s on a worker)."""
    return OpenAIAgentsPlugin(model_params=model_parameters(heartbeat, timeout),
                              model_provider=model_provider)
