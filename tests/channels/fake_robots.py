"""Local HTTP servers that answer as a WeCom group robot and a DingTalk custom robot do: they check the key (and
DingTalk's signature and time), refuse the 21st message within a minute with the robots' own error codes (DingTalk
then blocks for 10 minutes), refuse markdown over 4,096 bytes, and can be told to fail with a 500 for a while."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeRobot:
    def __init__(self, kind: str, key: str = "robot-key-1", secret: str = "SECtest-secret", clock=time.time) -> None:
        self.kind, self.key, self.secret, self.clock = kind, key, secret, clock
        self.received: list[dict] = []  # the messages it accepted
        self.refused: list[tuple[int, str]] = []
        self.down_until = 0.0  # answers 500 until then
        self._sent_at: list[float] = []
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server interface)
                length = int(self.headers.get("Content-Length") or 0)
                status, answer = robot.answer(self.path, self.rfile.read(length))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        port = self.server.server_port
        if self.kind == "wecom":
            return f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={self.key}"
        return f"http://127.0.0.1:{port}/robot/send?access_token={self.key}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, raw: bytes) -> tuple[int, dict]:
        now = self.clock()
        with self._lock:
            if now < self.down_until:
                return 500, {}
            query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            refusal = self._check(query, now)
            if refusal is None:
                message = json.loads(raw)
                content = message["markdown"]["content" if self.kind == "wecom" else "text"]
                if len(content.encode()) > 4096:
                    refusal = (40058, "markdown.content exceed max length 4096")
            if refusal is None:
                self._sent_at = [t for t in self._sent_at if t > now - 60]
                if now < self._blocked_until or len(self._sent_at) >= 20:
                    if self.kind == "dingtalk" and now >= self._blocked_until:
                        self._blocked_until = now + 600
                    refusal = (45009, "api freq out of limit") if self.kind == "wecom" else (130101, "send too fast, exceed 20 times per minute")
            if refusal is not None:
                self.refused.append(refusal)
                return 200, {"errcode": refusal[0], "errmsg": refusal[1]}
            self._sent_at.append(now)
            self.received.append({"at": now, **message})
            return 200, {"errcode": 0, "errmsg": "ok"}

    def _check(self, query: dict, now: float) -> tuple[int, str] | None:
        if self.kind == "wecom":
            return None if query.get("key") == self.key else (93000, "invalid webhook url")
        if query.get("access_token") != self.key:
            return (300001, "token is not exist")
        try:
            timestamp = int(query.get("timestamp", ""))
        except ValueError:
            return (310000, "invalid timestamp")
        if abs(now * 1000 - timestamp) > 3600 * 1000:
            return (310000, "invalid timestamp")
        expected = base64.b64encode(hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()).decode()
        return None if query.get("sign") == expected else (310000, "sign not match")
