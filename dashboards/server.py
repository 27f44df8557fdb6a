"""Serve the dashboard so that only its user can drive it: Host and Origin checked, an optional token.

Why: a Solara page is driven over a WebSocket. A browser lets any web page open a WebSocket to
``127.0.0.1``, and binding to loopback does not stop a page on ``evil.example.com`` from doing so,
nor DNS rebinding (a foreign name that resolves to 127.0.0.1). A session can run sweeps and read
files, so this server refuses, before Solara sees them:

* a ``Host`` header that names no allowed host (loopback names, plus ``--host`` when it is a
  name or address other than a wildcard): stops DNS rebinding;
* an ``Origin`` header (sent by browsers on WebSocket upgrades and cross-site requests) whose
  host and port differ from the ``Host``: stops other sites' pages;
* with a token (``--token`` or ``WELLSPREAD_DASHBOARD_TOKEN``, as Jupyter does): any request that
  carries it neither as ``?token=`` (which sets a cookie) nor as that cookie nor as an
  ``Authorization: token ...`` header. Listening on a wildcard address (``0.0.0.0``) without a token
  makes one and prints the URL that holds it.

Run with ``python -m dashboards.server`` (``wellspread dashboard`` does): it serves
``dashboards/app.py`` through ``solara.server.starlette``'s ASGI app, wrapped in ``Guard``.
"""

from __future__ import annotations

import argparse
import hmac
import os
import secrets
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

__all__ = ["Guard", "LOOPBACK", "TOKEN_ENV", "allowed_hosts", "main"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
TOKEN_ENV = "WELLSPREAD_DASHBOARD_TOKEN"
COOKIE = "wellspread_token"
APP = Path(__file__).resolve().parent / "app.py"


def _hostname(netloc: str) -> str:
    """``'[::1]:8765'`` -> ``'::1'``, ``'localhost:8765'`` -> ``'localhost'`` (lower case)."""
    try:
        return (urlsplit("//" + netloc).hostname or "").lower()
    except ValueError:
        return ""


def allowed_hosts(host: str) -> frozenset[str] | None:
    """Host names the server answers to when listening on ``host``; None means any (a wildcard)."""
    host = host.strip("[]").lower()
    if host in WILDCARDS:
        return None
    return LOOPBACK | {host}


class Guard:
    """ASGI middleware: refuse foreign ``Host`` and ``Origin`` headers and, with a token, requests
    without it. ``hosts=None`` accepts any Host (listening on every interface: use a token)."""

    def __init__(self, app, hosts: frozenset[str] | None = LOOPBACK, token: str | None = None):
        self.app = app
        self.hosts = hosts
        self.token = token or None

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        problem = self._problem(scope, headers, host)
        if problem is not None:
            return await self._refuse(scope, receive, send, problem)
        if self.token and scope["type"] == "http" and self._query_token(scope) == self.token:
            return await self.app(scope, receive, self._with_cookie(send))
        return await self.app(scope, receive, send)

    def _problem(self, scope, headers: dict, host: str) -> str | None:
        if self.hosts is not None and _hostname(host) not in self.hosts:
            return "foreign Host header"
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin) if origin != "null" else None
            if parts is None or parts.netloc.lower() != host.lower():
                return "cross-origin request"
        elif scope["type"] == "websocket":
            return "WebSocket without Origin"  # browsers always send one; other clients must too
        if self.token and not self._has_token(scope, headers):
            return "missing or wrong token"
        return None

    def _query_token(self, scope) -> str | None:
        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        return values[0] if values else None

    def _has_token(self, scope, headers: dict) -> bool:
        given = [self._query_token(scope)]
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie is no token
            pass
        if COOKIE in cookie:
            given.append(cookie[COOKIE].value)
        auth = headers.get("authorization", "")
        if auth.lower().startswith("token "):
            given.append(auth[6:].strip())
        return any(g is not None and hmac.compare_digest(g.encode(), self.token.encode()) for g in given)

    def _with_cookie(self, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                value = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", value.encode("latin-1"))]}
            await send(message)

        return sending

    async def _refuse(self, scope, receive, send, problem: str) -> None:
        if scope["type"] == "websocket":
            # closing before accepting makes the server answer the upgrade with 403 Forbidden
            await send({"type": "websocket.close", "code": 1008, "reason": problem})
            return
        body = f"forbidden: {problem}\n".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def solara_app(app_path: Path = APP, production: bool = True):
    """Solara's ASGI app serving ``app_path`` (environment and settings as ``solara run`` sets them)."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ["SOLARA_APP"] = str(app_path)
    import solara.server.settings as settings

    settings.main.mode = "production" if production else "development"
    from solara.server.starlette import app

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.server", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV) or None,
                        help=f"require this token (?token=..., then a cookie); also ${TOKEN_ENV}")
    args = parser.parse_args(argv)
    hosts = allowed_hosts(args.host)
    token = args.token
    if hosts is None and not token:
        token = secrets.token_urlsafe(24)  # every interface: never without a token
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = args.host, str(args.port)
    import uvicorn

    app = Guard(solara_app(), hosts=hosts, token=token)
    shown = "127.0.0.1" if hosts is None else ("[::1]" if args.host == "::1" else args.host)
    print(f"dashboard at http://{shown}:{args.port}/" + (f"?token={token}" if token else ""), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
