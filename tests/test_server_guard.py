"""The dashboard server refuses what is not its user's browser: foreign Host, cross-origin WebSocket, no token.

Issue 15: ``Origin: http://evil.example.com`` used to get ``101 Switching Protocols``. Here the real
server (``python -m dashboards.server``, what ``wellspread dashboard`` starts) is asked over raw
sockets, as a browser or a rebinding attacker would ask it; ``Guard`` alone is checked in-process.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboards.server import Guard, allowed_hosts

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ask(port: int, lines: list[str]) -> str:
    """Send a raw HTTP/1.1 request; the response head."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode("latin-1")


def _get(port, host, path="/", extra=()):
    return _ask(port, [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close", *extra])


def _upgrade(port, host, origin, path="/jupyter/api/kernels/k/channels?session_id=s"):
    key = base64.b64encode(os.urandom(16)).decode()
    return _ask(port, [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
                       f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", f"Origin: {origin}"])


def _status(head: str) -> int:
    return int(head.split(" ", 2)[1])


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    env.pop("WELLSPREAD_DASHBOARD_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "dashboards.server", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read())
            time.sleep(0.3)
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_page_works_from_127_0_0_1_and_localhost(server):
    for host in (f"127.0.0.1:{server}", f"localhost:{server}"):
        head = _get(server, host)
        assert _status(head) == 200, head


def test_foreign_host_header_is_refused(server):
    assert _status(_get(server, "evil.example.com")) == 403
    assert _status(_get(server, f"rebind.example.com:{server}")) == 403


def test_cross_origin_websocket_upgrade_is_refused(server):
    host = f"127.0.0.1:{server}"
    head = _upgrade(server, host, "http://evil.example.com")
    assert _status(head) == 403, head
    assert _status(_upgrade(server, host, f"http://localhost:{server}")) == 403  # another origin, same machine


def test_same_origin_websocket_upgrade_is_accepted(server):
    head = _upgrade(server, f"127.0.0.1:{server}", f"http://127.0.0.1:{server}")
    assert _status(head) == 101, head


# --------------------------------------------------------------------------- Guard in-process


async def _plain_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _call(guard, host, query=b"", headers=()):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "query_string": query,
             "headers": [(b"host", host.encode()), *((k.encode(), v.encode()) for k, v in headers)]}
    # its own thread and loop: browser tests may leave an event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, guard(scope, receive, send)).result()
    return sent[0]


def test_token_is_needed_then_kept_as_a_cookie():
    guard = Guard(_plain_app, token="s3cret")
    assert _call(guard, "127.0.0.1:1")["status"] == 403
    assert _call(guard, "127.0.0.1:1", b"token=wrong")["status"] == 403
    start = _call(guard, "127.0.0.1:1", b"token=s3cret")
    assert start["status"] == 200
    cookie = dict(start["headers"])[b"set-cookie"].decode()
    assert cookie.startswith("wellspread_token=s3cret") and "HttpOnly" in cookie
    assert _call(guard, "127.0.0.1:1", headers=[("cookie", "wellspread_token=s3cret")])["status"] == 200
    assert _call(guard, "127.0.0.1:1", headers=[("authorization", "token s3cret")])["status"] == 200


def test_allowed_hosts_follow_the_listening_address():
    assert allowed_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert "box.lan" in allowed_hosts("box.lan")
    assert allowed_hosts("0.0.0.0") is None  # every interface: any Host, and main() insists on a token
    guard = Guard(_plain_app, hosts=allowed_hosts("box.lan"))
    assert _call(guard, "box.lan:8765")["status"] == 200
    assert _call(guard, "evil.example.com")["status"] == 403
