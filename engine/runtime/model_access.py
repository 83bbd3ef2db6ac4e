"""Can the workers of a running runtime call the model? Asked of the workers themselves.

A CLI attached to a runtime started elsewhere (`harness up` in another terminal, a
service) does not share its workers' environment: its own OPENAI_API_KEY proves nothing.
Each worker records, in its ready file, which providers it can call (booleans from
engine.validation.model_access, never a key); this module reads those records through
runtime.json and names the process that lacks what the model needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.runtime.state import RuntimeInfo
from engine.validation import MODEL_NEEDS, InvalidInput, check_model_name


@dataclass(frozen=True)
class WorkerAccess:
    name: str
    pid: int
    access: dict[str, bool]


def recorded_access(info: RuntimeInfo) -> list[WorkerAccess]:
    """The supervised workers that are up and said what they can call (a worker that is
    restarting, or predates the record, is left out)."""
    found = []
    for name, record in sorted(info.services.items()):
        path, pid = record.get("ready_file"), record.get("pid")
        if not path or pid is None:
            continue  # not a worker, or not running
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        access = data.get("model_access") if isinstance(data, dict) else None
        if data.get("pid") == pid and isinstance(access, dict):
            found.append(WorkerAccess(name, pid, {k: bool(v) for k, v in access.items()}))
    return found


def check_runtime_model_access(model: str, info: RuntimeInfo) -> list[str]:
    """Refuse (InvalidInput) a model no worker of `info` can call, naming each worker
    that lacks it; return warnings when only some lack it, or when none said."""
    provider, _ = check_model_name(model)
    if provider == "offline":
        return []
    workers = recorded_access(info)
    where = f"the runtime of {info.home} (supervisor pid {info.supervisor_pid})"
    if not workers:
        return [f"no worker of {where} says whether it can call {provider} models: the "
                f"worker that runs this agent needs {MODEL_NEEDS[provider]}"]
    lacking = [w for w in workers if not w.access.get(provider)]
    named = ", ".join(f"{w.name} (pid {w.pid})" for w in lacking)
    if len(lacking) == len(workers):
        raise InvalidInput("model", model, f"{provider} models need {MODEL_NEEDS[provider]} "
                           f"in the worker that calls them: {named} of {where} lack it (this "
                           "command's own environment does not count); restart that runtime "
                           "with it")
    if lacking:
        return [f"{named} of {where} cannot call {provider} models (no "
                f"{MODEL_NEEDS[provider]}): an agent that moves there cannot call its model"]
    return []
