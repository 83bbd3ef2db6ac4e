"""The controller's interface as the widgets see it: signals out, plain method calls in.

The real controller (app/controller.py) and the tests' fake controller both derive from
this class, so a widget test drives exactly the surface the window uses.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ControllerSignals(QObject):
    # runtime
    services_changed = Signal(dict)  # name -> {"status", "restarts", "pid"}
    runtime_ready = Signal(dict)  # {"temporal_address", "namespace", "ui_url", "home", "owned"}
    runtime_failed = Signal(str)
    # agent
    agent_attached = Signal(str, bool)  # workflow id, started (False: re-attached)
    state_changed = Signal(object)  # engine.contracts.AgentStateView
    decisions_changed = Signal(list)  # [Decision], new or updated, any order
    agent_answering = Signal(str, bool, str)  # workflow id, answers?, why not (query timeout)
    approvals_changed = Signal(str, list)  # workflow id, [PendingApproval]: the open set
    agents_listed = Signal(list)  # [dict]: workflow_id, phase, status, tick, approvals, shown
    tick_audited = Signal(object)  # engine.audit TickAudit: why the agent did it
    model_endpoints_changed = Signal(list)  # [dict] the workers' endpoint probes
    pending_work_changed = Signal(list)  # [dict] from HarnessClient.pending_work
    discovery_changed = Signal(list)  # [DiscoveryProgress] while the agent discovers
    # answers and narration
    review_answered = Signal(str, str)  # trade id, outcome text
    review_refused = Signal(str, str)  # trade id, why (the validator's message)
    request_failed = Signal(str, str)  # action, message
    request_done = Signal(str, str)  # action, message
    notice = Signal(str, str)  # level (info|warn|error|ok), text: the banner
    crash_marked = Signal(int)  # the tick at which the worker was killed (chart marker)
    crash_proven = Signal(dict)  # after a recovery: what was in flight, orders per id

    # -- calls the widgets make (the real controller runs them asynchronously) ---------

    def review(self, request) -> None: ...  # an app.approval_request.ApprovalRequest
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def stop_agent(self) -> None: ...
    def steer(self, note: str) -> None: ...
    def set_limits(self, limits: dict) -> None: ...
    def new_agent(self, config: dict, previous: str = "keep") -> None: ...
    def list_agents(self) -> None: ...
    def switch_agent(self, workflow_id: str) -> None: ...
    def audit_tick(self, tick: int) -> None: ...
    def retry_start(self) -> None: ...
    def simulate_crash(self) -> None: ...
    def crash_next(self, activity: str) -> None: ...
    def verify_replay(self) -> None: ...
    def export_history(self, path: str) -> None: ...
    def load_earlier_run(self) -> None: ...
    def open_web_ui(self) -> None: ...
