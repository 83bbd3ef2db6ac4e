"""A sandbox's result as a BacktestOutcome: the scorecard, or a scored failure."""

from __future__ import annotations

import json

from engine.discovery.contracts import BacktestOutcome, CandidateSpec

SCORE_KEYS = ("bars", "total_return", "cagr", "sharpe", "sortino", "max_drawdown", "win_rate",
              "trades", "exposure")


def outcome_from_result(spec: CandidateSpec, result) -> BacktestOutcome:
    """`result` is an engine.sandbox.SandboxResult (backend, exit_code, stdout, stderr,
    reason, duration_s). Anything but one well-formed JSON line is a failure, with the
    runner's own error when it gave one."""
    base = {"name": spec.name, "family": spec.family, "params": spec.params,
            "backend": result.backend, "duration_s": round(result.duration_s, 3)}
    if result.reason != "ok" or result.exit_code != 0:
        return BacktestOutcome(**base, ok=False, reason=result.reason or "exit",
                               error=_runner_error(result))
    try:
        card = json.loads(result.stdout.strip().splitlines()[-1])
        return BacktestOutcome(
            **base, ok=True,
            bars=int(card["full"]["bars"]),
            first_date=card["first_date"], last_date=card["last_date"],
            split_date=card["split_date"],
            full=_scores(card["full"]), in_sample=_scores(card["in_sample"]),
            out_of_sample=_scores(card["out_of_sample"]),
            signal_now=float(card["signal_now"]),
            equity=[(str(d), float(v)) for d, v in card["equity"]],
        )
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return BacktestOutcome(**base, ok=False, reason="error",
                               error=f"unreadable scorecard: {type(exc).__name__}: {exc}")


def _scores(part: dict) -> dict[str, float]:
    return {k: float(part[k]) for k in SCORE_KEYS}


def _runner_error(result) -> str:
    for line in reversed(result.stderr.strip().splitlines()):
        try:
            message = json.loads(line).get("error")
        except (ValueError, AttributeError):
            continue
        if message:
            return str(message)[:300]
    tail = result.stderr.strip().splitlines()[-1:] or [""]
    what = {"timeout": "the wall-clock limit stopped it", "memory": "it exceeded its memory",
            "killed": "it was killed"}.get(result.reason, f"exit code {result.exit_code}")
    return f"{what} {tail[0][:200]}".strip()
