"""Remote mode: given a cluster address, no dev server is started; everything else works."""

from __future__ import annotations

from pathlib import Path

from engine.runtime.state import RuntimeInfo
from engine.runtime.supervisor import Supervisor
from tests.runtime.helpers import status_json


def test_a_remote_cluster_is_used_not_started(runtime: RuntimeInfo, tmp_path: Path) -> None:
    # The session runtime's dev server stands in for a remote cluster.
    with Supervisor(tmp_path, temporal_address=runtime.temporal_address,
                    with_worker=False) as supervisor:
        info = supervisor.info
        assert info.remote_temporal and info.ui_url is None
        assert info.temporal_address == runtime.temporal_address
        assert set(info.services) == {"mockoon"}
        code, report = status_json(tmp_path)
        assert code == 0, report
        assert report["services"]["temporal"]["healthy"] is True
