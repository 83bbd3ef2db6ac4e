"""One pooled HTTP client per service, and the error mapping every driver shares.

Activities are the agent's drivers: they talk to the world over HTTP. A
connection error, a timeout or a 5xx is worth retrying (Temporal does it, with
back-off); a 4xx is the caller's fault and retrying cannot help.
"""

from __future__ import annotations

import httpx
from temporalio.exceptions import ApplicationError


class ServiceClients:
    """Lazily created `httpx.AsyncClient`s, one per base URL, reused across activities."""

    def __init__(self, timeout_s: float, headers: dict[str, str] | None = None) -> None:
        self._timeout = httpx.Timeout(timeout_s)
        self._headers = headers or {}
        self._clients: dict[str, httpx.AsyncClient] = {}

    def get(self, base_url: str) -> httpx.AsyncClient:
        client = self._clients.get(base_url)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                base_url=base_url, timeout=self._timeout, headers=self._headers
            )
            self._clients[base_url] = client
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


def unreachable(service: str, base_url: str, exc: Exception) -> ApplicationError:
    """A retryable error naming the service and what went wrong."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "is unreachable"
    return ApplicationError(
        f"{service} at {base_url} {kind}: {type(exc).__name__}: {exc}", type="ServiceUnavailable"
    )


def server_error(service: str, response: httpx.Response) -> ApplicationError:
    return ApplicationError(
        f"{service} answered {response.status_code}: {response.text[:200]}", type="ServiceError"
    )


def client_error(service: str, response: httpx.Response) -> ApplicationError:
    return ApplicationError(
        f"{service} refused the request ({response.status_code}): {response.text[:200]}",
        type="ClientError",
        non_retryable=True,
    )


def check(service: str, response: httpx.Response) -> httpx.Response:
    """Raise the right kind of error for a non-2xx answer."""
    if response.status_code >= 500:
        raise server_error(service, response)
    if response.status_code >= 400:
        raise client_error(service, response)
    return response
