"""Fees: what a broker charges outside orders (regulatory fees, commissions), and how an
Alpaca client reads them: the account's activities of type FEE.

- `GET .../account/activities/FEE[?page_token=ID]` -> `[{"id","activity_type":"FEE",
  "net_amount":"-0.37","description","date":null}, ...]`, oldest first, only those after
  `page_token` (exclusive) when given. Alpaca's ids are time-ordered strings; here they
  are the account's fee sequence, zero-padded, so they sort the same way.
- `POST /__harness/accounts/{id}/fees {"amount": 0.37, "description": "..."}` (test control)
  charges one: the cash goes down, the activity is recorded.

The fees live in the account object, so the journal (which carries the changed account)
keeps them across restarts.
"""

from __future__ import annotations

from templates import INVALID, compact, guard, respond

FEES = "(concat @acct '.fees')"


def fee_activities(scoped_prefix: str) -> str:
    """The body of GET .../account/activities/FEE; `scoped_prefix` sets @acct and checks it."""
    return compact(
        scoped_prefix,
        "{{setVar 'after' (parseInt (queryParam 'page_token' '0'))}}",
        guard("(eq @after '')", INVALID, "'page_token must be a fee activity id'"),
        respond(compact(
            "{{setGlobalVar 'fee_sep' ''}}[",
            f"{{{{#each (dataRaw 'accounts' {FEES})}}}}",
            "{{#if (gt (parseInt this.id) @after)}}",
            "{{getGlobalVar 'fee_sep'}}{{setGlobalVar 'fee_sep' ','}}",
            '{"id":"{{this.id}}","activity_type":"FEE","net_amount":"{{this.net_amount}}",'
            '"description":"{{this.description}}","date":null}',
            "{{/if}}{{/each}}]",
        )),
    )


def charge_fee(scoped_prefix: str, journal: str) -> str:
    """The body of the test control that charges one fee."""
    return compact(
        scoped_prefix,
        "{{setVar 'amount' (concat (bodyRaw 'amount' ''))}}",
        guard("(eq (gt @amount 0) false)", INVALID, "'amount must be a positive number'"),
        respond(compact(
            f"{{{{#unless (dataRaw 'accounts' {FEES})}}}}"
            f"{{{{setData 'set' 'accounts' {FEES} (array)}}}}{{{{/unless}}}}",
            f"{{{{setVar 'fee_id' (padStart (concat (add (len (dataRaw 'accounts' {FEES})) 1))"
            " 8 '0')}}",
            "{{setData 'dec' 'accounts' (concat @acct '.cash') (multiply @amount 1)}}",
            f"{{{{setData 'push' 'accounts' {FEES} (object id=@fee_id"
            " net_amount=(concat '-' (toFixed @amount 2))"
            " description=(concat (bodyRaw 'description' 'fee')))}}",
            journal,
            '{"id":"{{@fee_id}}","activity_type":"FEE",'
            '"net_amount":"-{{toFixed @amount 2}}"}',
        )),
    )
