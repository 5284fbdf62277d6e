"""A small fault-injecting reverse proxy in front of the real backend (test code only).

Everything is forwarded unchanged, except that ``POST /api/tickets`` — the delivery of an
appeal — meets the current fault:

- ``pass``: forwarded;
- ``down``: every request (not only deliveries) gets its connection closed unanswered,
  as when the backend's host is unreachable;
- ``500``: answered ``500`` without reaching the backend;
- ``slow``: held ``slow_seconds`` (longer than the client's 4-second timeout), then forwarded;
- ``slow_all``: every request (not only deliveries) held ``slow_seconds``, then forwarded;
- ``hold``: held until :meth:`FaultProxy.release`, then dropped without reaching the backend;
- ``corrupt_uscc``: forwarded with a credit code the backend refuses (``91AB0100M000100Y4T``),
  the disagreement between bot and backend that issue 7 removed.

Deliveries that reached the backend are counted per ``Idempotency-Key``.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultProxy:
    def __init__(self, port: int, backend_port: int) -> None:
        self.backend_port = backend_port
        self.mode = "pass"
        self.slow_seconds = 6.0
        self.forwarded: Counter[str] = Counter()
        self.held = threading.Event()
        """Set when a delivery is being held (mode ``hold``)."""
        self._release = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _relay(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FaultProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def set(self, mode: str) -> None:
        self.mode = mode
        self.held.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body: Optional[bytes] = request.rfile.read(length) if length else None
        delivery = request.command == "POST" and request.path.split("?")[0] == "/api/tickets"
        mode = self.mode
        if mode == "down":
            request.close_connection = True
            return
        if delivery and mode == "500":
            self._answer(request, 500, b'{"detail": "injected failure"}')
            return
        if delivery and mode == "hold":
            self.held.set()
            self._release.wait(timeout=120)
            request.close_connection = True
            return
        if (delivery and mode == "slow") or mode == "slow_all":
            time.sleep(self.slow_seconds)
        if delivery and mode == "corrupt_uscc" and body:
            payload = json.loads(body)
            payload["credit_code"] = "91AB0100M000100Y4T"
            body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.backend_port, timeout=30)
            connection.request(request.command, request.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except OSError:
            self._answer(request, 502, b'{"detail": "backend unreachable"}')
            return
        if delivery:
            with self._lock:
                self.forwarded[request.headers.get("Idempotency-Key", "")] += 1
        try:
            request.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_HEADERS:
                    request.send_header(name, value)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (the timeout fault): the backend has it all the same
        finally:
            connection.close()

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
