"""Simulated users: each step is one user action followed by waiting for the bot's reply.

Two latencies per step, both from sending the action: to the first bot message changed after
it ("first answer"), and to the moment the step's ``done`` predicate holds on the bot messages
changed since the action ("step complete": the last message the user waits for before they
can act, e.g. the next question after an edited one). Only then does the user take the next
step, so late messages of one step are never counted for the next.

Descriptions are unique per user and run (each names the user's own building, and buildings
that differ are different problems to Minhu's "me too" search); should Minhu still offer to
join a similar complaint, the user answers as a real one whose problem is a new one would:
"not the same" (a detour step, counted as an action).
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storage.demo_places import centre

from .client import HttpError, LeanClient

Msgs = list[dict[str, Any]]
Predicate = Callable[[Msgs], bool]
TICKET_RE = re.compile(r"MH-\d{4}-\d{6}")
HOME = centre("SQ-01-01")  # the first grid, where every simulated resident registers


class StepError(Exception):
    """A step failed (no reply in time, missing button, refused action)."""


def _buttons(msg: dict[str, Any]) -> list[str]:
    rows = (msg.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b.get("callback_data") or "" for row in rows for b in row]


def button(prefix: str, *, without: str | None = None) -> Predicate:
    """A bot message has an inline button starting with ``prefix`` (and none starting with
    ``without``: the question answered, still showing its choices, is not the next one)."""

    def found(msgs: Msgs) -> bool:
        for m in msgs:
            data = _buttons(m)
            if any(d.startswith(prefix) for d in data) and not (
                without and any(d.startswith(without) for d in data)
            ):
                return True
        return False

    return found


def either(*predicates: Predicate) -> Predicate:
    """Any of the predicates holds."""
    return lambda msgs: any(p(msgs) for p in predicates)


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


def any_bot(msgs: Msgs) -> bool:
    """Any bot message changed."""
    return bool(msgs)


@dataclass
class Step:
    """One user action: ``kind`` is text/press/photo/location; ``arg`` text or button prefix.

    ``detour``: a step taken next only when the reply offers its button (see "me too")."""

    kind: str
    arg: str
    done: Predicate
    detour: Step | None = None


NOT_THE_SAME = Step("press", "rp:new", button("rp:anon:"))


def description(user_id: int) -> str:
    """A report unique to the user (and the run: user ids are never reused in one bench)."""
    return f"{user_id}号楼门口路灯坏了三天，晚上看不见路"


def minhu_steps(user_id: int) -> list[Step]:
    """Register (consent, zone, community, grid), then /report with a photo and a location."""
    return [
        Step("text", "/start", button("ob:agree")),
        Step("press", "ob:agree", button("ob:z:")),
        Step("press", "ob:z:", button("ob:c:")),
        Step("press", "ob:c:", button("ob:g:")),
        Step("press", "ob:g:", text_has("/report")),  # registered: what they can do now
        Step("text", "/report", button("rp:cat:")),
        Step("press", "rp:cat:", button("rp:cancel", without="rp:cat:")),
        Step("text", description(user_id), button("rp:photos:done")),
        Step("photo", "", button("rp:photos:done")),
        Step("press", "rp:photos:done", reply_keyboard),
        Step(
            "location",
            "",
            either(button("rp:anon:"), button("rp:new")),
            detour=NOT_THE_SAME,  # "me too" is offered once the place is known
        ),
        Step("press", "rp:anon:0", button("rp:confirm")),
        Step("press", "rp:confirm", text_has(TICKET_RE.pattern)),
    ]


def admin_broadcast_steps(text: str) -> list[Step]:
    """An admin's /broadcast to everyone: audience, words, ordinary, confirm; the step ends
    when the progress message shows."""
    return [
        Step("text", "/broadcast", button("bc:a:")),
        Step("press", "bc:a:everyone", button("bc:cancel", without="bc:a:")),
        Step("text", text, button("bc:u:")),
        Step("press", "bc:u:0", button("bc:ok:")),
        Step("press", "bc:ok:", text_has("发送中|已发完")),
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
    """What one simulated user achieved (times in seconds, ``finished`` since the start)."""

    user_id: int
    actions: int = 0
    latencies: list[float] = field(default_factory=list)  # to the first answer
    completions: list[float] = field(default_factory=list)  # to the end of the step
    finished: float = 0.0  # when the last successful step completed
    error: str | None = None
    tickets: list[str] = field(default_factory=list)


def _action(step: Step, last: Msgs) -> tuple[str, dict[str, Any]]:
    if step.kind == "text":
        return "messages", {"text": step.arg}
    if step.kind == "photo":
        return "photos", {}
    if step.kind == "location":  # inside the grid the user registered in (the first one)
        return "location", {"latitude": HOME[0], "longitude": HOME[1]}
    for msg in reversed(last):
        for data in _buttons(msg):
            if data.startswith(step.arg):
                return "callback", {"message_id": msg["message_id"], "data": data}
    raise StepError(f"no button {step.arg!r} in the last reply")


class Driver:
    """Drives users of one bot through the emulator's client API."""

    def __init__(self, client: LeanClient, bot_id: int, timeout: float, think: float = 0.0) -> None:
        self.client = client
        self.bot_id = bot_id
        self.timeout = timeout
        self.think = think
        self.t0 = time.perf_counter()

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

    async def changed(self, user_id: int, after: int, wait: float) -> tuple[Msgs, int]:
        """Bot messages of the chat changed after ``after`` (long-polling up to ``wait`` s for
        one), and the sequence number they are current to."""
        resp = await self.client.get(
            f"/api/chats/{user_id}/messages",
            params={"after_seq": after, "wait": f"{wait:.3f}", "bot": self.bot_id},
        )
        body = resp.json()
        if "seq" not in body:
            raise StepError(f"messages: {body.get('error') or body}")
        return [m for m in body["messages"] if m.get("from_bot")], int(body["seq"])

    async def _wait(self, user_id: int, after: int, step: Step, started: float) -> tuple:
        """Wait until ``step.done`` holds on the messages changed since ``after`` (each at its
        latest state); return them, the sequence number, and the first-answer latency."""
        deadline = started + self.timeout
        first: float | None = None
        seen: dict[int, dict[str, Any]] = {}
        cursor = after
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise StepError(f"no complete reply to {step.kind} {step.arg!r} in time")
            msgs, cursor = await self.changed(user_id, cursor, remaining)
            if msgs and first is None:
                first = time.perf_counter() - started
            for m in msgs:
                seen[m["message_id"]] = m
            current = sorted(seen.values(), key=lambda m: m["message_id"])
            if first is not None and step.done(current):
                return current, cursor, first

    async def step(self, user_id: int, step: Step, last: Msgs, seq: int) -> tuple:
        """Send one action and wait for its end: (messages, seq, first, complete)."""
        path, body = _action(step, last)
        started = time.perf_counter()
        resp = await self.client.post(
            f"/api/users/{user_id}/{path}", json={**body, "bot": self.bot_id}
        )
        if resp.status_code != 200:
            raise StepError(f"{path} refused: {resp.text[:200]}")
        msgs, seq, first = await self._wait(user_id, seq, step, started)
        return msgs, seq, first, time.perf_counter() - started

    async def run(self, user_id: int, steps: list[Step], seq: int) -> UserResult:
        """Run ``steps`` for ``user_id`` (already created); stop at the first failure."""
        result = UserResult(user_id)
        last: Msgs = []
        queue = list(steps)
        try:
            while queue:
                step = queue.pop(0)
                if self.think > 0:  # a human comes along, reads each reply, then acts
                    await asyncio.sleep(self.think * random.uniform(0.5, 1.5))
                last, seq, first, complete = await self.step(user_id, step, last, seq)
                result.actions += 1
                result.latencies.append(first)
                result.completions.append(complete)
                result.finished = time.perf_counter() - self.t0
                if step.detour and button(step.detour.arg)(last):
                    queue.insert(0, step.detour)
        except (StepError, HttpError) as exc:
            result.error = f"step {result.actions + 1}: {exc}"
            return result
        result.tickets = [t for m in last for t in TICKET_RE.findall(m.get("text") or "")]
        return result
