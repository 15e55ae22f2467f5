"""A recording HTTP server on 127.0.0.1 with scripted failures; the providers' stand-ins build on it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

Answer = Tuple[int, Dict[str, Any]]


@dataclass
class Call:
    method: str
    path: str
    headers: Dict[str, str]
    body: Any


@dataclass
class StandIn:
    """`answer(call) -> (status, json)` decides the reply; `fail_next` queues scripted errors first."""

    answer: Callable[[Call], Answer]
    calls: List[Call] = field(default_factory=list)
    failures: List[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(self, *answers: Answer) -> None:
        with self.lock:
            self.failures.extend(answers)

    def recorded(self, path_end: str = "") -> List[Call]:
        with self.lock:
            return [c for c in self.calls if c.path.endswith(path_end)]

    def wait_for(self, predicate: Callable[[List[Call]], bool], timeout: float = 30.0) -> List[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                calls = list(self.calls)
            if predicate(calls):
                return calls
            time.sleep(0.05)
        raise AssertionError(f"the stand-in did not see the expected calls within {timeout} s: {calls[-5:]}")

    def start(self) -> "StandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                call = Call("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with standin.lock:
                    standin.calls.append(call)
                    scripted = standin.failures.pop(0) if standin.failures else None
                status, payload = scripted or standin.answer(call)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
