"""Agent ▸ Switch agent…: every agent of this runtime with its phase, tick and open
approvals; double-click or "Show" to follow it in the window (the one shown now keeps
running: switching only changes what the window follows)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

COLUMNS = ("Agent", "Phase", "Tick", "Approvals waiting", "Equity")


class AgentSwitcher(QDialog):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Agents")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Agents of this runtime")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QLabel("Reading the agents…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.show_button = buttons.addButton("Show", QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.setAutoDefault(False)
        self.show_button.clicked.connect(self._switch)
        buttons.rejected.connect(self.close)
        self.table.doubleClicked.connect(lambda _index: self._switch())
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 360)
        self.rows: list[dict] = []
        controller.agents_listed.connect(self.show_agents)
        controller.list_agents()

    def show_agents(self, rows: list[dict]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            name = row["workflow_id"] + ("  (shown)" if row.get("shown") else "")
            equity = f"${row['equity']:,.2f}" if row.get("equity") is not None else "—"
            for c, text in enumerate((name, row["phase"] or row["status"],
                                      str(row["tick"] if row["tick"] is not None else "—"),
                                      str(row["approvals"]), equity)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.note.setText(f"{len(rows)} agent(s). The one shown keeps running when you "
                          f"switch.")

    def _switch(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self.controller.switch_agent(self.rows[row]["workflow_id"])
            self.close()
