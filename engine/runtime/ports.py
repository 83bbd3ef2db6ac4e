"""Free loopback ports, chosen by us so every address is known before any child starts.

Knowing the addresses up front is what lets the three children start in parallel: the
worker is told the server's address at spawn time and simply retries until it answers.
"""

from __future__ import annotations

import socket
from contextlib import ExitStack

LOOPBACK = "127.0.0.1"


def free_loopback_ports(count: int) -> list[int]:
    """Return `count` distinct ports that were free on 127.0.0.1 a moment ago.

    All sockets stay open until every port is picked, so the kernel cannot hand out the
    same port twice. There is an unavoidable window between closing and the child binding;
    on a single-user loopback that race is theoretical, and a bind failure shows up as a
    child that exits during start-up (reported with its log tail).
    """
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            ports.append(sock.getsockname()[1])
        return ports


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port (a cheap pre-probe)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
