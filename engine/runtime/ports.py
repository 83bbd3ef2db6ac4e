"""Free loopback ports, chosen by us so every address is known before any child starts.

Knowing the addresses up front is what lets the three children start in parallel: the
worker is told the server's address at spawn time and simply retries until it answers.
"""

from __future__ import annotations

import socket
from collections.abc import Collection
from contextlib import ExitStack

LOOPBACK = "127.0.0.1"


def free_loopback_ports(count: int, avoid: Collection[int] = ()) -> list[int]:
    """Return `count` distinct ports that were free on 127.0.0.1 a moment ago, none of them
    in `avoid` (ports already promised elsewhere, such as a fixed Mockoon port: free now
    because nothing listens on it yet, so the kernel may well hand it out; CI saw the dev
    server take it, and Mockoon then failed with "Port ... is already in use").

    All sockets stay open until every port is picked, so the kernel cannot hand out the
    same port twice. There is an unavoidable window between closing and the child binding;
    on a single-user loopback that race is rare, and a bind failure shows up as a child that
    exits during start-up (reported with its log tail).
    """
    with ExitStack() as stack:
        ports: list[int] = []
        while len(ports) < count:
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            port = sock.getsockname()[1]
            if port not in avoid:  # else held open, so that the next bind gets another
                ports.append(port)
        return ports


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port (a cheap pre-probe)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
