"""Assemble the Mockoon environment (routes, responses, data buckets) as a plain dict."""

from __future__ import annotations

import json
import uuid

import broker_accounts as accounts
import broker_controls as controls
import broker_fees as fees
import broker_templates as broker
import templates as market
from headlines import symbol_news
from prices import SYMBOLS, Bar

# The highest data migration of @mockoon/commons 9.9.0: a lower value makes the CLI migrate,
# a missing one makes it prompt (and exit 0 without serving when nobody answers).
LAST_MIGRATION = 33
UUID_NAMESPACE = uuid.UUID("6f7d1c2e-3b4a-5c6d-8e9f-0a1b2c3d4e5f")  # fixed: stable uuid5 ids
V1 = "v1/trading/accounts/:account_id/"
JOURNAL_CALLBACK = "journal"


def stable_uuid(name: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, name))


def compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=True)


def response(name: str, body: str, status: int = 200, rules: list | None = None,
             latency: int = 0, bucket: str = "", journaled: bool = False) -> dict:
    """`journaled`: the body may change broker state, so the journal callback follows it."""
    if body.count("{{{") != body.count("}}}"):
        raise ValueError(f"{name}: a '}}}}}}' that is not a triple-stash close")
    return {
        "uuid": stable_uuid(name), "label": name, "body": body, "statusCode": status,
        "latency": latency, "headers": [], "bodyType": "DATABUCKET" if bucket else "INLINE",
        "databucketID": bucket, "filePath": "", "sendFileAsBody": False, "rules": rules or [],
        "rulesOperator": "OR", "disableTemplating": False, "fallbackTo404": False,
        "default": not rules, "crudKey": "id",
        "callbacks": [{"uuid": stable_uuid(f"callback {JOURNAL_CALLBACK}"), "latency": 0}]
        if journaled else [],
    }


def rule(target: str, modifier: str, value: str, operator: str = "equals",
         invert: bool = False) -> dict:
    return {"target": target, "modifier": modifier, "value": value, "operator": operator,
            "invert": invert}


def route(method: str, endpoint: str, *responses: dict, doc: str = "") -> dict:
    return {
        "uuid": stable_uuid(f"{method} {endpoint}"), "type": "http", "method": method,
        "endpoint": endpoint, "documentation": doc, "responses": list(responses),
        "responseMode": None, "streamingMode": None, "streamingInterval": 0,
    }


def unknown_symbol(endpoint: str) -> dict:
    pattern = "^(" + "|".join(SYMBOLS) + ")$"
    return response(f"{endpoint} unknown symbol",
                    '{"code":40410000,"message":"unknown symbol: {{urlParam \'symbol\'}}"}',
                    status=404, rules=[rule("params", "symbol", pattern, "regex_i", invert=True)])


def fault_responses(endpoint: str, success_body: str, stall_ms: int, *, post: bool,
                    lost_body: str = "") -> list[dict]:
    """Injected faults first (their rules decide), the real answer last (the default)."""
    honoured = broker.FAULT_MODES if post else broker.READ_FAULT_MODES
    faults = [
        response(f"{endpoint} fault stall", success_body, latency=stall_ms, journaled=post,
                 rules=[rule("templating", controls.fault_verdict(honoured), "stall")]),
        response(f"{endpoint} fault 500", controls.fault_error(500), status=500,
                 rules=[rule("global_var", "fault", "500")]),
        response(f"{endpoint} fault 503", controls.fault_error(503), status=503,
                 rules=[rule("global_var", "fault", "503")]),
    ]
    if post:
        faults.append(response(f"{endpoint} fault lost", lost_body, journaled=True,
                               rules=[rule("global_var", "fault", "lost")]))
        faults.append(response(f"{endpoint} fault 422", controls.fault_error(422), status=422,
                               rules=[rule("global_var", "fault", "422")]))
    else:  # a lost answer of a read is just an error
        faults[1]["rules"].append(rule("global_var", "fault", "lost"))
    return [*faults, response(endpoint, success_body, journaled=post)]


def trading_routes(prefix: str, scope: str, stall_ms: int) -> list[dict]:
    """Orders, account and positions of one account: /v2 (the default) or a sub-account."""
    orders, by_coid = prefix + "orders", prefix + "orders\\:by_client_order_id"
    lookup = broker.order_lookup(scope, "client_order_id", "(queryParam 'client_order_id')")
    return [
        route("get", by_coid, *fault_responses(by_coid, lookup, stall_ms, post=False)),
        route("post", orders, *fault_responses(
            orders, broker.place_order(scope), stall_ms, post=True,
            lost_body=broker.place_order(scope, response_lost=True))),
        route("get", orders, response(orders, broker.list_orders(scope))),
        route("get", orders + "/:order_id",
              response(orders + "/:order_id",
                       broker.order_lookup(scope, "id", "(urlParam 'order_id')"))),
        route("delete", orders + "/:order_id",
              response("cancel " + orders, broker.cancel_order(scope), journaled=True)),
        route("get", prefix + "account", response(prefix + "account", accounts.account(scope))),
        route("get", prefix + "positions",
              response(prefix + "positions", accounts.positions(scope))),
        route("get", prefix + "account/activities/FEE",
              response(prefix + "account/activities/FEE",
                       fees.fee_activities(broker.scoped(scope)))),
    ]


def routes(stall_ms: int) -> list[dict]:
    stock = "v2/stocks/:symbol/"
    return [
        route("get", "v2/calendar", response("calendar", "", bucket="calendar"),
              doc="Market clock: dates[index]"),
        route("get", stock + "bars", unknown_symbol(stock + "bars"),
              response(stock + "bars", market.bars())),
        route("get", stock + "bars/latest", unknown_symbol(stock + "bars/latest"),
              response(stock + "bars/latest", market.latest_bar())),
        route("get", stock + "quotes/latest", unknown_symbol(stock + "quotes/latest"),
              response(stock + "quotes/latest", market.latest_quote())),
        route("get", "v1beta1/news", response("news", market.news())),
        *trading_routes("v2/", broker.V2, stall_ms),
        route("post", "v1/accounts",
              response("open account", accounts.open_account(), journaled=True)),
        route("get", "v1/accounts/:account_id",
              response("broker account", accounts.broker_account())),
        *trading_routes(V1, broker.V1, stall_ms),
        route("get", "__harness/faults", response("faults", "", bucket="faults")),
        route("put", "__harness/faults", response("set faults", controls.set_faults())),
        route("delete", "__harness/faults",
              response("clear faults", controls.CLEAR_FAULTS + "{{{data 'faults'}}}")),
        route("post", "__harness/reset", response("reset", controls.reset(), journaled=True)),
        route("get", "__harness/state", response("state", controls.STATE)),
        route("put", "__harness/state", response("restore", controls.restore())),
        route("post", "__harness/accounts/:account_id/orders/:order_id/fill",
              response("late fill", broker.fill_rest(), journaled=True)),
        route("post", "__harness/accounts/:account_id/fees",
              response("charge fee", fees.charge_fee(broker.scoped(broker.V1), broker.journal()),
                       journaled=True)),
    ]


def journal_callback() -> dict:
    """Every broker change is posted to the runtime's journal (engine/runtime/broker_journal)."""
    return {
        "uuid": stable_uuid(f"callback {JOURNAL_CALLBACK}"), "id": JOURNAL_CALLBACK,
        "name": JOURNAL_CALLBACK, "documentation": "broker changes, replayed after a restart",
        "method": "post",
        "uri": f"{{{{getEnvVar '{controls.JOURNAL_URL_VAR}' 'http://127.0.0.1:9/'}}}}",
        "headers": [{"key": "Content-Type", "value": "application/json"}],
        "bodyType": "INLINE", "body": controls.JOURNAL_ENTRY, "databucketID": "",
        "filePath": "", "sendFileAsBody": False,
    }


def bucket(name: str, value: object) -> dict:
    # The bucket id doubles as its name: Mockoon matches names by substring, ids exactly.
    return {"uuid": stable_uuid(f"bucket {name}"), "id": name, "name": name,
            "documentation": "", "value": compact_json(value)}


def buckets(calendar: list[str], series: dict[str, list[Bar]]) -> list[dict]:
    bars, news = {}, {}
    for symbol in SYMBOLS:
        origin = calendar.index(series[symbol][0].date)
        if [bar.date for bar in series[symbol]] != calendar[origin:]:
            raise ValueError(f"{symbol} has gaps on the market calendar")
        bars[symbol] = {
            "origin": origin, "last": len(calendar) - 1,
            "bars": [[b.date, b.open, b.high, b.low, b.close, b.volume] for b in series[symbol]],
        }
        news[symbol] = symbol_news(symbol, series[symbol], origin)
    empty_positions = {symbol: {"cost": 0, "qty": 0} for symbol in SYMBOLS}
    default = broker.DEFAULT_ACCOUNT
    return [
        bucket("calendar", {"dates": calendar}),
        bucket("bars", bars),
        bucket("news", news),
        bucket("orders", []),
        bucket("positions", {default: empty_positions}),
        bucket("accounts", {default: {"cash": broker.INITIAL_CASH, "id": default}}),
        bucket("faults", {"count": 0, "mode": ""}),
        # seq counts broker changes; a broker run by the harness stays closed (503) until the
        # runtime replays its journal (PUT /__harness/state) or a test resets it.
        # oseq numbers the orders (their ids); keep: settled orders a sub-account keeps.
        bucket("journal", {"keep": broker.KEEP_SETTLED, "open": False, "oseq": 0, "seq": 0}),
    ]


def environment(calendar: list[str], series: dict[str, list[Bar]], port: int = 3000,
                stall_ms: int = 3500) -> dict:
    all_routes = routes(stall_ms)
    return {
        "uuid": stable_uuid("environment"), "lastMigration": LAST_MIGRATION,
        "name": "harness-market-news-broker", "endpointPrefix": "", "latency": 0,
        "port": port, "hostname": "127.0.0.1", "folders": [], "routes": all_routes,
        "rootChildren": [{"type": "route", "uuid": r["uuid"]} for r in all_routes],
        "proxyMode": False, "proxyHost": "", "proxyRemovePrefix": False,
        "tlsOptions": {"enabled": False, "type": "CERT", "pfxPath": "", "certPath": "",
                       "keyPath": "", "caPath": "", "passphrase": ""},
        "cors": False, "headers": [{"key": "Content-Type", "value": "application/json"}],
        "proxyReqHeaders": [], "proxyResHeaders": [],
        "data": buckets(calendar, series), "callbacks": [journal_callback()],
    }
