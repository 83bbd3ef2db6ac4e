"""TEST DOUBLE of the OpenAI chat-completions service (the real service is unreachable here).

A stdlib ``ThreadingHTTPServer`` on 127.0.0.1 and a free port, in a background
thread, so it serves sync tests and async tests alike (the event loop is never
blocked by it). It speaks ``POST /v1/chat/completions`` without streaming,
records every request (path, headers incl. Authorization, JSON body) and answers
from a script:

* the harness's real-model path (engine/workflows/model_turns.py): a request with tools and
  no ``response_format`` is a tool turn: ``tool_calls`` first, then (once tool results came
  back) prose, "read the market"; a request without tools is the final turn: content as below;
  ``"confidence_out_of_range"`` answers a valid-JSON intent whose confidence is 1.5;
* the SDK's single-agent path (tools AND ``response_format``, as older agents replay):
* first turn (no ``tool`` message yet): ``tool_calls`` for the tools offered,
  ``write_strategy`` once with DOUBLE_STRATEGY (the strategist),
  ``get_portfolio()`` once and ``get_quote``/``get_news`` for each symbol of the
  brief (``BRIEF: {...}`` line), or for ``AAPL`` when there is no brief;
* next turn: content, chosen by ``mode``:
  ``"intent"`` a valid TradeIntent JSON (override with ``intent=``),
  ``"invalid_json"`` text that is not JSON, ``"unknown_symbol"`` a valid intent
  for ``ZZZZ``, ``"absurd_quantity"`` a buy of 10**12 shares,
  ``"negative_quantity"`` a buy of -5 shares, ``"schema_violation"`` an intent
  with an extra field, ``"unknown_tool"`` a call to a tool nobody offered;
* ``"http_500"``: every request gets HTTP 500 with an OpenAI-style error body;
* ``"stall"``: every request is answered only after ``stall_s`` seconds (a model
  that hangs: the model activity's timeout must fire first).

Use it as ``with ChatCompletionsDouble(...) as server:`` or ``async with``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from engine.agent.brief import parse_brief

MODES = (
    "intent",
    "invalid_json",
    "unknown_symbol",
    "absurd_quantity",
    "negative_quantity",
    "schema_violation",
    "unknown_tool",
    "http_500",
    "stall",
    "stall_then_500",
    "confidence_out_of_range",
)

DEFAULT_INTENT = {
    "symbol": "AAPL",
    "side": "buy",
    "quantity": 10,
    "limit_price": 101.5,
    "confidence": 0.6,
    "rationale": "double: trend up, news positive",
}


# What the double writes when offered `write_strategy`: long after a rise over `lookback`.
DOUBLE_STRATEGY = (
    "def signal(bars, lookback=10):\n"
    "    close = bars['close']\n"
    "    return (close > close.shift(lookback)).astype(float)\n"
)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any


class ChatCompletionsDouble:
    def __init__(self, mode: str = "intent", intent: dict[str, Any] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.mode = mode
        self.intent = dict(intent or DEFAULT_INTENT)
        self.requests: list[RecordedRequest] = []
        self.stall_s = 30.0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> ChatCompletionsDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                double._handle(self)

            def do_GET(self) -> None:  # noqa: N802 - GET /v1/models lists the one model
                double._send(self, 200 if self.path.rstrip("/") == "/v1/models" else 404, {
                    "object": "list", "data": [{"id": "test-double", "object": "model"}]})

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ChatCompletionsDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> ChatCompletionsDouble:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()  # shutdown() waits at most one poll interval (0.5 s)

    # -- serving ---------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(RecordedRequest(
                "POST", handler.path, {k.lower(): v for k, v in handler.headers.items()}, body
            ))
        if handler.path.rstrip("/") != "/v1/chat/completions":
            self._send(handler, 404, {"error": {"message": "not found", "type": "not_found"}})
        elif self.mode == "stall":
            time.sleep(self.stall_s)  # a handler thread of its own: others are served
            self._send(handler, 200, self._completion(body if isinstance(body, dict) else {}))
        elif self.mode == "stall_then_500":  # an attempt that runs a while, then fails
            time.sleep(self.stall_s)
            self._send(handler, 500, {"error": {"message": "double: boom after a stall",
                                                "type": "server_error"}})
        elif self.mode == "http_500":
            self._send(handler, 500, {"error": {"message": "double: boom", "type": "server_error"}})
        else:
            self._send(handler, 200, self._completion(body if isinstance(body, dict) else {}))

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages") or []
        first_turn = not any(m.get("role") == "tool" for m in messages)
        tools, structured = bool(body.get("tools")), "response_format" in body
        if not tools:  # the final turn: the intent (or the garbage of the mode)
            message, finish = {"role": "assistant", "content": self._final_content()}, "stop"
        elif not first_turn and not structured and self.mode != "unknown_tool":
            message = {"role": "assistant", "content": "I have read the market."}
            finish = "stop"
        elif first_turn or self.mode == "unknown_tool":
            calls = self._tool_calls(body, messages)
            if self.mode == "unknown_tool" and not first_turn:
                calls = [_call("call_bogus", "place_order_now", {"symbol": "AAPL"})]
            message = {"role": "assistant", "content": None, "tool_calls": calls}
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": self._final_content()}
            finish = "stop"
        return {
            "id": f"chatcmpl-double-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "double"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _tool_calls(self, body: dict[str, Any], messages: list[Any]) -> list[dict[str, Any]]:
        offered = [t.get("function", {}).get("name") for t in body.get("tools") or []]
        symbols = ["AAPL"]
        for m in messages:
            content = m.get("content")
            brief = parse_brief(content) if isinstance(content, str) else None
            if brief and brief.symbols:
                symbols = brief.symbols
        calls = []
        if "write_strategy" in offered:  # the strategist: one strategy of its own
            calls.append(_call("call_write", "write_strategy", {
                "name": "double momentum", "source": DOUBLE_STRATEGY,
                "params_json": json.dumps({"lookback": 15})}))
        if "get_portfolio" in offered:
            calls.append(_call("call_portfolio", "get_portfolio", {}))
        for symbol in symbols:
            for tool in ("get_quote", "get_news"):
                if tool in offered:
                    calls.append(_call(f"call_{tool}_{symbol}", tool, {"symbol": symbol}))
        return calls

    def _final_content(self) -> str:
        if self.mode == "invalid_json":
            return "I think you should buy some AAPL, maybe 10 shares?"
        intent = dict(self.intent)
        if self.mode == "unknown_symbol":
            intent["symbol"] = "ZZZZ"
        elif self.mode == "absurd_quantity":
            intent["quantity"] = 10**12
        elif self.mode == "negative_quantity":
            intent["quantity"] = -5
        elif self.mode == "schema_violation":
            intent["leverage"] = 50
        elif self.mode == "confidence_out_of_range":
            intent["confidence"] = 1.5
        return json.dumps(intent)


def _call(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    function = {"name": name, "arguments": json.dumps(args)}
    return {"id": call_id, "type": "function", "function": function}
