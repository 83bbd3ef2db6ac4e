"""A sandbox's result as a BacktestOutcome: the worker's own scorecard of the strategy's
exposure series, or a scored failure.

Nothing the sandbox prints is taken as a score: it only hands back the exposure series
(engine.discovery.exposure checks it), and engine.discovery.scoring, which runs no
strategy code, computes every figure from it and the bars the worker fetched.
"""

from __future__ import annotations

import numpy as np

from engine.discovery.contracts import BacktestOutcome, BacktestRequest, CandidateSpec
from engine.discovery.exposure import ExposureError, parse_json_line, read_exposure
from engine.discovery.scoring import score

SCORE_KEYS = ("bars", "total_return", "cagr", "sharpe", "sortino", "max_drawdown", "win_rate",
              "trades", "exposure")
ERROR_LINE_LIMIT = 4096  # a longer stderr line is not the runner's one-line error


def outcome_from_result(request: BacktestRequest, result, bars: list[dict]) -> BacktestOutcome:
    """`result` is an engine.sandbox.SandboxResult (backend, exit_code, stdout, stderr,
    reason, duration_s); `bars` the ones the job was given, oldest first."""
    spec: CandidateSpec = request.candidate
    base = {"name": spec.name, "family": spec.family, "params": spec.params,
            "backend": result.backend, "duration_s": round(result.duration_s, 3)}
    if result.reason != "ok" or result.exit_code != 0:
        return BacktestOutcome(**base, ok=False, reason=result.reason or "exit",
                               error=_runner_error(result))
    try:
        signal = read_exposure(result.stdout, len(bars))
    except ExposureError as exc:
        return BacktestOutcome(**base, ok=False, reason="error", error=str(exc)[:300])
    dates = [b["t"][:10] for b in bars]
    close = np.array([float(b["c"]) for b in bars], dtype=float)
    card = score(dates, close, signal, split=request.split, fee_bps=request.fee_bps,
                 slippage_bps=request.slippage_bps)
    return BacktestOutcome(
        **base, ok=True, bars=len(bars),
        first_date=card["first_date"], last_date=card["last_date"],
        split_date=card["split_date"],
        full=_scores(card["full"]), in_sample=_scores(card["in_sample"]),
        out_of_sample=_scores(card["out_of_sample"]),
        signal_now=card["signal_now"],
        equity=[(str(d), float(v)) for d, v in card["equity"]],
    )


def _scores(part: dict) -> dict[str, float]:
    return {k: float(part[k]) for k in SCORE_KEYS}


def _runner_error(result) -> str:
    for line in reversed(result.stderr.strip().splitlines()):
        try:
            message = parse_json_line(line, ERROR_LINE_LIMIT)
        except ExposureError:
            continue
        if isinstance(message, dict) and message.get("error"):
            return str(message["error"])[:300]
    tail = result.stderr.strip().splitlines()[-1:] or [""]
    what = {"timeout": "the wall-clock limit stopped it", "memory": "it exceeded its memory",
            "killed": "it was killed"}.get(result.reason, f"exit code {result.exit_code}")
    return f"{what} {tail[0][:200]}".strip()
