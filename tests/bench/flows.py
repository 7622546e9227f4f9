"""Simulated users: each step is one user action followed by waiting for the bot's reply.

Reply latency is the time from sending the action to the first bot message changed after it
(the client API's long poll with ``after_seq`` taken before the action). A step is complete
when its ``done`` predicate holds on the bot messages changed since the action; only then does
the user take the next step, so late messages of one step are never counted for the next.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Msgs = list[dict[str, Any]]
Predicate = Callable[[Msgs], bool]
TICKET_RE = re.compile(r"MH-\d{4}-\d{6}")


class StepError(Exception):
    """A step failed (no reply in time, missing button, refused action)."""


def _buttons(msg: dict[str, Any]) -> list[str]:
    rows = (msg.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b.get("callback_data") or "" for row in rows for b in row]


def button(prefix: str, *, new: bool = False) -> Predicate:
    """A bot message (a new one when ``new``) has an inline button starting with ``prefix``."""
    return lambda msgs: any(
        (not new or not m.get("edited")) and any(d.startswith(prefix) for d in _buttons(m))
        for m in msgs
    )


def text_has(pattern: str) -> Predicate:
    """A bot message's text matches the regular expression ``pattern``."""
    regex = re.compile(pattern)
    return lambda msgs: any(regex.search(m.get("text") or "") for m in msgs)


def text_is(value: str) -> Predicate:
    """A bot message's text equals ``value``."""
    return lambda msgs: any(m.get("text") == value for m in msgs)


def reply_keyboard(msgs: Msgs) -> bool:
    """A bot message shows a reply keyboard."""
    return any("keyboard" in (m.get("reply_markup") or {}) for m in msgs)


def edited(msgs: Msgs) -> bool:
    """A bot message was edited (the pressed message, not a new one such as an error)."""
    return any(m.get("edited") for m in msgs)


def any_bot(msgs: Msgs) -> bool:
    """Any bot message changed."""
    return bool(msgs)


@dataclass
class Step:
    """One user action: ``kind`` is text/press/photo/location; ``arg`` text or button prefix."""

    kind: str
    arg: str
    done: Predicate


def minhu_steps(user_id: int) -> list[Step]:
    """Register (consent, zone, community, grid), then /report with a photo and a location."""
    return [
        Step("text", "/start", button("ob:agree")),
        Step("press", "ob:agree", button("ob:z:")),
        Step("press", "ob:z:", button("ob:c:")),
        Step("press", "ob:c:", button("ob:g:")),
        Step("press", "ob:g:", edited),
        Step("text", "/report", button("rp:cat:")),
        Step("press", "rp:cat:", button("rp:cancel", new=True)),
        Step("text", f"小区{user_id % 1000}号楼路灯坏了三天", button("rp:photos:done")),
        Step("photo", "", button("rp:photos:done", new=True)),
        Step("press", "rp:photos:done", reply_keyboard),
        Step("location", "", button("rp:anon:")),
        Step("press", "rp:anon:0", button("rp:confirm")),
        Step("press", "rp:confirm", text_has(TICKET_RE.pattern)),
    ]


def echo_steps(user_id: int, count: int, pattern: list[str] | None = None) -> list[Step]:
    """``count`` actions; text steps expect their echo, press steps the edit of the echo."""
    steps = []
    for i in range(count):
        if pattern and pattern[i % len(pattern)] == "press" and i > 0:
            steps.append(Step("press", "echo:", any_bot))
        else:
            text = f"echo {user_id} #{i}"
            steps.append(Step("text", text, text_is(text)))
    return steps


@dataclass
class UserResult:
    """What one simulated user achieved."""

    user_id: int
    actions: int = 0
    latencies: list[float] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)
    finished: float = 0.0  # perf_counter() when the last successful step completed
    error: str | None = None
    tickets: list[str] = field(default_factory=list)


def _action(step: Step, last: Msgs) -> tuple[str, dict[str, Any]]:
    if step.kind == "text":
        return "messages", {"text": step.arg}
    if step.kind == "photo":
        return "photos", {}
    if step.kind == "location":
        return "location", {"latitude": 30.68, "longitude": 120.03}
    for msg in reversed(last):
        for data in _buttons(msg):
            if data.startswith(step.arg):
                return "callback", {"message_id": msg["message_id"], "data": data}
    raise StepError(f"no button {step.arg!r} in the last reply")


class Driver:
    """Drives users of one bot through the client API."""

    def __init__(
        self, client: httpx.AsyncClient, bot_id: int, timeout: float, think: float = 0.0
    ) -> None:
        self.client = client
        self.bot_id = bot_id
        self.timeout = timeout
        self.think = think

    async def seq(self) -> int:
        """The emulator's current change sequence number."""
        resp = await self.client.get("/api/events", params={"after_seq": 2**62})
        return int(resp.json()["seq"])

    async def create_user(self, user_id: int, name: str) -> None:
        """Create a Chinese-speaking user."""
        resp = await self.client.post(
            "/api/users", json={"id": user_id, "first_name": name, "language_code": "zh-hans"}
        )
        if resp.status_code != 200:
            raise StepError(f"creating user {user_id}: {resp.text}")

    async def _wait(self, user_id: int, after: int, step: Step, started: float) -> tuple:
        deadline = started + self.timeout
        first: float | None = None
        min_bot = 1
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise StepError(f"no complete reply to {step.kind} {step.arg!r} in time")
            resp = await self.client.get(
                f"/api/chats/{user_id}/messages",
                params={
                    "after_seq": after,
                    "wait": f"{remaining:.3f}",
                    "min_bot": min_bot,
                    "bot": self.bot_id,
                },
            )
            body = resp.json()
            if not body.get("ok"):
                raise StepError(f"messages: {body.get('error')}")
            bot_msgs = [m for m in body["messages"] if m.get("from_bot")]
            if bot_msgs and first is None:
                first = time.perf_counter() - started
            if step.done(bot_msgs):
                assert first is not None
                return bot_msgs, int(body["seq"]), first
            min_bot = len(bot_msgs) + 1

    async def run(self, user_id: int, steps: list[Step], seq: int) -> UserResult:
        """Run ``steps`` for ``user_id`` (already created); stop at the first failure."""
        result = UserResult(user_id)
        last: Msgs = []
        try:
            for index, step in enumerate(steps):
                if self.think > 0 and index > 0:  # a human reads the reply, then acts
                    await asyncio.sleep(self.think * random.uniform(0.5, 1.5))
                path, body = _action(step, last)
                started = time.perf_counter()
                resp = await self.client.post(
                    f"/api/users/{user_id}/{path}", json={**body, "bot": self.bot_id}
                )
                if resp.status_code != 200:
                    raise StepError(f"{path} refused: {resp.text[:200]}")
                last, seq, latency = await self._wait(user_id, seq, step, started)
                result.actions += 1
                result.latencies.append(latency)
                result.finished = time.perf_counter()
                result.completions.append(result.finished - started)
                for msg in last:
                    result.tickets += TICKET_RE.findall(msg.get("text") or "")
        except (StepError, httpx.HTTPError) as exc:
            result.error = f"step {result.actions + 1}: {exc}"
        return result
