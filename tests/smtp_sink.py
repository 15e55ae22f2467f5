"""A real SMTP server on 127.0.0.1 for tests: receives messages and keeps them."""

from __future__ import annotations

import socketserver
import threading
from typing import Dict, List


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to receive one message per transaction."""

    def handle(self) -> None:
        server: "LocalSMTPServer" = self.server  # type: ignore[assignment]
        self.reply("220 localhost test SMTP")
        envelope: Dict = {"from": None, "to": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].split()[0].strip("<>"), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self.read_data()
                if server.reject_data:
                    self.reply("554 Transaction failed: rejected by test")
                else:
                    server.received.append({**envelope, "data": data})
                    self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def read_data(self) -> bytes:
        lines: List[bytes] = []
        while True:
            line = self.rfile.readline()
            if line in (b".\r\n", b""):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)  # dot-unstuffing

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")


class LocalSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received: List[Dict] = []
        self.reject_data = False

    @property
    def port(self) -> int:
        return self.server_address[1]


def start_smtp_sink() -> LocalSMTPServer:
    server = LocalSMTPServer()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def stop_smtp_sink(server: LocalSMTPServer) -> None:
    server.shutdown()
    server.server_close()
