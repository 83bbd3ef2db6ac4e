"""The window's own settings (model, endpoint, Temporal target, tick interval), persisted
as JSON in the platform's config directory. Never a secret: API keys go to the OS
keyring (engine/agent/secrets.py), and `save` refuses a value that looks like one."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import platformdirs

CONFIG_ENV = "HARNESS_APP_CONFIG"  # tests point this at a temp file
MODEL_PATTERN = re.compile(r"^(offline-analyst|(openai|compatible):[\w.\-:/]+)$")
ADDRESS_PATTERN = re.compile(r"^[\w.\-]+:\d{1,5}$")


@dataclass
class AppSettings:
    model: str = "offline-analyst"
    openai_base_url: str = ""
    temporal_mode: str = "embedded"  # embedded | remote
    temporal_address: str = ""
    namespace: str = "default"
    temporal_tls: bool = False
    tick_interval_s: float = 1.0
    # Risk limits of the agents the window starts (a running agent: Agent ▸ Risk limits…).
    # "Large" means large: the offline analyst sizes a buy at 3% to 12% of equity by its
    # confidence (engine/agent/analyst_rules.py), so at the $100,000 start an order above
    # $15,000 is bigger than any it makes by routine; the old $10,000 caught nearly every
    # confident buy, and a human asked every time stops reading.
    max_order_notional: float = 25_000.0
    approval_notional: float = 15_000.0


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("durable-agentic-harness", appauthor=False)) / \
        "app.json"


def load() -> AppSettings:
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AppSettings()
    known = {f.name for f in fields(AppSettings)}
    return AppSettings(**{k: v for k, v in data.items() if k in known})


def validate(s: AppSettings) -> dict[str, str]:
    """field -> what is wrong with it (empty: valid)."""
    problems = {}
    if not MODEL_PATTERN.match(s.model):
        problems["model"] = "offline-analyst, openai:<model> or compatible:<model>"
    if s.model.startswith("compatible:") and not s.openai_base_url.startswith(("http://",
                                                                               "https://")):
        problems["openai_base_url"] = "a compatible endpoint needs an http(s) base URL"
    if s.temporal_mode not in ("embedded", "remote"):
        problems["temporal_mode"] = "embedded or remote"
    if s.temporal_mode == "remote" and not ADDRESS_PATTERN.match(s.temporal_address):
        problems["temporal_address"] = "host:port, e.g. my-ns.tmprl.cloud:7233"
    if not s.namespace.strip():
        problems["namespace"] = "required"
    if s.tick_interval_s < 0:
        problems["tick_interval_s"] = "zero or more seconds"
    if s.max_order_notional <= 0:
        problems["max_order_notional"] = "above zero"
    if not 0 <= s.approval_notional <= s.max_order_notional:
        problems["approval_notional"] = ("between zero and the per-order limit (above it, no "
                                         "order could ever need approval)")
    return problems


def save(s: AppSettings) -> Path:
    problems = validate(s)
    if problems:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in problems.items()))
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(s), indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


TEMPORAL_KEY_USER = "temporal"  # keyring entry of the remote cluster's API key


def set_temporal_key(key: str) -> None:
    """Store the remote cluster's API key in the OS keyring (never in the JSON file)."""
    from engine.agent.secrets import KEYRING_SERVICE, KeyringUnavailable

    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, TEMPORAL_KEY_USER, key)
    except Exception as exc:  # only the type travels: a message could echo the secret
        raise KeyringUnavailable(f"the OS keyring could not store the Temporal key "
                                 f"({type(exc).__name__}); set TEMPORAL_API_KEY instead") from None


def apply_temporal_target(s: AppSettings, env: dict) -> dict:
    """For a remote cluster: TLS and the API key reach the client and the workers through
    the environment (which the engine reads, and children inherit); never a file."""
    if s.temporal_mode != "remote":
        return {}
    if s.temporal_tls:
        env["HARNESS_TEMPORAL_TLS"] = "true"
    if not env.get("TEMPORAL_API_KEY"):
        try:
            import keyring

            from engine.agent.secrets import KEYRING_SERVICE

            key = keyring.get_password(KEYRING_SERVICE, TEMPORAL_KEY_USER)
        except Exception:  # noqa: BLE001 - no keyring backend: no key from it
            key = None
        if key:
            env["TEMPORAL_API_KEY"] = key
    return {"temporal_address": s.temporal_address, "namespace": s.namespace}
