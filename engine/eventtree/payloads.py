"""Decoding Temporal payloads for people: JSON payloads become their values.

The plugin's converter writes every payload as `json/plain`; anything else (binary,
encrypted, ...) is shown as its encoding and size rather than guessed at.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

_JSON = base64.b64encode(b"json/plain").decode()
_NULL = base64.b64encode(b"binary/null").decode()


def decode_payload(payload: dict) -> Any:
    encoding = payload.get("metadata", {}).get("encoding", "")
    data = payload.get("data", "")
    if encoding == _NULL:
        return None
    try:
        raw = base64.b64decode(data)
        if encoding == _JSON:
            return json.loads(raw)
    except (binascii.Error, ValueError):
        pass
    try:
        name = base64.b64decode(encoding).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        name = "unknown"
    return {"encoding": name, "bytes": len(data) * 3 // 4}


def decode_all(value: Any) -> Any:
    """A copy of `value` with every payload (and `payloads` list) decoded in place."""
    if isinstance(value, dict):
        if "metadata" in value and "data" in value and isinstance(value["metadata"], dict):
            return decode_payload(value)
        if set(value) == {"payloads"} and isinstance(value["payloads"], list):
            decoded = [decode_payload(p) for p in value["payloads"]]
            return decoded[0] if len(decoded) == 1 else decoded
        return {k: decode_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_all(v) for v in value]
    return value


def first_payload(value: dict | None) -> Any:
    """The first decoded payload of a `{"payloads": [...]}` field, or None."""
    payloads = (value or {}).get("payloads") or []
    return decode_payload(payloads[0]) if payloads else None
