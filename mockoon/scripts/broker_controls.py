"""Handlebars bodies of the broker's test controls: armed faults, reset, the journal
replay (`/__harness/state`) and the journal callback's body. Not Alpaca: ours."""

from __future__ import annotations

from broker_accounts import ZERO_POSITIONS
from broker_templates import (
    DEFAULT_ACCOUNT,
    FAULT_MODES,
    INITIAL_CASH,
    KEEP_SETTLED,
)
from templates import INVALID, compact, guard, not_in, respond


def set_faults() -> str:
    return compact(
        "{{setVar 'err' ''}}",
        "{{setVar 'mode' (concat (bodyRaw 'mode' (bodyRaw 'status' '')))}}",
        "{{setVar 'count' (parseInt (concat (bodyRaw 'count' 1)))}}",
        guard(f"(eq {not_in(FAULT_MODES, '@mode')} false)", INVALID,
              "'mode must be one of 500, 503, 422, stall, lost, partial, accepted, unpriced "
              "(or send status: 500, 503, 422)'"),
        guard("(eq @count '')", INVALID, "'count must be a positive integer'"),
        guard("(lt @count 1)", INVALID, "'count must be a positive integer'"),
        respond("{{setData 'set' 'faults' 'mode' @mode}}{{setData 'set' 'faults' 'count' @count}}"
                "{{{data 'faults'}}}"),
    )


CLEAR_FAULTS = "{{setData 'set' 'faults' 'mode' ''}}{{setData 'set' 'faults' 'count' 0}}"


def reset() -> str:
    """Back to a fresh process: only the default account, with the initial (or given) cash, no
    orders, no positions, no faults; `keep` (settled orders a sub-account keeps) as given or
    the default. Also opens a broker that waits for its restore (a test that runs Mockoon on
    its own starts here)."""
    return compact(
        f"{{{{setVar 'acct' '{DEFAULT_ACCOUNT}'}}}}",
        "{{setData 'set' 'orders' '' (array)}}",
        "{{setData 'set' 'accounts' '' (object)}}",
        "{{setData 'set' 'positions' '' (object)}}",
        f"{{{{setData 'set' 'accounts' @acct (object id=@acct"
        f" cash=(multiply (bodyRaw 'cash' {INITIAL_CASH}) 1))}}}}",
        ZERO_POSITIONS,
        CLEAR_FAULTS,
        "{{setData 'set' 'journal' 'open' true}}",
        "{{setData 'set' 'journal' 'oseq' 0}}",
        f"{{{{setData 'set' 'journal' 'keep' (bodyRaw 'keep' {KEEP_SETTLED})}}}}",
        "{{setData 'inc' 'journal' 'seq'}}",
        "{{setGlobalVar 'j_kind' 'reset'}}",
        '{"reset":true,"cash":"{{toFixed (dataRaw \'accounts\' (concat @acct \'.cash\')) 2}}"}',
    )


STATE = ('{"seq":{{dataRaw \'journal\' \'seq\'}},"open":{{dataRaw \'journal\' \'open\'}},'
         '"oseq":{{dataRaw \'journal\' \'oseq\'}},"keep":{{dataRaw \'journal\' \'keep\'}},'
         '"accounts":{{{data \'accounts\'}}},"positions":{{{data \'positions\'}}},'
         '"orders":{{{data \'orders\'}}} }')


def restore() -> str:
    """PUT /__harness/state: the state folded from the journal; the broker opens."""
    return compact(
        "{{setData 'set' 'accounts' '' (bodyRaw 'accounts')}}",
        "{{setData 'set' 'positions' '' (bodyRaw 'positions')}}",
        "{{setData 'set' 'orders' '' (bodyRaw 'orders')}}",
        "{{setData 'set' 'journal' 'seq' (bodyRaw 'seq')}}",
        "{{setData 'set' 'journal' 'oseq' (bodyRaw 'oseq' 0)}}",
        f"{{{{setData 'set' 'journal' 'keep' (bodyRaw 'keep' {KEEP_SETTLED})}}}}",
        "{{setData 'set' 'journal' 'open' true}}",
        STATE,
    )


# The journal callback's body, rendered right after the route's own template (synchronously:
# Mockoon's executeCallbacks renders it before the next request; only the POST is deferred):
# one line per change, with the changed account, its positions, the changed order and the
# orders pruned by it (last writer wins when the journal is folded), or the whole state
# after a reset. Empty when nothing changed.
JOURNAL_ENTRY = compact(
    "{{#if (eq (getGlobalVar 'j_kind') 'change')}}",
    "{{setVar 'a' (getGlobalVar 'j_acct')}}",
    '{"seq":{{dataRaw \'journal\' \'seq\'}},"reset":false,',
    '"oseq":{{dataRaw \'journal\' \'oseq\'}},"pruned":[{{getGlobalVar \'j_pruned\'}}],',
    '"accounts":{"{{@a}}":{{{data \'accounts\' @a}}} },',
    '"positions":{"{{@a}}":{{{data \'positions\' @a}}} },"orders":[',
    "{{#unless (eq (getGlobalVar 'j_order') '')}}",
    "{{{data 'orders' (getGlobalVar 'j_order')}}}{{/unless}}] }",
    "{{/if}}",
    "{{#if (eq (getGlobalVar 'j_kind') 'reset')}}",
    '{"seq":{{dataRaw \'journal\' \'seq\'}},"reset":true,'
    '"keep":{{dataRaw \'journal\' \'keep\'}},"oseq":{{dataRaw \'journal\' \'oseq\'}},',
    '"accounts":{{{data \'accounts\'}}},"positions":{{{data \'positions\'}}},"orders":[]}',
    "{{/if}}",
)
JOURNAL_URL_VAR = "HARNESS_JOURNAL_URL"  # read with Mockoon's prefix: MOCKOON_HARNESS_JOURNAL_URL


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
