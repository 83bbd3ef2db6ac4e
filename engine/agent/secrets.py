"""API keys, read on the worker only: the environment first, then the OS keyring.

Keys never leave this module except as the return value handed straight to an
``AsyncOpenAI`` client; nothing here logs them. A missing or broken keyring
backend (headless Linux without a Secret Service, a locked macOS keychain…)
is normal, so reading tolerates it and returns None.

Provider -> environment variable, keyring entry (service "durable-agentic-harness"):

* ``openai``     -> ``OPENAI_API_KEY``,         username ``openai``
* ``compatible`` -> ``HARNESS_OPENAI_API_KEY``, username ``compatible``
"""

from __future__ import annotations

import logging
import os

KEYRING_SERVICE = "durable-agentic-harness"
ENV_VARS = {"openai": "OPENAI_API_KEY", "compatible": "HARNESS_OPENAI_API_KEY"}

log = logging.getLogger(__name__)


class KeyringUnavailable(RuntimeError):
    """The OS keyring cannot store the key (no backend, locked, denied)."""


def _check(provider: str) -> None:
    if provider not in ENV_VARS:
        raise ValueError(f"unknown provider {provider!r}; expected one of {sorted(ENV_VARS)}")


def get_api_key(provider: str) -> str | None:
    """The key for ``provider`` ("openai" or "compatible"), or None if none is configured."""
    _check(provider)
    value = os.environ.get(ENV_VARS[provider], "").strip()
    if value:
        return value
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, provider)
    except Exception as exc:  # any backend failure means "no key", never a crash
        log.info("OS keyring unavailable for %s (%s); no key from it", provider, type(exc).__name__)
        return None
    return (value.strip() or None) if isinstance(value, str) else None


def set_api_key(provider: str, key: str | None) -> None:
    """Store (or, with None/empty, delete) the key in the OS keyring."""
    _check(provider)
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        if key and key.strip():
            keyring.set_password(KEYRING_SERVICE, provider, key.strip())
        else:
            try:
                keyring.delete_password(KEYRING_SERVICE, provider)
            except PasswordDeleteError:
                pass  # nothing stored: already deleted
    except Exception as exc:
        # Only the exception type travels: a backend message could echo the secret.
        raise KeyringUnavailable(
            f"the OS keyring could not store the {provider} key ({type(exc).__name__}); "
            f"set {ENV_VARS[provider]} in the worker's environment instead"
        ) from None
