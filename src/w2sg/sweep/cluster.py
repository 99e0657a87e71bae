"""Reaching a Ray cluster: what an address looks like, and waits that end.

Ray retries an address where nothing answers for minutes; a sweep gives up after
`--ray-timeout` seconds with one line naming the address (docs/methods.md#sweeps).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable

from w2sg.errors import W2SGError

RAY_TIMEOUT = 20.0  # seconds to wait for a cluster before giving up (--ray-timeout)
_ADDRESS = re.compile(r"(ray://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")


def ray_address(address: object, name: str = "--ray") -> tuple[str, int] | None:
    """None for `auto` (a local Ray); (host, port) of a cluster address HOST:PORT or
    ray://HOST:PORT; anything else is one error saying what an address looks like."""
    if address == "auto":
        return None
    found = _ADDRESS.fullmatch(address) if isinstance(address, str) else None
    if found is None or not 0 < int(found.group(3)) < 65536:
        raise W2SGError(
            f"{name} must be auto or a cluster address HOST:PORT (or ray://HOST:PORT, port "
            f"1-65535), e.g. 10.0.0.5:6379; got {address!r}"
        )
    return found.group(2).strip("[]"), int(found.group(3))


# An HTTP/2 client preface and an empty SETTINGS frame: a gRPC server (Ray's GCS and its
# client server are) answers with a SETTINGS frame of its own (RFC 9113, section 3.4).
_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def _speaks_grpc(conn: socket.socket, seconds: float) -> bool:
    """Whether the server on `conn` answers an HTTP/2 preface with a SETTINGS frame."""
    conn.settimeout(max(0.1, seconds))
    try:
        conn.sendall(_PREFACE)
        head = b""
        while len(head) < 9:
            chunk = conn.recv(9 - len(head))
            if not chunk:
                return False
            head += chunk
    except OSError:
        return False
    return head[3] == 0x04  # the frame type: SETTINGS


def wait_for_cluster(address: str, timeout: float) -> None:
    """Return once a gRPC server (what Ray's GCS is) answers at `address`; after `timeout`
    seconds of refusals, or from a server that is not one, one error naming the address (Ray
    itself would retry for minutes)."""
    where = ray_address(address)
    if where is None:
        return
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            with socket.create_connection(where, timeout=max(0.1, min(2.0, left))) as conn:
                if _speaks_grpc(conn, deadline - time.monotonic()):
                    return
                raise W2SGError(
                    f"--ray {address}: something listens there but it is not a Ray cluster "
                    "(no gRPC answer); check the address (the head's GCS port, 6379 by default)"
                )
        except socket.gaierror as err:
            raise W2SGError(f"--ray {address}: cannot resolve the host ({err.strerror})") from None
        except OSError as err:
            why = err.strerror or type(err).__name__
        if time.monotonic() >= deadline:
            raise W2SGError(
                f"--ray {address}: no Ray cluster answered within {timeout:g} s ({why}); "
                f"start one there (ray start --head --port {where[1]}), check the address, "
                "or wait longer with --ray-timeout"
            )
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def bounded(connect: Callable[[], object], timeout: float, address: str) -> None:
    """`connect()` in a helper thread, given `timeout` seconds: something that listens at the
    address but is no Ray cluster can hold `ray.init` for minutes; its errors become one line."""
    failed: list[BaseException] = []

    def attempt() -> None:
        try:
            connect()
        except Exception as err:  # noqa: BLE001 - reported below as one line
            failed.append(err)

    thread = threading.Thread(target=attempt, daemon=True, name="w2sg-ray-connect")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise W2SGError(
            f"--ray {address}: something listens there but no Ray cluster answered within "
            f"{timeout:g} s; check the address (the GCS port, 6379 by default) or raise "
            "--ray-timeout"
        )
    if failed:
        err = failed[0]
        raise W2SGError(
            f"--ray {address}: Ray could not connect ({type(err).__name__}: "
            f"{' '.join(str(err).split())[:300]})"
        )
