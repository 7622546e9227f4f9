"""`minhu run` works against any Bot-API-compatible server, even one without command menus."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOKEN = "4242:MINIMAL-server-token"
USER = {"id": 31337, "is_bot": False, "first_name": "Lin", "language_code": "zh-hans"}


class MinimalBotApi:
    """Only getMe, deleteWebhook, getUpdates and sendMessage; everything else is a 404."""

    def __init__(self) -> None:
        self.updates = [
            {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": USER["id"], "type": "private"},
                    "from": USER,
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
        ]
        self.sent: list[dict[str, Any]] = []
        self.replied = threading.Event()
        self.refused: list[str] = []

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {"id": 4242, "is_bot": True, "first_name": "Minhu", "username": "m_bot"},
            }
        if method == "deleteWebhook":
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if not pending:
                self.replied.wait(0.2)  # a short long-poll
            return 200, {"ok": True, "result": pending}
        if method == "sendMessage":
            self.sent.append(params)
            self.replied.set()
            return 200, {
                "ok": True,
                "result": {
                    "message_id": len(self.sent) + 1,
                    "date": 0,
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "text": params["text"],
                },
            }
        self.refused.append(method)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


def serve(api: MinimalBotApi) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            ctype = self.headers.get("Content-Type", "")
            params = json.loads(body) if body and "json" in ctype else {}
            if body and "x-www-form-urlencoded" in ctype:
                from urllib.parse import parse_qsl

                params = dict(parse_qsl(body.decode()))
            status, answer = api.handle(self.path.rsplit("/", 1)[-1], params)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_polling_against_a_minimal_server(tmp_path: Path) -> None:
    api = MinimalBotApi()
    server = serve(api)
    port = server.server_address[1]
    subprocess.run(
        [sys.executable, "-m", "bot", "seed-demo"],
        cwd=tmp_path,
        check=True,
        env={**os.environ, "MINHU_DATABASE": str(tmp_path / "m.db")},
        capture_output=True,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "MINHU_DATABASE": str(tmp_path / "m.db"),
            "MINHU_TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
        },
    )
    try:
        assert api.replied.wait(60), "the bot never answered /start"
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        server.shutdown()
    assert "隐私说明" in api.sent[0]["text"]
    assert "setMyCommands" in api.refused
    assert "could not set the default command menu" in stderr
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
    assert proc.returncode == 0
