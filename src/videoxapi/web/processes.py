"""Several uvicorn worker processes sharing one listening socket."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def run_processes(factory: str, *, workers: int, host: str, port: int) -> None:
    """Serve the app that `factory` ("module:function") builds, in `workers` processes,
    until interrupted."""
    config = uvicorn.Config(
        factory,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )
    Multiprocess(config, sockets=[listening_socket(host, port)]).run()


def listening_socket(host: str, port: int) -> socket.socket:
    """The shared socket, made with the TCP protocol number: uvicorn's own has none, and
    asyncio then leaves Nagle's algorithm on for every connection, so each response
    waited about 40 ms for a delayed ACK."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock
