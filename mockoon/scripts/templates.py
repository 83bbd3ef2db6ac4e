"""Handlebars bodies of the Mockoon routes (Mockoon CLI 9.9.0 helpers only).

Written one fragment per line for reading; `compact()` strips and joins the lines, so a
template's whitespace never leaks into the answers. Conventions:
- `{{setVar}}`/`@var` hold per-request values; `setGlobalVar` is only used as a scratch
  accumulator inside one synchronous render (or one rule evaluation), never across requests.
- Checks run in order and the first failure wins: `guard()` sets @err/@status/@code once.
- A closing JSON brace never directly follows a mustache (`}}}` would be parsed as a
  triple-stash close), hence the odd space before some `}`.
"""

from __future__ import annotations

from prices import SYMBOLS

KNOWN = "|" + "|".join(SYMBOLS) + "|"  # `includes` on this only passes letters-and-pipes input
SYMBOL_LIST = "(array " + " ".join(f"'{s}'" for s in SYMBOLS) + ")"
HALF_SPREAD = "0.0002"  # quotes: bid/ask = close * (1 -/+ 0.02%)
INVALID, NOT_FOUND, FORBIDDEN = (422, 42210000), (404, 40410000), (403, 40310000)


def compact(*lines: str) -> str:
    return "".join(line.strip() for line in "\n".join(lines).splitlines())


def guard(condition: str, failure: tuple[int, int], message: str) -> str:
    """Record the first failed check; `message` is a Handlebars expression ('text' or (concat))."""
    status, code = failure
    return (f"{{{{#unless @err}}}}{{{{#if {condition}}}}}{{{{setVar 'status' {status}}}}}"
            f"{{{{setVar 'code' {code}}}}}{{{{setVar 'err' {message}}}}}{{{{/if}}}}{{{{/unless}}}}")


def respond(success: str) -> str:
    return compact("{{#if @err}}{{status @status}}",
                   '{"code":{{@code}},"message":"{{@err}}"}',
                   "{{else}}", success, "{{/if}}")


def not_in(allowed: str, var: str) -> str:
    """True when @var is not one of the pipe-delimited `allowed` words (pipes inside @var fail)."""
    return f"(includes '{allowed}' (concat '|' {var} '|'))"


def _symbol_and_index(param: str) -> str:
    """@sym, @origin (first bar), @last and @n from the path symbol and an index query param."""
    return compact(
        "{{setVar 'err' ''}}",
        "{{setVar 'sym' (uppercase (urlParam 'symbol'))}}",
        "{{setVar 'origin' (dataRaw 'bars' (concat @sym '.origin'))}}",
        "{{setVar 'last' (dataRaw 'bars' (concat @sym '.last'))}}",
        f"{{{{setVar 'n' (parseInt (queryParam '{param}'))}}}}",
        guard("(eq @n '')", INVALID, f"'{param} is required: an integer market-clock index'"),
        guard("(lt @n 0)", NOT_FOUND,
              f"(concat '{param} ' @n ' is outside the market calendar [0, ' @last ']')"),
        guard("(gt @n @last)", NOT_FOUND,
              f"(concat '{param} ' @n ' is outside the market calendar [0, ' @last ']')"),
    )


def _one_bar(what: str) -> str:
    """Guards that bar @n exists for @sym, then sets @bar = [t, o, h, l, c, v]."""
    return compact(
        guard("(lt @n @origin)", NOT_FOUND,
              f"(concat 'no {what} for ' @sym ' at index ' @n"
              " ': its first bar is at index ' @origin)"),
        "{{#unless @err}}",
        "{{setVar 'bar' (dataRaw 'bars' (concat @sym '.bars.' (subtract @n @origin)))}}",
        "{{/unless}}",
    )


BAR_FIELDS = ('{"t":"{{B.[0]}}","o":{{B.[1]}},"h":{{B.[2]}},"l":{{B.[3]}},"c":{{B.[4]}},'
              '"v":{{B.[5]}},"i":{{I}} }')


def bars() -> str:
    return compact(
        _symbol_and_index("end_index"),
        "{{setVar 'start' (parseInt (queryParam 'start_index'))}}",
        "{{setVar 'limit' (parseInt (queryParam 'limit' '1'))}}",
        "{{#if (eq @start '')}}",
        guard("(lt @limit 1)", INVALID, "'limit must be an integer between 1 and 1000'"),
        guard("(gt @limit 1000)", INVALID, "'limit must be an integer between 1 and 1000'"),
        "{{setVar 'lo' (add (subtract @n @limit) 1)}}",
        "{{else}}",
        guard("(gt @start @n)", INVALID, "'start_index must not exceed end_index'"),
        guard("(gt (subtract @n @start) 999)", INVALID,
              "'at most 1000 bars per request: raise start_index'"),
        "{{setVar 'lo' @start}}",
        "{{/if}}",
        "{{#if (lt @lo @origin)}}{{setVar 'lo' @origin}}{{/if}}",
        respond(compact(
            '{"symbol":"{{@sym}}","bars":[',
            "{{#unless (lt @n @origin)}}",
            "{{#each (slice (dataRaw 'bars' (concat @sym '.bars')) (subtract @lo @origin)"
            " (add (subtract @n @origin) 1))}}",
            "{{#unless @first}},{{/unless}}",
            BAR_FIELDS.replace("B.", "this.").replace("{{I}}", "{{add @index @lo}}"),
            "{{/each}}{{/unless}}",
            '],"next_page_token":null}',
        )),
    )


def latest_bar() -> str:
    return compact(
        _symbol_and_index("index"), _one_bar("bar"),
        respond('{"symbol":"{{@sym}}","bar":'
                + BAR_FIELDS.replace("B.", "@bar.").replace("{{I}}", "{{@n}}") + "}"),
    )


def latest_quote() -> str:
    ask = f"{{{{toFixed (multiply @bar.[4] (add 1 {HALF_SPREAD})) 4}}}}"
    bid = f"{{{{toFixed (multiply @bar.[4] (subtract 1 {HALF_SPREAD})) 4}}}}"
    return compact(
        _symbol_and_index("index"), _one_bar("quote"),
        respond('{"symbol":"{{@sym}}","quote":{"t":"{{@bar.[0]}}",'
                f'"ap":{ask},"bp":{bid},"as":100,"bs":100,"i":{{{{@n}}}} }}}}'),
    )


def news() -> str:
    return compact(
        "{{setVar 'err' ''}}",
        "{{setVar 'last' (dataRaw 'bars' 'AAPL.last')}}",
        "{{setVar 'n' (parseInt (queryParam 'index'))}}",
        guard("(eq (queryParam 'symbols') '')", INVALID, "'symbols is required, e.g. AAPL,MSFT'"),
        guard("(eq @n '')", INVALID, "'index is required: an integer market-clock index'"),
        guard("(lt @n 0)", NOT_FOUND, "(concat 'index ' @n ' is outside the market calendar')"),
        guard("(gt @n @last)", NOT_FOUND, "(concat 'index ' @n ' is outside the market calendar')"),
        respond(compact(
            "{{setGlobalVar 'news_sep' ''}}",
            '{"news":[',
            "{{#each (split (uppercase (queryParam 'symbols')) ',')}}",
            f"{{{{#if {not_in(KNOWN, 'this')}}}}}",
            "{{#each (dataRaw 'news' (concat this '.' @n))}}",
            "{{getGlobalVar 'news_sep'}}{{{data 'news' (concat ../this '.' @n '.' @index)}}}",
            "{{setGlobalVar 'news_sep' ','}}",
            "{{/each}}{{/if}}{{/each}}",
            '],"next_page_token":null}',
        )),
    )
