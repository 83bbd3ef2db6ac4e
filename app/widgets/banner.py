"""A one-line coloured banner at the top of the window: recovery narration, errors,
results of requests. The latest message is shown; every message is kept in a log (the
"Log" button), so an "ok" that replaces an error never hides it: the button counts the
errors not yet seen. The same message repeated within a minute is logged once. A message
takes one line, cut with "…" if it is longer (whole on hover and in the Log): a crash's
narration wrapped to five lines and pushed the chart down to half its height."""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from app.theme import background, tone

LOG_SIZE = 500
REPEAT_S = 60.0


class OneLineLabel(QLabel):
    """A label that keeps its whole text (text()) but paints one line, elided to its width;
    it never asks the layout for more than one line, nor for the width of its longest word."""

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height())

    def sizeHint(self) -> QSize:
        # Modest: a toolbar moves a widget wider than itself into its overflow menu.
        return QSize(min(self.fontMetrics().horizontalAdvance(self.text()), 320),
                     self.fontMetrics().height())

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft
                                                  | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text())


class Banner(QWidget):
    visibility_changed = Signal(bool)  # its holder (a full-width bar) shows and hides with it

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.label = OneLineLabel()
        self.label.setAccessibleName("Latest message")
        self.log: deque[tuple[float, str, str]] = deque(maxlen=LOG_SIZE)
        self.unseen_errors = 0
        self.log_button = QToolButton()
        self.log_button.setText("Log")
        self.log_button.setAccessibleName("Message log")
        self.log_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._menu = QMenu(self)
        self._list = QListWidget()
        self._list.setMinimumSize(640, 260)
        holder = QWidgetAction(self._menu)
        holder.setDefaultWidget(self._list)
        self._menu.addAction(holder)
        self._menu.aboutToShow.connect(self._fill_log)
        self.log_button.setMenu(self._menu)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setAccessibleName("Hide the banner")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.log_button)
        layout.addWidget(close)
        self.setAutoFillBackground(True)
        self.level = ""
        self.hide()

    def say(self, level: str, text: str) -> None:
        now = time.time()
        repeat = any(t == text and now - at < REPEAT_S for at, _lvl, t in list(self.log)[-5:])
        if not repeat:
            self.log.append((now, level, text))
            if level == "error":
                self.unseen_errors += 1
        self.setStyleSheet(f"background: {background(level)}; color: {tone(level)}; "
                           f"font-weight: 600;")
        self.level = level
        self.label.setText(text)
        self.label.setToolTip(text)
        self._update_button()
        self.show()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's name
        super().setVisible(visible)
        self.visibility_changed.emit(visible)

    def _update_button(self) -> None:
        errors = self.unseen_errors
        self.log_button.setText(f"Log ({errors} error{'s' if errors != 1 else ''})" if errors
                                else f"Log ({len(self.log)})")

    def _fill_log(self) -> None:
        self._list.clear()
        for at, level, text in reversed(self.log):
            item = QListWidgetItem(f"{time.strftime('%H:%M:%S', time.localtime(at))}  "
                                   f"{level:5}  {text}")
            self._list.addItem(item)
        self.unseen_errors = 0
        self._update_button()

    def messages(self) -> list[tuple[str, str]]:
        return [(level, text) for _at, level, text in self.log]
