"""Handlebars bodies of the broker (Alpaca trading API v2 shaped) and the test controls."""

from __future__ import annotations

from templates import (
    FORBIDDEN,
    INVALID,
    KNOWN,
    NOT_FOUND,
    SYMBOL_LIST,
    compact,
    guard,
    not_in,
    respond,
)

INITIAL_CASH = 100000
DUPLICATE = (422, 40010001)  # what Alpaca answers for a reused client_order_id
FAULT_MODES = "|500|503|422|stall|lost|"
READ_FAULT_MODES = "|500|503|stall|lost|"  # a 422 is for the order itself, not its lookup
ORDER_ID_PREFIX = "00000000-0000-4000-8000-"  # UUID-shaped ids from the order sequence number


# Alpaca's order object (numbers as strings, as Alpaca sends them). Handlebars hands the hash to
# `object` in reverse, so the list is reversed to keep this order in the stored JSON.
ORDER_FIELDS = (
    f"id=(concat '{ORDER_ID_PREFIX}' (padStart @seq 12 '0'))", "client_order_id=@coid",
    "symbol=@sym", "asset_class='us_equity'", "qty=@qty", "filled_qty=@qty",
    "filled_avg_price=@price", "limit_price=@price", "stop_price=null", "notional=null",
    "side=@side", "type=@type", "order_type=@type", "order_class='simple'",
    "time_in_force=@tif", "status='filled'", "extended_hours=false", "created_at=null",
    "submitted_at=null", "filled_at=null", "updated_at=null", "seq=@seq",
)


def _order_fields() -> str:
    return compact(
        "{{setVar 'err' ''}}",
        "{{setVar 'coid' (concat (bodyRaw 'client_order_id' ''))}}",
        "{{setVar 'sym' (uppercase (concat (bodyRaw 'symbol' '')))}}",
        "{{setVar 'side' (concat (bodyRaw 'side' ''))}}",
        "{{setVar 'type' (concat (bodyRaw 'type' ''))}}",
        "{{setVar 'tif' (concat (bodyRaw 'time_in_force' 'day'))}}",
        "{{setVar 'qty' (concat (bodyRaw 'qty' ''))}}",
        "{{setVar 'price' (concat (bodyRaw 'limit_price' ''))}}",
        "{{setVar 'notional' (multiply @qty @price)}}",
        "{{setVar 'held' (dataRaw 'positions' (concat @sym '.qty'))}}",
    )


def _order_checks() -> str:
    return compact(
        guard("(eq @coid '')", INVALID,
              "'client_order_id is required (it is the idempotency key)'"),
        guard("(gt (len @coid) 128)", INVALID, "'client_order_id must be at most 128 characters'"),
        guard("(find (dataRaw 'orders') (object client_order_id=@coid))", DUPLICATE,
              "'client_order_id must be unique'"),
        guard(f"(eq {not_in(KNOWN, '@sym')} false)", INVALID,
              "(concat 'unknown symbol: ' @sym)"),
        guard(f"(eq {not_in('|buy|sell|', '@side')} false)", INVALID, "'side must be buy or sell'"),
        guard("(eq @type 'market')", INVALID,
              "'market orders are not supported by this mock: send type limit with a limit_price'"),
        guard("(eq (eq @type 'limit') false)", INVALID, "'type must be limit'"),
        guard("(eq (gt @qty 0) false)", INVALID, "'qty must be a positive number'"),
        guard("(eq (gt @price 0) false)", INVALID, "'limit_price must be a positive number'"),
        guard(f"(eq {not_in('|day|gtc|opg|cls|ioc|fok|', '@tif')} false)", INVALID,
              "'time_in_force must be one of day, gtc, opg, cls, ioc, fok'"),
        "{{#if (eq @side 'buy')}}",
        guard("(gt @notional (dataRaw 'account' 'cash'))", FORBIDDEN,
              "'insufficient buying power'"),
        "{{else}}",
        guard("(gt @qty @held)", FORBIDDEN, "(concat 'insufficient qty available for order "
              "(requested: ' @qty ', available: ' @held ')')"),
        "{{/if}}",
    )


def _fill() -> str:
    """Store the order as filled at its limit price and move cash and the position."""
    return compact(
        "{{setVar 'seq' (add (len (dataRaw 'orders')) 1)}}",
        "{{setData 'push' 'orders' '' (object " + " ".join(reversed(ORDER_FIELDS)) + ")}}",
        "{{setVar 'pos' (concat @sym '.')}}",
        "{{#if (eq @side 'buy')}}",
        "{{setData 'dec' 'account' 'cash' @notional}}",
        "{{setData 'inc' 'positions' (concat @pos 'qty') @qty}}",
        "{{setData 'inc' 'positions' (concat @pos 'cost') @notional}}",
        "{{else}}",
        "{{setData 'inc' 'account' 'cash' @notional}}",
        # A sale releases cost at the average entry price, like Alpaca's cost_basis.
        "{{setData 'dec' 'positions' (concat @pos 'cost') (multiply @qty"
        " (divide (dataRaw 'positions' (concat @pos 'cost')) @held))}}",
        "{{setData 'dec' 'positions' (concat @pos 'qty') @qty}}",
        "{{#if (eq (dataRaw 'positions' (concat @pos 'qty')) 0)}}",
        "{{setData 'set' 'positions' (concat @pos 'cost') 0}}{{/if}}",
        "{{/if}}",
    )


def place_order(response_lost: bool = False) -> str:
    """POST /v2/orders. `response_lost`: store and fill, then answer 500 (ambiguous failure)."""
    answer = "{{{data 'orders' (concat (subtract @seq 1))}}}"
    if response_lost:
        answer = ('{{status 500}}{"code":50010000,'
                  '"message":"injected fault: the order was stored but the answer was lost"}')
    return compact(_order_fields(), _order_checks(), respond(_fill() + answer))


def order_lookup(field: str, value: str) -> str:
    """One stored order by client_order_id or id, compact JSON, or 404."""
    return compact(
        "{{setVar 'err' ''}}",
        f"{{{{setVar 'found' (find (dataRaw 'orders') (object {field}=(concat {value})))}}}}",
        guard("(eq @found undefined)", NOT_FOUND, "'order not found'"),
        respond("{{{data 'orders' (concat (subtract @found.seq 1))}}}"),
    )


def list_orders() -> str:
    # Every order fills at once, so none is ever open.
    return compact("{{#if (eq (queryParam 'status') 'open')}}[]{{else}}{{{data 'orders'}}}{{/if}}")


def _mark_price() -> str:
    """@px = close of `this` symbol at ?index=N when that bar exists, else ''."""
    return compact(
        "{{setVar 'px' ''}}",
        "{{setVar 'o' (dataRaw 'bars' (concat this '.origin'))}}",
        "{{#unless (eq @n '')}}{{#if (gte @n @o)}}",
        "{{#if (lte @n (dataRaw 'bars' (concat this '.last')))}}",
        "{{setVar 'px' (dataRaw 'bars' (concat this '.bars.' (subtract @n @o) '.4'))}}",
        "{{/if}}{{/if}}{{/unless}}",
    )


def account() -> str:
    """Alpaca-like account; ?index=N (harness extension) marks positions to that close."""
    return compact(
        "{{setVar 'n' (parseInt (queryParam 'index'))}}",
        "{{setGlobalVar 'mv' 0}}",
        f"{{{{#each {SYMBOL_LIST}}}}}",
        _mark_price(),
        "{{#if (eq @px '')}}",
        "{{setGlobalVar 'mv' (add (getGlobalVar 'mv')"
        " (dataRaw 'positions' (concat this '.cost')))}}",
        "{{else}}",
        "{{setGlobalVar 'mv' (add (getGlobalVar 'mv')"
        " (multiply (dataRaw 'positions' (concat this '.qty')) @px))}}",
        "{{/if}}{{/each}}",
        "{{setVar 'cash' (dataRaw 'account' 'cash')}}",
        "{{setVar 'equity' (toFixed (add @cash (getGlobalVar 'mv')) 2)}}",
        '{"id":"00000000-0000-4000-8000-00000000a11c","account_number":"PAHARNESS",'
        '"status":"ACTIVE","currency":"USD","cash":"{{toFixed @cash 2}}",'
        '"buying_power":"{{toFixed @cash 2}}","equity":"{{@equity}}",'
        '"portfolio_value":"{{@equity}}","last_equity":"{{@equity}}",'
        '"long_market_value":"{{toFixed (getGlobalVar \'mv\') 2}}","short_market_value":"0.00",'
        '"multiplier":"1","pattern_day_trader":false,"trading_blocked":false,'
        '"transfers_blocked":false,"account_blocked":false,"shorting_enabled":false,'
        '"daytrade_count":0,"created_at":null}',
    )


def positions() -> str:
    """Open positions; ?index=N (harness extension) adds current_price / market_value."""
    return compact(
        "{{setVar 'n' (parseInt (queryParam 'index'))}}",
        "{{setGlobalVar 'pos_sep' ''}}[",
        f"{{{{#each {SYMBOL_LIST}}}}}",
        "{{setVar 'q' (dataRaw 'positions' (concat this '.qty'))}}",
        "{{setVar 'cost' (dataRaw 'positions' (concat this '.cost'))}}",
        "{{#unless (eq @q 0)}}",
        _mark_price(),
        "{{getGlobalVar 'pos_sep'}}{{setGlobalVar 'pos_sep' ','}}",
        "{ {{#unless (eq @px '')}}",
        '"current_price":"{{@px}}","market_value":"{{toFixed (multiply @q @px) 2}}",',
        "{{/unless}}",
        '"symbol":"{{this}}","asset_class":"us_equity","side":"long","qty":"{{@q}}",'
        '"avg_entry_price":"{{toFixed (divide @cost @q) 4}}","cost_basis":"{{toFixed @cost 2}}"}',
        "{{/unless}}{{/each}}]",
    )


def set_faults() -> str:
    return compact(
        "{{setVar 'err' ''}}",
        "{{setVar 'mode' (concat (bodyRaw 'mode' (bodyRaw 'status' '')))}}",
        "{{setVar 'count' (parseInt (concat (bodyRaw 'count' 1)))}}",
        guard(f"(eq {not_in(FAULT_MODES, '@mode')} false)", INVALID,
              "'mode must be one of 500, 503, 422, stall, lost (or send status: 500, 503, 422)'"),
        guard("(eq @count '')", INVALID, "'count must be a positive integer'"),
        guard("(lt @count 1)", INVALID, "'count must be a positive integer'"),
        respond("{{setData 'set' 'faults' 'mode' @mode}}{{setData 'set' 'faults' 'count' @count}}"
                "{{{data 'faults'}}}"),
    )


CLEAR_FAULTS = "{{setData 'set' 'faults' 'mode' ''}}{{setData 'set' 'faults' 'count' 0}}"


def reset() -> str:
    """Back to a fresh process: no orders, no positions, no faults, initial (or given) cash."""
    return compact(
        "{{setData 'set' 'orders' '' (array)}}",
        f"{{{{#each {SYMBOL_LIST}}}}}{{{{setData 'set' 'positions' this (object qty=0 cost=0)}}}}"
        "{{/each}}",
        f"{{{{setData 'set' 'account' 'cash' (bodyRaw 'cash' {INITIAL_CASH})}}}}",
        CLEAR_FAULTS,
        '{"reset":true,"cash":"{{toFixed (dataRaw \'account\' \'cash\') 2}}"}',
    )


# Evaluated exactly once per request, as the rule of the route's first response: consumes one
# armed fault (or honours X-Harness-Fault without consuming) and leaves the verdict in the
# global var `fault` for the other responses' rules. Rules run synchronously before any
# latency, so a stalled request has already consumed its fault when the next one arrives.
def fault_verdict(honoured: str) -> str:
    """The rule body: consumes one armed fault whose mode this endpoint honours."""
    return compact(
        "{{#if (header 'X-Harness-Fault')}}{{setGlobalVar 'fault' (header 'X-Harness-Fault')}}",
        "{{else}}{{#if (gt (dataRaw 'faults' 'count') 0)}}",
        f"{{{{#if (includes '{honoured}' (concat '|' (dataRaw 'faults' 'mode') '|'))}}}}",
        "{{setData 'dec' 'faults' 'count'}}",
        "{{setGlobalVar 'fault' (dataRaw 'faults' 'mode')}}",
        "{{else}}{{setGlobalVar 'fault' ''}}{{/if}}",
        "{{else}}{{setGlobalVar 'fault' ''}}{{/if}}{{/if}}",
        "{{getGlobalVar 'fault'}}",
    )


def fault_error(status: int) -> str:
    code = 42210000 if status == 422 else int(f"{status}10000")
    return (f'{{"code":{code},"message":"injected fault: HTTP {status} '
            '(PUT /__harness/faults or X-Harness-Fault)"}')
