"""Handlebars bodies of the broker's accounts: an account's cash and equity, its positions
marked to the market, and opening a sub-account (Alpaca's broker API)."""

from __future__ import annotations

from broker_templates import CONFLICT, RESTORING, journal, scoped
from templates import INVALID, SYMBOL_LIST, compact, guard, respond


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


def account(scope: str) -> str:
    """Alpaca-like trading account; ?index=N (harness extension) marks positions to that close."""
    return compact(
        scoped(scope),
        "{{setVar 'n' (parseInt (queryParam 'index'))}}",
        "{{setGlobalVar 'mv' 0}}",
        "{{#unless @err}}",
        f"{{{{#each {SYMBOL_LIST}}}}}",
        _mark_price(),
        "{{setVar 'p' (concat @acct '.' this '.')}}",
        "{{#if (eq @px '')}}",
        "{{setGlobalVar 'mv' (add (getGlobalVar 'mv')"
        " (dataRaw 'positions' (concat @p 'cost')))}}",
        "{{else}}",
        "{{setGlobalVar 'mv' (add (getGlobalVar 'mv')"
        " (multiply (dataRaw 'positions' (concat @p 'qty')) @px))}}",
        "{{/if}}{{/each}}",
        "{{/unless}}",
        "{{setVar 'cash' (dataRaw 'accounts' (concat @acct '.cash'))}}",
        "{{setVar 'equity' (toFixed (add @cash (getGlobalVar 'mv')) 2)}}",
        respond(
            '{"id":"{{@acct}}","account_number":"PA{{@acct}}",'
            '"status":"ACTIVE","currency":"USD","cash":"{{toFixed @cash 2}}",'
            '"buying_power":"{{toFixed @cash 2}}","equity":"{{@equity}}",'
            '"portfolio_value":"{{@equity}}","last_equity":"{{@equity}}",'
            '"long_market_value":"{{toFixed (getGlobalVar \'mv\') 2}}","short_market_value":"0.00",'
            '"multiplier":"1","pattern_day_trader":false,"trading_blocked":false,'
            '"transfers_blocked":false,"account_blocked":false,"shorting_enabled":false,'
            '"daytrade_count":0,"created_at":null}'),
    )


def positions(scope: str) -> str:
    """Open positions; ?index=N (harness extension) adds current_price / market_value."""
    return compact(
        scoped(scope),
        "{{setVar 'n' (parseInt (queryParam 'index'))}}",
        respond(compact(
            "{{setGlobalVar 'pos_sep' ''}}[",
            f"{{{{#each {SYMBOL_LIST}}}}}",
            "{{setVar 'q' (dataRaw 'positions' (concat @acct '.' this '.qty'))}}",
            "{{setVar 'cost' (dataRaw 'positions' (concat @acct '.' this '.cost'))}}",
            "{{#unless (eq @q 0)}}",
            _mark_price(),
            "{{getGlobalVar 'pos_sep'}}{{setGlobalVar 'pos_sep' ','}}",
            "{ {{#unless (eq @px '')}}",
            '"current_price":"{{@px}}","market_value":"{{toFixed (multiply @q @px) 2}}",',
            "{{/unless}}",
            '"symbol":"{{this}}","asset_class":"us_equity","side":"long","qty":"{{@q}}",'
            '"avg_entry_price":"{{toFixed (divide @cost @q) 4}}",'
            '"cost_basis":"{{toFixed @cost 2}}"}',
            "{{/unless}}{{/each}}]",
        )),
    )


ZERO_POSITIONS = (f"{{{{#each {SYMBOL_LIST}}}}}{{{{setData 'set' 'positions'"
                  " (concat @acct '.' this) (object qty=0 cost=0)}}{{/each}}")
BROKER_ACCOUNT = ('{"id":"{{@acct}}","account_number":"PA{{@acct}}","status":"ACTIVE",'
                  '"currency":"USD","last_equity":"{{toFixed (dataRaw \'accounts\' '
                  '(concat @acct \'.cash\')) 2}}","created_at":null}')


def open_account() -> str:
    """POST /v1/accounts {"id", "cash"}: a sub-account funded with its starting cash.

    Alpaca's broker API generates the id and funds through a journal from the firm account;
    here the client names the account (its key, so opening is idempotent: a taken id is 409)
    and the cash arrives at once.
    """
    return compact(
        "{{setVar 'err' ''}}",
        "{{setGlobalVar 'j_kind' ''}}{{setGlobalVar 'j_pruned' ''}}",
        guard("(eq (dataRaw 'journal' 'open') false)", RESTORING,
              "'the broker is restoring its state after a restart: retry shortly'"),
        "{{setVar 'acct' (concat (bodyRaw 'id' ''))}}",
        "{{setVar 'cash' (concat (bodyRaw 'cash' ''))}}",
        guard("(eq @acct '')", INVALID, "'id is required: the account key'"),
        guard("(gt (len @acct) 96)", INVALID, "'id must be at most 96 characters'"),
        guard("(includes @acct '.')", INVALID, "'id must not contain a dot'"),
        guard("(includes @acct '/')", INVALID, "'id must not contain a slash'"),
        guard("(includes @acct ' ')", INVALID, "'id must not contain a space'"),
        guard("(eq (substr @acct 0 1) '$')", INVALID, "'id must not start with $'"),
        guard("(eq (gt @cash 0) false)", INVALID, "'cash must be a positive number'"),
        guard("(eq (dataRaw 'accounts' (concat @acct '.id')) @acct)", CONFLICT,
              "(concat 'account ' @acct ' already exists')"),
        respond(compact(
            "{{setData 'set' 'accounts' @acct (object id=@acct cash=(multiply @cash 1))}}",
            ZERO_POSITIONS,
            journal(),
            BROKER_ACCOUNT,
        )),
    )


def broker_account() -> str:
    """GET /v1/accounts/{id}: the sub-account (Alpaca broker API shape), or 404."""
    return compact(
        scoped("{{setVar 'acct' (concat (urlParam 'account_id'))}}"),
        respond(BROKER_ACCOUNT),
    )
