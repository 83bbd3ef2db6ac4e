"""Agent and settings dialogs, driven by clicking and typing, fake controller."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app import app_settings
from app.dialogs.limits import LimitsDialog
from app.dialogs.new_agent import NewAgentDialog
from app.dialogs.settings import SettingsDialog
from app.dialogs.steer import SteerDialog
from engine.contracts import AgentConfig
from tests.app.conftest import state

click = Qt.MouseButton.LeftButton


def test_new_agent_is_validated_in_the_form_then_started(controller, qtbot, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv(app_settings.CONFIG_ENV, str(tmp_path / "app.json"))
    app_settings.save(app_settings.AppSettings(tick_interval_s=2.5))
    dialog = NewAgentDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.symbols["AAPL"], click)  # unchecks the only symbol
    assert not dialog.ok.isEnabled() and "Symbols" in dialog.error.text()
    qtbot.mouseClick(dialog.symbols["MSFT"], click)
    dialog.model.setEditText("")
    qtbot.keyClicks(dialog.model.lineEdit(), "gpt-4o")  # no provider prefix
    assert not dialog.ok.isEnabled() and "Model" in dialog.error.text()
    dialog.model.setEditText("")
    qtbot.keyClicks(dialog.model.lineEdit(), "openai:gpt-4o-mini")
    assert dialog.ok.isEnabled()
    assert "agent-test" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.previous.setCurrentIndex(dialog.previous.findData("pause"))  # the running one?
    qtbot.mouseClick(dialog.ok, click)
    [(config, previous)] = controller.called("new_agent")
    assert previous == "pause", "the dialog asked what becomes of the agent shown now"
    assert config["symbols"] == ["MSFT"] and config["model"] == "openai:gpt-4o-mini"
    assert config["tick_interval_s"] == 2.5, "the settings' default"
    assert config["approval_policy"] == "wait", "a window's agent gives the human time"
    assert AgentConfig(**config).start_date == "2004-01-02"  # the engine accepts it as is


def test_risk_limits_show_the_validators_refusal_inline(controller, qtbot):
    controller.state = state()
    dialog = LimitsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.inputs["max_position_pct"].value() == pytest.approx(40.0)  # shown in %
    dialog.inputs["approval_notional"].setValue(50_000)
    qtbot.mouseClick(dialog.apply, click)
    [(sent,)] = controller.called("set_limits")
    assert sent["approval_notional"] == 50_000 and sent["max_position_pct"] == pytest.approx(0.4)
    controller.request_failed.emit("set_limits", "approval threshold $50,000.00 is above ...")
    assert dialog.isVisible() and "approval threshold" in dialog.error.text()
    assert dialog.apply.isEnabled()
    controller.request_done.emit("set_limits", "risk limits updated")
    assert not dialog.isVisible()


def test_steer_sends_the_note(controller, qtbot):
    dialog = SteerDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.send.isEnabled()
    qtbot.keyClicks(dialog.note, "Be cautious with AAPL")
    qtbot.mouseClick(dialog.send, click)
    assert controller.called("steer") == [("Be cautious with AAPL",)]


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_settings_validate_each_field_and_keep_the_key_out_of_files(
        qtbot, tmp_path, monkeypatch, memory_keyring):
    monkeypatch.setenv(app_settings.CONFIG_ENV, str(tmp_path / "app.json"))
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.mode.setCurrentText("remote")
    qtbot.keyClicks(dialog.address, "not an address")
    assert dialog.save() is False
    assert dialog.errors["temporal_address"].isVisible()
    assert not dialog.errors["namespace"].isVisible()
    assert not (tmp_path / "app.json").exists()

    dialog.address.clear()
    qtbot.keyClicks(dialog.address, "my-ns.tmprl.cloud:7233")
    dialog.approval.setValue(30_000)  # above the per-order limit: refused, field by field
    assert dialog.save() is False
    assert dialog.errors["approval_notional"].isVisible()
    assert not dialog.errors["temporal_address"].isVisible()
    dialog.approval.setValue(5_000)
    dialog.model.setEditText("openai:gpt-4o-mini")
    secret = "sk-test-" + "z9" * 12
    qtbot.keyClicks(dialog.api_key, secret)
    temporal_secret = "tmprl-" + "k7" * 12
    qtbot.mouseClick(dialog.tls, click)
    qtbot.keyClicks(dialog.temporal_key, temporal_secret)
    assert dialog.save() is True
    saved = (tmp_path / "app.json").read_text()
    assert secret not in saved and temporal_secret not in saved
    assert memory_keyring.store[("durable-agentic-harness", "temporal")] == temporal_secret
    assert dialog.temporal_key.text() == ""
    assert json.loads(saved)["temporal_address"] == "my-ns.tmprl.cloud:7233"
    assert memory_keyring.store[("durable-agentic-harness", "openai")] == secret
    assert dialog.api_key.text() == ""
    assert app_settings.load().temporal_mode == "remote"


def test_a_remote_target_reaches_the_client_through_the_environment(memory_keyring):
    memory_keyring.store[("durable-agentic-harness", "temporal")] = "tmprl-key"
    remote = app_settings.AppSettings(temporal_mode="remote", temporal_tls=True,
                                      temporal_address="ns.tmprl.cloud:7233", namespace="ns")
    env: dict[str, str] = {}
    assert app_settings.apply_temporal_target(remote, env) == {
        "temporal_address": "ns.tmprl.cloud:7233", "namespace": "ns"}
    assert env == {"HARNESS_TEMPORAL_TLS": "true", "TEMPORAL_API_KEY": "tmprl-key"}
    embedded: dict[str, str] = {}
    assert app_settings.apply_temporal_target(app_settings.AppSettings(), embedded) == {}
    assert embedded == {}


def test_settings_shape_the_agent_the_window_starts(tmp_path, monkeypatch):
    from app.defaults import window_agent

    chosen = app_settings.AppSettings(model="offline-analyst", tick_interval_s=0.5,
                                      max_order_notional=20_000, approval_notional=5_000)
    config = window_agent(chosen)
    assert config.tick_interval_s == 0.5 and config.approval_policy == "wait"
    assert (config.limits.max_order_notional, config.limits.approval_notional) == (20_000, 5_000)
    assert config.limits.allowed_symbols == ["AAPL", "MSFT", "IBM", "GOOG"], "the rest kept"


def test_new_agent_discovery_option_is_validated_and_sent(controller, qtbot, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv(app_settings.CONFIG_ENV, str(tmp_path / "app.json"))
    dialog = NewAgentDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.discover.isChecked() and dialog.ok.isEnabled(), "on by default"
    assert dialog.sandbox.currentText() == "auto"
    dialog.candidates.clear()
    qtbot.keyClicks(dialog.candidates, "65")  # above the engine's limit
    assert not dialog.ok.isEnabled() and "Candidates: 1 to 64" in dialog.error.text()
    dialog.candidates.clear()
    qtbot.keyClicks(dialog.candidates, "0")
    assert not dialog.ok.isEnabled() and "Candidates" in dialog.error.text()
    qtbot.mouseClick(dialog.discover, click)  # off: its fields no longer matter
    assert dialog.ok.isEnabled() and not dialog.candidates.isEnabled()
    assert not dialog.sandbox.isEnabled()
    assert dialog.values()["discovery"] is None
    qtbot.mouseClick(dialog.discover, click)
    dialog.candidates.clear()
    qtbot.keyClicks(dialog.candidates, "8")
    dialog.sandbox.setCurrentText("bwrap")
    assert dialog.ok.isEnabled() and dialog.error.text() == ""
    assert "agent-test" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.previous.setCurrentIndex(dialog.previous.findData("pause"))  # the running one?
    qtbot.mouseClick(dialog.ok, click)
    [(config, previous)] = controller.called("new_agent")
    assert previous == "pause", "the dialog asked what becomes of the agent shown now"
    assert config["discovery"] == {"candidates": 8, "sandbox": "bwrap"}
    engine_config = AgentConfig(**config)  # the engine accepts it as is
    assert (engine_config.discovery.candidates, engine_config.discovery.sandbox) == (8, "bwrap")


def test_new_agent_without_discovery_starts_none(controller, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(app_settings.CONFIG_ENV, str(tmp_path / "app.json"))
    dialog = NewAgentDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.discover, click)
    assert "agent-test" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.previous.setCurrentIndex(dialog.previous.findData("pause"))  # the running one?
    qtbot.mouseClick(dialog.ok, click)
    [(config, previous)] = controller.called("new_agent")
    assert previous == "pause", "the dialog asked what becomes of the agent shown now"
    assert config["discovery"] is None and AgentConfig(**config).discovery is None


def test_new_agent_validate_refuses_an_unknown_sandbox():
    from app.dialogs.new_agent import validate

    values = {"symbols": ["AAPL"], "model": "offline-analyst", "starting_cash": 1.0,
              "tick_interval_s": 0.0, "discovery": {"candidates": 6, "sandbox": "podman"}}
    assert validate(values) == ["Sandbox: one of auto, docker, bwrap"]


def test_the_agent_switcher_lists_phase_and_approvals_and_switches(controller, qtbot):
    from app.dialogs.agents import AgentSwitcher

    dialog = AgentSwitcher(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    assert controller.called("list_agents") == [()]
    controller.agents_listed.emit([
        {"workflow_id": "agent-a", "phase": "awaiting-approval", "status": "running",
         "tick": 14, "equity": 101_000.0, "approvals": 2, "shown": False},
        {"workflow_id": "agent-test", "phase": "running", "status": "running", "tick": 3,
         "equity": None, "approvals": 0, "shown": True}])
    cells = [[dialog.table.item(r, c).text() for c in range(5)] for r in range(2)]
    assert cells[0] == ["agent-a", "awaiting-approval", "14", "2", "$101,000.00"]
    assert cells[1][0] == "agent-test  (shown)"
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.show_button, click)
    assert controller.called("switch_agent") == [("agent-a",)]
