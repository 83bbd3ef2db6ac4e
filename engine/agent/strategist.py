"""The strategist: with a real model, the agent may write strategy code before discovery.

Its one tool, `write_strategy`, records a candidate (source + parameters) in workflow
state after checking only its shape (it parses, it defines `signal`): the code itself
runs nowhere but in a sandbox, as a candidate beside the families. The offline analyst
writes none: it has the families.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from agents import Agent, RunContextWrapper, function_tool

from engine.discovery.candidates import CandidateError, written_candidate
from engine.discovery.contracts import CandidateSpec

MAX_WRITTEN = 3

INSTRUCTIONS = """\
You are "strategist". Before a trading agent starts, its candidate strategies are
backtested in a sandbox on the daily bars before its first day, and the best one by
out-of-sample Sharpe guides it. You may add candidates of your own.

Write each strategy with write_strategy(name, source, params_json). `source` is a Python
module that imports only numpy and pandas and defines
    def signal(bars: pandas.DataFrame, **params) -> pandas.Series
bars has the columns date, open, high, low, close, volume (oldest first); return, for
every bar, the exposure you want from that bar's close on: a number in [0, 1] (0 flat,
1 fully long). Use only bars up to and including each bar: never look ahead.
params_json is a JSON object of the keyword arguments. Write at most three, then answer
with one sentence saying what you wrote.
"""


@dataclass
class StrategistContext:
    symbol: str
    written: list[CandidateSpec] = field(default_factory=list)


# async: the SDK runs a sync tool in a thread, and a workflow may not start threads.
@function_tool
async def write_strategy(ctx: RunContextWrapper[StrategistContext], name: str, source: str,
                         params_json: str = "{}") -> str:
    """Add a strategy candidate: a Python module defining signal(bars, **params), and its
    parameters as a JSON object. It is backtested in a sandbox, never run here."""
    context = ctx.context
    if len(context.written) >= MAX_WRITTEN:
        return f"refused: at most {MAX_WRITTEN} strategies"
    try:
        params = json.loads(params_json or "{}")
        if not isinstance(params, dict):
            raise ValueError("params_json must be a JSON object")
        spec = written_candidate(name, source, params)
    except (ValueError, CandidateError) as exc:  # the model may fix it and try again
        return f"refused: {exc}"
    context.written.append(spec)
    return f"recorded {spec.name}: it will be backtested on {context.symbol} in a sandbox"


def build_strategist(model: str) -> Agent[StrategistContext]:
    return Agent(name="strategist", instructions=INSTRUCTIONS, model=model,
                 tools=[write_strategy])


def writes_strategies(model: str) -> bool:
    """Only real models write code; the offline analyst uses the families."""
    return not model.startswith("offline")
