"""The web process: gunicorn's asyncio worker reads every request in full, then a thread runs the Flask app.

A slow client (headers, then a body trickling in byte by byte) costs an idle socket in the event loop, not a
thread: the Flask app only ever sees complete requests, so twelve (or a thousand) slow clients cannot stall
voice, SMS, chat and the console. This is what a buffering proxy (nginx's proxy_request_buffering) does, inside
the one process `make run` starts; responses are handed back to the loop whole, so slow readers cost no thread
either. The Procfile runs `gunicorn --worker-class asgi 'webserver:create_asgi_app()'`.
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

log = logging.getLogger("hotline.web")

# Threads per worker that run the Flask app on complete requests (the database pool is sized above this);
# HOTLINE_WEB_THREADS overrides it for one deployment.
APP_THREADS = int(os.environ.get("HOTLINE_WEB_THREADS") or 8)
# A body larger than this is refused with 413 while it arrives (the app's own limit is 2 MB).
MAX_BODY_BYTES = 2 * 1024 * 1024
# The whole body must arrive within this many seconds (Twilio gives up after 15 s; a trickle is cut off).
BODY_TIMEOUT_S = 30.0


class BufferedWSGI:
    """ASGI in front of a WSGI app: buffer the whole request in the event loop, run the app in a thread pool."""

    def __init__(self, wsgi_app: Callable, *, threads: int = APP_THREADS, max_body_bytes: int = MAX_BODY_BYTES,
                 body_timeout_s: float = BODY_TIMEOUT_S):
        self.wsgi_app = wsgi_app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets here
        try:
            body = await asyncio.wait_for(self._read_body(scope, receive, send), self.body_timeout_s)
        except asyncio.TimeoutError:
            await _plain(send, 408, b"Request body too slow")
            return
        if body is None:
            return
        environ = wsgi_environ(scope, body)
        status, headers, payload = await asyncio.get_running_loop().run_in_executor(self.pool, self._run, environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _read_body(self, scope: dict, receive: Callable, send: Callable) -> bytes | None:
        """The whole body, or None when the client left or the body is too large (413 sent)."""
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _plain(send, 413, b"Request body too large")
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None  # gave up, or too slow for gunicorn's --timeout: nothing reached the app
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _plain(send, 413, b"Request body too large")
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _run(self, environ: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Call the WSGI app in a pool thread; its whole answer as (status, headers, body)."""
        started: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            if exc_info and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started["status"], started["headers"] = status, headers
            return written.append  # the legacy write() callable

        result = self.wsgi_app(environ, start_response)
        try:
            for piece in result:
                if piece:
                    written.append(piece)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        code = int(started["status"].split(" ", 1)[0])
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in started["headers"]]
        return code, headers, b"".join(written)

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _plain(send: Callable, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})


def wsgi_environ(scope: dict, body: bytes) -> dict:
    """The PEP 3333 environ of an ASGI HTTP request whose body has been read in full."""
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for key, value in scope.get("headers", ()):
        name = key.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if name == "CONTENT_LENGTH":
            continue  # the body we hand over is exactly what arrived
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
            continue
        name = "HTTP_" + name
        joiner = "; " if name == "HTTP_COOKIE" else ","
        environ[name] = f"{environ[name]}{joiner}{text}" if name in environ else text
    return environ


def create_asgi_app(threads: int = APP_THREADS) -> BufferedWSGI:
    """What the Procfile's gunicorn serves: the hotline's Flask app behind the request buffer."""
    from app import create_app
    return BufferedWSGI(create_app(), threads=threads)
