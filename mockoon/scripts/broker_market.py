"""The market a limit order meets: it fills only when marketable at its bar's close, at the
better of its limit and that close (on a whole cent, through the market), else it rests.

The order route reads the bar from `?index=N` (a harness extension, like the account's; the
agent sends its clock's bar). Without it, the old rule: the order fills at its limit.
"""

from __future__ import annotations

# The close is the bar's 5th field. A whole-cent fill price: a buy pays the close rounded up
# (never above its limit), a sale gets it rounded down (never below); the epsilon keeps a
# close already on a cent (10.0 * 100 = 1000.0000000001) where it is.
_CLOSE = "(dataRaw 'bars' (concat @sym '.bars.' (subtract @bar_n @bar_o) '.4'))"
_UP = "(divide (ceil (subtract (multiply @close 100) 0.000001)) 100)"
_DOWN = "(divide (floor (add (multiply @close 100) 0.000001)) 100)"


def at_market() -> str:
    """Sets @fprice (the fill price) and, when the order is not marketable, @fill to 0.
    Expects @sym, @side, @price (the limit), @fill; sets @close ('' without a bar)."""
    return "".join((
        "{{setVar 'fprice' @price}}{{setVar 'close' ''}}",
        "{{setVar 'bar_n' (parseInt (queryParam 'index'))}}",
        "{{setVar 'bar_o' (dataRaw 'bars' (concat @sym '.origin'))}}",
        "{{#unless (eq @bar_n '')}}{{#if (gte @bar_n @bar_o)}}",
        "{{#if (lte @bar_n (dataRaw 'bars' (concat @sym '.last')))}}",
        f"{{{{setVar 'close' {_CLOSE}}}}}",
        "{{/if}}{{/if}}{{/unless}}",
        "{{#unless (eq @close '')}}",
        "{{#if (eq @side 'buy')}}",
        f"{{{{setVar 'best' {_UP}}}}}",
        "{{#if (lt @price @close)}}{{setVar 'fill' 0}}{{/if}}",
        "{{#if (lt @best @price)}}{{setVar 'fprice' (concat @best)}}{{/if}}",
        "{{else}}",
        f"{{{{setVar 'best' {_DOWN}}}}}",
        "{{#if (gt @price @close)}}{{setVar 'fill' 0}}{{/if}}",
        "{{#if (gt @best @price)}}{{setVar 'fprice' (concat @best)}}{{/if}}",
        "{{/if}}",
        "{{/unless}}",
    ))
