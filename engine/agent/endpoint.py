"""An OpenAI-compatible endpoint: does it answer, does it serve the model, what does it support.

* `check_endpoint` (the CLI, before anything starts): GET {base}/models must answer and list
  the model, else one line says what is wrong (`harness run` exits 3).
* `probe` (the worker, once per endpoint and model): three tiny chat completions find out
  whether the endpoint takes `tools` (and the model calls one when told to), a `json_schema`
  response format, and a `json_object` one. The answer is kept in the worker's memory and in
  `$HARNESS_HOME/model-endpoints.json`, which `harness status` and the client facade read.

Keys go in the Authorization header only; no message here ever contains one.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from pydantic import BaseModel

from engine.agent.endpoint_records import describe, endpoints_file, read_records
from engine.agent.urls import display_url as _display_url

PROBE_TIMEOUT_S = 60.0  # a CPU-only server may load the model on the first request
# A local server on a new port each launch is a new endpoint: the newest this many are kept.
MAX_RECORDS = 20


class Capabilities(BaseModel):
    base_url: str  # without credentials
    model: str
    tools: bool = False
    json_schema: bool = False
    json_object: bool = False
    probed_at: float = 0.0
    notes: list[str] = []

    def line(self) -> str:
        return describe(self.model_dump())


def _headers(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def check_endpoint(base_url: str, model: str, key: str | None = None,
                   timeout: float = 5.0) -> str:
    """'' if GET {base}/models answers and lists `model`; else the problem, in one line."""
    where = _display_url(base_url)
    try:
        answer = httpx.get(base_url.rstrip("/") + "/models", headers=_headers(key),
                           timeout=timeout)
    except httpx.HTTPError as exc:
        return (f"the model endpoint {where} does not answer ({type(exc).__name__}: "
                f"{_first_line(exc)}); start it or set HARNESS_OPENAI_BASE_URL")
    if answer.status_code != 200:
        return f"the model endpoint {where} answered GET /models with HTTP {answer.status_code}"
    try:
        ids = [m.get("id") for m in answer.json().get("data", [])]
    except (ValueError, AttributeError):
        return f"the model endpoint {where} answered GET /models with something not a list"
    # llama-server lists its one model by file name and serves it under any name.
    if model not in ids and not _serves_any_name(answer):
        return f"the model endpoint {where} does not serve {model!r} (it lists {ids})"
    return ""


def _serves_any_name(answer: httpx.Response) -> bool:
    data = answer.json()
    return isinstance(data.get("models"), list) and len(data.get("data", [])) == 1


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [""])[0][:120]


async def probe(base_url: str, model: str, key: str | None = None) -> Capabilities:
    caps = Capabilities(base_url=_display_url(base_url), model=model, probed_at=time.time())
    url = base_url.rstrip("/") + "/chat/completions"
    base = {"model": model, "max_tokens": 48, "temperature": 0}
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S, headers=_headers(key)) as http:
        tool = {"type": "function", "function": {
            "name": "ping", "description": "Answer the ping.",
            "parameters": {"type": "object", "properties": {}, "required": []}}}
        body = await _post(http, url, caps, "tools", {
            **base, "tools": [tool], "tool_choice": "required",
            "messages": [{"role": "user", "content": "Call the ping tool."}]})
        message = _message(body)
        caps.tools = bool(message.get("tool_calls"))
        schema = {"type": "object", "properties": {"ok": {"type": "boolean"}},
                  "required": ["ok"]}
        body = await _post(http, url, caps, "json_schema", {
            **base, "messages": [{"role": "user", "content": "Is water wet? Answer in JSON."}],
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": "probe", "schema": schema}}})
        caps.json_schema = isinstance(_json(_message(body).get("content")), dict)
        body = await _post(http, url, caps, "json_object", {
            **base, "messages": [{"role": "user", "content": "Answer {\"ok\": true} in JSON."}],
            "response_format": {"type": "json_object"}})
        caps.json_object = isinstance(_json(_message(body).get("content")), dict)
    return caps


async def _post(http: httpx.AsyncClient, url: str, caps: Capabilities, what: str,
                body: dict) -> dict:
    try:
        answer = await http.post(url, json=body)
    except httpx.HTTPError as exc:
        caps.notes.append(f"{what}: {type(exc).__name__}")
        return {}
    if answer.status_code != 200:
        caps.notes.append(f"{what}: HTTP {answer.status_code}")
        return {}
    try:
        return answer.json()
    except ValueError:
        return {}


def _message(body: dict) -> dict:
    choices = body.get("choices") or [{}]
    return choices[0].get("message") or {}


def _json(text: object) -> object:
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None


def save(caps: Capabilities, home: Path | None = None) -> None:
    """Keep this probe as the newest record; only the newest MAX_RECORDS stay."""
    path = endpoints_file(home)
    if path is None:
        return
    key = f"{caps.model}@{caps.base_url}"
    known = {f"{c.model}@{c.base_url}": c for c in load(home) if f"{c.model}@{c.base_url}" != key}
    known[key] = caps  # last: the newest
    kept = list(known.values())[-MAX_RECORDS:]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([c.model_dump() for c in kept], indent=1))
    tmp.replace(path)


def load(home: Path | None = None) -> list[Capabilities]:
    try:
        return [Capabilities.model_validate(c) for c in read_records(home)]
    except ValueError:
        return []
