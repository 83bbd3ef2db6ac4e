"""Does a Temporal frontend answer? One GetSystemInfo call, without Temporal's client.

`Client.connect` proves a server answers by calling WorkflowService.GetSystemInfo. This
makes that same call with plain grpcio (already the task proxy's dependency) and an empty
request, so `harness status` and every command's attach step need neither temporalio's
client (0.24 s of CPU to import on this machine, more than the rest of the command) nor
its protobuf modules: the answer's bytes are not decoded, an answer at all is the proof.

Plaintext only: this is for the dev server the runtime started on loopback. A remote
cluster (TLS, an API key) is probed with a real client (engine/runtime/temporal_server.py).
"""

from __future__ import annotations

GET_SYSTEM_INFO = "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo"


def frontend_answers(address: str, timeout: float = 2.0) -> bool:
    """True when the gRPC frontend at `address` (host:port) answers GetSystemInfo."""
    import grpc  # its fork handlers are off: engine/__init__.py

    try:
        with grpc.insecure_channel(address) as channel:
            call = channel.unary_unary(GET_SYSTEM_INFO)  # bytes in, bytes out
            call(b"", timeout=timeout)
    except grpc.RpcError:  # refused, timed out, or not a Temporal frontend
        return False
    return True
