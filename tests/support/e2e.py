"""End-to-end support: the real bot process against the emulator over real HTTP."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

TOKEN = "5550001:E2E-minhu-token-for-tests"
BOT_ID = 5550001
_user_ids = itertools.count(610001)


@dataclass
class Chat:
    """A simulated person talking to the bot through the emulator's client API."""

    client: httpx.Client
    user_id: int
    seq: int = 0
    seen: list[dict[str, Any]] = field(default_factory=list)
    bot: int = BOT_ID  # the bot talked to (several towns: several bots)

    def _after(self) -> int:
        return self.seq

    def _post(self, path: str, **body: Any) -> dict[str, Any]:
        self.seq = self.current_seq()
        response = self.client.post(
            f"/api/users/{self.user_id}/{path}", json={"bot": self.bot, **body}
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def current_seq(self) -> int:
        r = self.client.get(
            f"/api/chats/{self.user_id}/messages", params={"after_seq": 1 << 40, "bot": self.bot}
        )
        return int(r.json()["seq"])

    def say(self, text: str) -> None:
        self._post("messages", text=text)

    def photo(self) -> None:
        self._post("photos")

    def location(self, latitude: float, longitude: float) -> None:
        self._post("location", latitude=latitude, longitude=longitude)

    def contact(self, phone: str, *, owner: int | None = None) -> None:
        """Share a contact: one's own (as the "share my number" button does), or `owner`'s."""
        if owner is None:
            self._post("contact", phone_number=phone)
        else:
            self._post("contact", phone_number=phone, user_id=owner)

    def sticker(self) -> None:
        self._post("sticker")

    def voice(self, seconds: int = 3) -> None:
        self._post("voice", duration=seconds)

    def forward(self, text: str, sender: str = "邻居") -> None:
        """Forward someone else's words to the bot."""
        self._post("messages", text=text, forwarded_from=sender)

    def photo_with(self, caption: str) -> None:
        self._post("photos", caption=caption)

    def press(self, label_part: str, *, forge_data: str | None = None) -> dict[str, Any]:
        """Press the inline button whose label contains `label_part` on the latest message."""
        if forge_data is not None:
            message = self.latest_with_buttons()
            return self._post(
                "callback", message_id=message["message_id"], data=forge_data, forge=True
            )
        message = self.latest_with_buttons()
        rows = message["reply_markup"]["inline_keyboard"]
        matches = [b for row in rows for b in row if label_part in b["text"]]
        assert len(matches) == 1, f"{label_part!r} in {[b['text'] for r in rows for b in r]}"
        return self._post(
            "callback", message_id=message["message_id"], data=matches[0]["callback_data"]
        )

    def messages(self, after_seq: int = 0, wait: float = 0) -> list[dict[str, Any]]:
        r = self.client.get(
            f"/api/chats/{self.user_id}/messages",
            params={"after_seq": after_seq, "wait": wait, "bot": self.bot},
        )
        r.raise_for_status()
        return list(r.json()["messages"])

    def latest_with_buttons(self) -> dict[str, Any]:
        for message in reversed(self.messages()):
            markup = message.get("reply_markup") or {}
            if message["from_bot"] and not message.get("deleted") and markup.get("inline_keyboard"):
                return message
        raise AssertionError("no bot message with inline buttons")

    def expect(self, text: str, timeout: float = 15.0) -> dict[str, Any]:
        """Wait (long-polling, no sleeps) for a bot message since the last action with `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages(self.seq, wait=min(5.0, deadline - time.monotonic())):
                body = (message.get("text") or "") + (message.get("caption") or "")
                if message["from_bot"] and text in body:
                    return message
        raise AssertionError(
            f"no bot message containing {text!r}; got "
            f"{[m.get('text') for m in self.messages(self.seq)]}"
        )

    def wait_until(self, seen: Callable[[], object], what: str, timeout: float = 30) -> None:
        """Long-poll this chat (no sleeps) until `seen()` holds; fail with `what` if never."""
        deadline = time.monotonic() + timeout
        while not seen():
            left = deadline - time.monotonic()
            assert left > 0, what
            self.messages(self.current_seq(), wait=min(2.0, left))

    def expect_button(self, label_part: str, timeout: float = 15.0) -> None:
        """Wait (long-polling) until the latest message with buttons offers `label_part`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.latest_with_buttons()["reply_markup"]["inline_keyboard"]
            if any(label_part in b["text"] for row in rows for b in row):
                return
            self.messages(self.seq, wait=min(2.0, deadline - time.monotonic()))
            self.seq = self.current_seq()
        raise AssertionError(f"no button {label_part!r} appeared")

    def answer_of_last_press(self, query_id: str) -> dict[str, Any]:
        r = self.client.get(f"/api/callbacks/{query_id}", params={"wait": 10, "bot": self.bot})
        r.raise_for_status()
        return dict(r.json())


def new_user(client: httpx.Client, name: str, language: str = "zh-hans", bot: int = BOT_ID) -> Chat:
    uid = next(_user_ids)
    r = client.post("/api/users", json={"id": uid, "first_name": name, "language_code": language})
    r.raise_for_status()
    return Chat(client, uid, bot=bot)


@dataclass
class BotProcess:
    """`minhu run` as a real process (polling, or webhook with `webhook_port`)."""

    api_base: str
    database: Path | str  # a SQLite file, or a postgresql:// URL
    log_path: Path
    webhook_port: int | None = None
    proc: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "MINHU_TELEGRAM_API_URL": self.api_base,
            "MINHU_DATABASE": str(self.database),
            "MINHU_ADMIN_IDS": "619999",
            "MINHU_PERSISTENCE_INTERVAL": "0.2",
            "MINHU_TIMER_SWEEP": "1",
            "MINHU_CLOCK_OFFSET_FILE": str(self.offset_file),
            **self.extra_env,
        }
        if self.webhook_port:
            env |= {
                "MINHU_WEBHOOK_URL": f"http://127.0.0.1:{self.webhook_port}/hook",
                "MINHU_WEBHOOK_PORT": str(self.webhook_port),
                "MINHU_WEBHOOK_SECRET": "e2e-secret-token",
            }
        return env

    @property
    def offset_file(self) -> Path:
        return self.log_path.parent / "clock-offset"

    def advance(self, seconds: float) -> None:
        """Move the running bot's clock forward (it reads this file on every `now()`)."""
        current = float(self.offset_file.read_text()) if self.offset_file.exists() else 0.0
        self.offset_file.write_text(str(current + seconds))

    def start(self) -> BotProcess:
        args = [sys.executable, "-m", "bot", "run"] + (["--webhook"] if self.webhook_port else [])
        start = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(args, env=self.env(), stdout=log, stderr=log)
        self._wait_ready(start)
        return self

    def _wait_ready(self, offset: int, timeout: float = 60.0) -> None:
        """Until this process logs that it started (or dies, which fails the test)."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.log_path.open("rb") as f:
                f.seek(offset)
                if b"Application started" in f.read():
                    return
            try:
                code = self.proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"the bot exited with {code}:\n{self.log_path.read_text()}")
        raise AssertionError(f"the bot did not start:\n{self.log_path.read_text()}")

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        self.proc = None
        return code

    def restart(self, **env: str) -> None:
        """Stop cleanly (exit code 0), set `env`, and start again."""
        assert self.stop() == 0
        self.extra_env.update(env)
        self.start()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None

    def seed(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "bot", "seed-demo"],
            env=self.env(),
            check=True,
            capture_output=True,
        )
