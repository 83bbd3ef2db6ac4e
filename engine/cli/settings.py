"""Settings for a command attached to a runtime: the home's settings, the runtime's addresses."""

from __future__ import annotations

from pathlib import Path

from engine.config import Settings, load_settings
from engine.runtime.state import RuntimeInfo


def settings_for(info: RuntimeInfo, home: Path) -> Settings:
    return load_settings(home).model_copy(
        update={
            "temporal_address": info.temporal_address,
            "mockoon_url": info.mockoon_url,
            "namespace": info.namespace,
        }
    )
