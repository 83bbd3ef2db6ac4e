"""Handlebars bodies of the broker (Alpaca trading API v2 shaped) and the test controls."""

from __future__ import annotations

from broker_market import at_market
from templates import (
    FORBIDDEN,
    INVALID,
    KNOWN,
    NOT_FOUND,
    compact,
    guard,
    not_in,
    respond,
)

INITIAL_CASH = 100000
DUPLICATE = (422, 40010001)  # what Alpaca answers for a reused client_order_id
CONFLICT = (409, 40910000)  # an account id that is taken (Alpaca: 409 for a taken email)
RESTORING = (503, 50310001)  # the broker waits for its journal to be replayed
NOT_CANCELABLE = (422, 42210001)
FAULT_MODES = "|500|503|422|stall|lost|partial|accepted|unpriced|"
READ_FAULT_MODES = "|500|503|stall|lost|"  # a 422 is for the order itself, not its lookup
ORDER_ID_PREFIX = "00000000-0000-4000-8000-"  # UUID-shaped ids from the order sequence number
# The trading API's one account (what /v2 serves, like a paper account). Sub-accounts opened
# through /v1/accounts (Alpaca's broker API) sit beside it, each with its own cash.
DEFAULT_ACCOUNT = "00000000-0000-4000-8000-00000000a11c"
OPEN_STATUSES = "|new|accepted|partially_filled|"
# A sub-account keeps its newest KEEP_SETTLED settled orders and every open one; older settled
# orders are pruned when it places the next, so memory and journal stay bounded (the agent
# only ever looks up its recent or still-open orders). Held in the `journal` bucket as `keep`.
KEEP_SETTLED = 100

# Scopes: how a route names its account. /v2 is the default account; /v1/trading/accounts/ID
# is a sub-account that must exist.
V2 = f"{{{{setVar 'acct' '{DEFAULT_ACCOUNT}'}}}}"
V1 = "{{setVar 'acct' (concat (urlParam 'account_id'))}}"


# Alpaca's order object (numbers as strings, as Alpaca sends them). Handlebars hands the hash to
# `object` in reverse, so the list is reversed to keep this order in the stored JSON.
ORDER_FIELDS = (
    f"id=(concat '{ORDER_ID_PREFIX}' (padStart @seq 12 '0'))", "client_order_id=@coid",
    "account_id=@acct",
    "symbol=@sym", "asset_class='us_equity'", "qty=@qty", "filled_qty=@filled",
    "filled_avg_price=@fprice", "limit_price=@price", "stop_price=null", "notional=null",
    "side=@side", "type=@type", "order_type=@type", "order_class='simple'",
    "time_in_force=@tif", "status=@ostatus", "extended_hours=false", "created_at=@at",
    "submitted_at=@at", "filled_at=@filled_at", "updated_at=@at", "canceled_at=null",
    "seq=@seq",
)


def scoped(scope: str) -> str:
    """Every broker route starts here: no journal entry yet, the restore gate, @acct known."""
    return compact(
        "{{setVar 'err' ''}}",
        "{{setGlobalVar 'j_kind' ''}}{{setGlobalVar 'j_pruned' ''}}",
        guard("(eq (dataRaw 'journal' 'open') false)", RESTORING,
              "'the broker is restoring its state after a restart: retry shortly'"),
        scope,
        guard("(eq (eq (dataRaw 'accounts' (concat @acct '.id')) @acct) false)", NOT_FOUND,
              "(concat 'account not found: ' @acct)"),
    )


def journal(order_index: str = "") -> str:
    """Note a change for the journal callback. Its body renders synchronously right after
    this template (Mockoon's executeCallbacks; only the POST waits), so no other request can
    change these global variables in between."""
    return compact(
        "{{setData 'inc' 'journal' 'seq'}}",
        "{{setGlobalVar 'j_kind' 'change'}}",
        "{{setGlobalVar 'j_acct' @acct}}",
        f"{{{{setGlobalVar 'j_order' (concat {order_index or chr(39) + chr(39)})}}}}",
    )


def _order_fields() -> str:
    return compact(
        "{{setVar 'coid' (concat (bodyRaw 'client_order_id' ''))}}",
        "{{setVar 'sym' (uppercase (concat (bodyRaw 'symbol' '')))}}",
        "{{setVar 'side' (concat (bodyRaw 'side' ''))}}",
        "{{setVar 'type' (concat (bodyRaw 'type' ''))}}",
        "{{setVar 'tif' (concat (bodyRaw 'time_in_force' 'day'))}}",
        "{{setVar 'qty' (concat (bodyRaw 'qty' ''))}}",
        "{{setVar 'price' (concat (bodyRaw 'limit_price' ''))}}",
        "{{setVar 'notional' (multiply @qty @price)}}",
        "{{setVar 'pos' (concat @acct '.' @sym '.')}}",
        "{{setVar 'held' (dataRaw 'positions' (concat @pos 'qty'))}}",
        "{{setVar 'mode' (getGlobalVar 'fault')}}",
    )


def _order_checks() -> str:
    return compact(
        guard("(eq @coid '')", INVALID,
              "'client_order_id is required (it is the idempotency key)'"),
        guard("(gt (len @coid) 128)", INVALID, "'client_order_id must be at most 128 characters'"),
        guard("(find (dataRaw 'orders') (object client_order_id=@coid account_id=@acct))",
              DUPLICATE, "'client_order_id must be unique'"),
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
        guard("(gt @notional (dataRaw 'accounts' (concat @acct '.cash')))", FORBIDDEN,
              "'insufficient buying power'"),
        "{{else}}",
        guard("(gt @qty @held)", FORBIDDEN, "(concat 'insufficient qty available for order "
              "(requested: ' @qty ', available: ' @held ')')"),
        "{{/if}}",
    )


def move_money() -> str:
    """Book @fill shares of @sym at @price into @acct's cash and position (@pos, @held set).
    Nothing for 0 shares: `setData 'inc'` with a 0 would add its default step of 1."""
    return compact(
        "{{#unless (eq @fill 0)}}",
        "{{setVar 'fnotional' (multiply @fill @price)}}",
        "{{#if (eq @side 'buy')}}",
        "{{setData 'dec' 'accounts' (concat @acct '.cash') @fnotional}}",
        "{{setData 'inc' 'positions' (concat @pos 'qty') @fill}}",
        "{{setData 'inc' 'positions' (concat @pos 'cost') @fnotional}}",
        "{{else}}",
        "{{setData 'inc' 'accounts' (concat @acct '.cash') @fnotional}}",
        # A sale releases cost at the average entry price, like Alpaca's cost_basis.
        "{{setData 'dec' 'positions' (concat @pos 'cost') (multiply @fill"
        " (divide (dataRaw 'positions' (concat @pos 'cost')) @held))}}",
        "{{setData 'dec' 'positions' (concat @pos 'qty') @fill}}",
        "{{#if (eq (dataRaw 'positions' (concat @pos 'qty')) 0)}}",
        "{{setData 'set' 'positions' (concat @pos 'cost') 0}}{{/if}}",
        "{{/if}}",
        "{{/unless}}",
    )


def position(seq: str) -> str:
    """@i: where the order with sequence number `seq` sits in the orders list now (pruning
    moves orders, so an order is addressed by its id, never by a computed index)."""
    return compact(
        "{{setGlobalVar 'o_pos' ''}}",
        f"{{{{#each (dataRaw 'orders')}}}}{{{{#if (eq this.seq {seq})}}}}"
        "{{setGlobalVar 'o_pos' (concat @index)}}{{/if}}{{/each}}",
        "{{setVar 'i' (getGlobalVar 'o_pos')}}",
    )


def prune() -> str:
    """Drop the account's settled orders beyond its newest `keep` (never an open one), newest
    first, so a deletion never moves an order still to be visited; their sequence numbers go
    to the journal entry (`pruned`)."""
    return compact(
        "{{setGlobalVar 'kept' 0}}{{setGlobalVar 'j_pruned' ''}}{{setGlobalVar 'j_sep' ''}}",
        "{{setVar 'n0' (len (dataRaw 'orders'))}}{{setVar 'keep' (dataRaw 'journal' 'keep')}}",
        "{{#each (reverse (dataRaw 'orders'))}}{{#if (eq this.account_id @acct)}}",
        f"{{{{#unless {not_in(OPEN_STATUSES, 'this.status')}}}}}",
        "{{#if (lt (getGlobalVar 'kept') @keep)}}",
        "{{setGlobalVar 'kept' (add (getGlobalVar 'kept') 1)}}",
        "{{else}}",
        "{{setData 'del' 'orders' (concat (subtract (subtract @n0 1) @index))}}",
        "{{setGlobalVar 'j_pruned' (concat (getGlobalVar 'j_pruned') (getGlobalVar 'j_sep')"
        " this.seq)}}{{setGlobalVar 'j_sep' ','}}",
        "{{/if}}{{/unless}}{{/if}}{{/each}}",
    )


def _fill() -> str:
    """Store the order and fill it: all at once, or, under the `partial` fault, half of it
    (the rest stays open), or, under `accepted`, nothing yet (an order a real account holds
    outside market hours). With `?index=N` only if marketable at that bar's close, at the
    better price (broker_market.py); an order that is not rests, `new`, until cancelled."""
    return compact(
        prune(),
        # Ids come from a counter that pruning never lowers: an id is never reused.
        "{{setData 'inc' 'journal' 'oseq'}}{{setVar 'seq' (dataRaw 'journal' 'oseq')}}",
        "{{setVar 'fill' (floor @qty)}}{{setVar 'ostatus' 'filled'}}",
        "{{#if (eq @mode 'partial')}}{{setVar 'fill' (floor (divide @qty 2))}}"
        "{{setVar 'ostatus' 'partially_filled'}}{{/if}}",
        at_market(),
        "{{#if (eq @fill 0)}}{{setVar 'ostatus' 'new'}}{{setVar 'fprice' null}}{{/if}}",
        "{{#if (eq @mode 'accepted')}}{{setVar 'fill' 0}}{{setVar 'ostatus' 'accepted'}}"
        "{{setVar 'fprice' null}}{{/if}}",
        "{{setVar 'filled' (concat @fill)}}",
        # RFC 3339 with its offset, as `now` writes it: what ?after= and ?until= compare.
        "{{setVar 'at' (now)}}{{setVar 'filled_at' null}}",
        "{{#if (gt @fill 0)}}{{setVar 'filled_at' @at}}{{/if}}",
        "{{setData 'push' 'orders' '' (object " + " ".join(reversed(ORDER_FIELDS)) + ")}}",
        "{{setVar 'i' (concat (subtract (len (dataRaw 'orders')) 1))}}",  # the newest
        "{{setVar 'price' @fprice}}",  # the cash moves at the fill's price, not the limit
        move_money(),
        journal("@i"),
    )


def place_order(scope: str, response_lost: bool = False) -> str:
    """POST orders. `response_lost`: store and fill, then answer 500 (ambiguous failure)."""
    # `unpriced`: the answer shows the fill without its filled_avg_price (a broker whose
    # answer is incomplete); the stored order, its lookups and the journal keep the price.
    answer = compact(
        "{{setVar 'unpriced' (eq @mode 'unpriced')}}",
        "{{#if @unpriced}}{{setData 'set' 'orders' (concat @i "
        "'.filled_avg_price') null}}{{/if}}",
        "{{{data 'orders' @i}}}",
        "{{#if @unpriced}}{{setData 'set' 'orders' (concat @i "
        "'.filled_avg_price') @fprice}}{{/if}}",
    )
    if response_lost:
        answer = ('{{status 500}}{"code":50010000,'
                  '"message":"injected fault: the order was stored but the answer was lost"}')
    return compact(scoped(scope), _order_fields(), _order_checks(), respond(_fill() + answer))


def _found(field: str, value: str) -> str:
    return compact(
        f"{{{{setVar 'found' (find (dataRaw 'orders') (object {field}=(concat {value})"
        " account_id=@acct))}}",
        "{{#unless @err}}",
        guard("(eq @found undefined)", NOT_FOUND, "'order not found'"),
        "{{/unless}}",
    )


def order_lookup(scope: str, field: str, value: str) -> str:
    """One stored order of the account by client_order_id or id, compact JSON, or 404."""
    return compact(
        scoped(scope), _found(field, value),
        respond(position("@found.seq") + "{{{data 'orders' @i}}}"),
    )


def cancel_order(scope: str) -> str:
    """DELETE an open order: 204 and status canceled (what filled stays filled), or 422."""
    return compact(
        scoped(scope), _found("id", "(urlParam 'order_id')"),
        guard(f"(eq {not_in(OPEN_STATUSES, '@found.status')} false)", NOT_CANCELABLE,
              "(concat 'order is not cancelable (status ' @found.status ')')"),
        respond(compact(
            position("@found.seq"),
            "{{setData 'set' 'orders' (concat @i '.status') 'canceled'}}",
            "{{setVar 'at' (now)}}{{setData 'set' 'orders' (concat @i '.canceled_at') @at}}",
            "{{setData 'set' 'orders' (concat @i '.updated_at') @at}}",
            journal("@i"),
            "{{status 204}}",
        )),
    )


def fill_rest() -> str:
    """Test control: an open order of the account fills its remainder now (a late fill), at
    its limit or at the body's `price`; `filled_avg_price` becomes the average of all its
    fills, as a broker's is (the extra shares' own price is not shown)."""
    return compact(
        scoped(V1), _found("id", "(urlParam 'order_id')"),
        guard(f"(eq {not_in(OPEN_STATUSES, '@found.status')} false)", NOT_CANCELABLE,
              "(concat 'order is not open (status ' @found.status ')')"),
        respond(compact(
            position("@found.seq"),
            "{{setVar 'sym' @found.symbol}}{{setVar 'side' @found.side}}",
            "{{setVar 'price' (concat (bodyRaw 'price' @found.limit_price))}}",
            "{{setVar 'pos' (concat @acct '.' @sym '.')}}",
            "{{setVar 'held' (dataRaw 'positions' (concat @pos 'qty'))}}",
            "{{setVar 'fill' (subtract @found.qty @found.filled_qty)}}",
            "{{setVar 'before' 0}}",
            "{{#if @found.filled_avg_price}}{{setVar 'before'"
            " (multiply @found.filled_qty @found.filled_avg_price)}}{{/if}}",
            "{{setVar 'avg' (concat (divide (add @before (multiply @fill @price))"
            " @found.qty))}}",
            move_money(),
            "{{setData 'set' 'orders' (concat @i '.filled_qty') (concat @found.qty)}}",
            "{{setData 'set' 'orders' (concat @i '.filled_avg_price') @avg}}",
            "{{setData 'set' 'orders' (concat @i '.status') 'filled'}}",
            "{{setVar 'at' (now)}}{{setData 'set' 'orders' (concat @i '.filled_at') @at}}",
            "{{setData 'set' 'orders' (concat @i '.updated_at') @at}}",
            journal("@i"),
            "{{{data 'orders' @i}}}",
        )),
    )


MAX_LIST = 500  # Alpaca's maximum `limit` for GET /v2/orders (its default is 50)


def _timestamp_param(name: str) -> str:
    """@NAME_ms: the query's ?NAME= timestamp in epoch ms ('' when absent); a value that is
    no timestamp fails the request."""
    return compact(
        f"{{{{setVar '{name}_ms' ''}}}}{{{{setVar 'raw' (queryParam '{name}' '')}}}}",
        "{{#unless (eq @raw '')}}{{#if (isValidDate @raw)}}",
        f"{{{{setVar '{name}_ms' (parseInt (dateFormat @raw 'T'))}}}}",
        "{{else}}",
        guard("true", INVALID, f"'{name} must be a timestamp (RFC 3339)'"),
        "{{/if}}{{/unless}}",
    )


def _in_window() -> str:
    """@show stays true only for an order submitted strictly between ?after= and ?until=
    (Alpaca's are exclusive); an order without a timestamp (restored from an older journal)
    counts as submitted at the epoch."""
    return compact(
        "{{setVar 'ms' 0}}",
        "{{#if this.submitted_at}}{{setVar 'ms' (parseInt (dateFormat this.submitted_at 'T'))}}"
        "{{/if}}",
        "{{#unless (eq @after_ms '')}}{{#unless (gt @ms @after_ms)}}{{setVar 'show' false}}"
        "{{/unless}}{{/unless}}",
        "{{#unless (eq @until_ms '')}}{{#unless (lt @ms @until_ms)}}{{setVar 'show' false}}"
        "{{/unless}}{{/unless}}",
    )


def list_orders(scope: str) -> str:
    """The account's orders: ?status=open|closed filters (default: all, unlike Alpaca's
    open), ?limit=1..500 (default 50), ?direction=asc|desc (default desc, newest first) and
    ?after= / ?until= (submitted strictly between) as Alpaca's. A client that lists 500
    ascending sees the oldest 500, as it would there."""
    return compact(
        scoped(scope),
        _timestamp_param("after"),
        _timestamp_param("until"),
        "{{setVar 'want' (queryParam 'status' 'all')}}",
        "{{setVar 'limit' (parseInt (queryParam 'limit' '50'))}}",
        "{{setVar 'dir' (queryParam 'direction' 'desc')}}",
        guard("(eq @limit '')", INVALID, f"'limit must be an integer in 1..{MAX_LIST}'"),
        guard("(lt @limit 1)", INVALID, f"'limit must be an integer in 1..{MAX_LIST}'"),
        guard(f"(gt @limit {MAX_LIST})", INVALID, f"'limit must be an integer in 1..{MAX_LIST}'"),
        guard(f"(eq {not_in('|asc|desc|', '@dir')} false)", INVALID,
              "'direction must be asc or desc'"),
        respond(compact(
            "{{setGlobalVar 'ord_sep' ''}}{{setGlobalVar 'ord_n' 0}}[",
            "{{setVar 'n0' (len (dataRaw 'orders'))}}",
            "{{#if (eq @dir 'asc')}}{{setVar 'rows' (dataRaw 'orders')}}"
            "{{else}}{{setVar 'rows' (reverse (dataRaw 'orders'))}}{{/if}}",
            "{{#each @rows}}{{#if (lt (getGlobalVar 'ord_n') @limit)}}",
            "{{#if (eq this.account_id @acct)}}",
            f"{{{{setVar 'open' {not_in(OPEN_STATUSES, 'this.status')}}}}}",
            "{{#if (eq @want 'all')}}{{setVar 'show' true}}"
            "{{else}}{{setVar 'show' (eq @open (eq @want 'open'))}}{{/if}}",
            "{{#if @show}}", _in_window(), "{{/if}}",
            "{{#if @show}}",
            "{{getGlobalVar 'ord_sep'}}{{setGlobalVar 'ord_sep' ','}}",
            "{{setGlobalVar 'ord_n' (add (getGlobalVar 'ord_n') 1)}}",
            "{{#if (eq @dir 'asc')}}{{setVar 'p' @index}}"
            "{{else}}{{setVar 'p' (subtract (subtract @n0 1) @index)}}{{/if}}",
            "{{{data 'orders' (concat @p)}}}",
            "{{/if}}{{/if}}{{/if}}{{/each}}]",
        )),
    )
