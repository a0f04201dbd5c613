"""Local stand-ins for the chat robots' webhooks and an SMTP server."""

import json
import socketserver
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args):
        pass


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    received: list = []

    def handle(self):
        self.wfile.write(b"220 test\r\n")
        rcpt, data = [], None
        while line := self.rfile.readline():
            cmd = line.strip().upper()
            if data is not None:
                if line == b".\r\n":
                    self.received.append((rcpt, message_from_bytes(b"".join(data))))
                    rcpt, data = [], None
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
            elif cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif cmd.startswith(b"RCPT"):
                rcpt.append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
                self.wfile.write(b"250 ok\r\n")
            elif cmd == b"DATA":
                data = []
                self.wfile.write(b"354 go\r\n")
            elif cmd == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def servers():
    _Hook.received, _Smtp.received = [], []
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    for s in (http, smtp):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.server_address[1]}", smtp.server_address[1]
    for s in (http, smtp):
        s.shutdown()
        s.server_close()
