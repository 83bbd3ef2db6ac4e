"""Numbers as a trader reads them: dollars with cents, signed P&L, percent."""

from __future__ import annotations

from PySide6.QtGui import QColor

GAIN = QColor("#1b7f3b")
LOSS = QColor("#c62828")


def money(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def signed_money(value: float) -> str:
    return ("+" if value > 0 else "") + money(value)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}%"


def ratio_pct(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


def pnl_colour(value: float) -> QColor | None:
    return GAIN if value > 0 else LOSS if value < 0 else None


def describe_error(exc: BaseException) -> str:
    """An exception in one line for the window: its type, then its message."""
    text = str(exc) or type(exc).__name__
    return text if text.startswith(type(exc).__name__) else f"{type(exc).__name__}: {text}"
