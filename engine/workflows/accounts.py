"""The agent's broker account id: derived from its workflow id, never random.

Opening the account is then idempotent (a retry or a replay asks for the same id), and
anyone holding the workflow id can find the account. Brokers limit ids to a safe alphabet:
ids outside it, or too long, get a readable prefix and a hash.
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 64
SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def account_key(workflow_id: str) -> str:
    if SAFE.match(workflow_id) and len(workflow_id) <= MAX_LENGTH:
        return workflow_id
    digest = hashlib.sha256(workflow_id.encode("utf-8")).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", workflow_id)[: MAX_LENGTH - 17]
    return f"{readable}-{digest}"
