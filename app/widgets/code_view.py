"""Read-only code for a human to review: a strategy's source, or a unified diff with its
added and removed lines coloured. Monospace, no wrapping (indentation is meaning)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFontDatabase, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit


class _DiffColours(QSyntaxHighlighter):
    def __init__(self, document) -> None:
        super().__init__(document)
        self._formats = {}
        for start, colour in (("+", "#1b5e20"), ("-", "#b71c1c"), ("@", "#0d47a1")):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            self._formats[start] = fmt

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if text[:3] in ("+++", "---"):
            return
        fmt = self._formats.get(text[:1])
        if fmt is not None:
            self.setFormat(0, len(text), fmt)


class CodeView(QPlainTextEdit):
    def __init__(self, text: str, *, diff: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlainText(text)
        self._colours = _DiffColours(self.document()) if diff else None
