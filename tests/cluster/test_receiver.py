"""The webhook receiver over real HTTP: an update is stored before it is acknowledged."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.netutil

from bot.core.clock import ManualClock
from bot.runtime import receiver
from storage import inbound
from storage.db import Database

SECRET = "s3cret-token"


@pytest.fixture
async def hook(db: Database) -> AsyncIterator[str]:
    """The receiver listening on a free local port; its webhook URL."""
    app = receiver.application(
        db, ManualClock(datetime(2026, 11, 30, tzinfo=UTC)), "/hook/x", SECRET
    )
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook/x"
    server.stop()


def message(update_id: int, chat: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1796000000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "王"},
            "text": text,
        },
    }


async def post(url: str, body: object, secret: str | None = SECRET) -> int:
    headers = {receiver.SECRET_HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient() as client:
        response = await client.post(url, content=json.dumps(body), headers=headers)
    return response.status_code


async def test_an_update_is_stored_before_the_200_and_a_retry_once(
    hook: str,
    db: Database,
) -> None:
    assert await post(hook, message(5, 42, "路灯坏了")) == 200
    row = await db.fetchone("SELECT chat_key, body FROM inbound_updates WHERE update_id = 5")
    assert row is not None and row[0] == "chat:42"
    assert json.loads(row[1]) == message(5, 42, "路灯坏了")  # the body as it came
    assert await post(hook, message(5, 42, "路灯坏了")) == 200  # Telegram retried
    assert await inbound.waiting(db) == 1


async def test_a_forged_or_broken_request_is_refused_and_stores_nothing(
    hook: str,
    db: Database,
) -> None:
    assert await post(hook, message(6, 42, "x"), secret=None) == 403
    assert await post(hook, message(6, 42, "x"), secret="guess") == 403
    assert await post(hook, "not an update") == 400
    assert await post(hook, {"no": "update_id"}) == 400
    assert await inbound.waiting(db) == 0


@pytest.fixture
async def district_hook(url: str) -> AsyncIterator[tuple[str, dict[str, Database]]]:
    """One receiver for two towns (a schema each): its base URL and the towns' databases."""
    from bot.core.towns import town_database

    towns = {k: await Database(town_database(url, k)).open() for k in ("zhili", "nanxun")}
    routes = {k: (db, f"{k}-secret") for k, db in towns.items()}
    app = receiver.district_application(
        routes, ManualClock(datetime(2026, 11, 30, tzinfo=UTC)), "/hook/"
    )
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook", towns
    server.stop()
    for db in towns.values():
        await db.close()


async def test_each_towns_updates_go_to_its_own_database_with_its_own_secret(
    district_hook: tuple[str, dict[str, Database]], db: Database
) -> None:
    base, towns = district_hook
    assert await post(f"{base}/zhili", message(1, 42, "织里"), secret="zhili-secret") == 200
    assert await post(f"{base}/nanxun", message(1, 42, "南浔"), secret="nanxun-secret") == 200
    # another town's secret, a key that is no town, the bare path: refused, nothing stored
    assert await post(f"{base}/zhili", message(2, 42, "x"), secret="nanxun-secret") == 403
    assert await post(f"{base}/deqing", message(3, 42, "x"), secret="zhili-secret") == 404
    assert await post(base, message(4, 42, "x"), secret="zhili-secret") == 404
    assert await post(f"{base}/Zhili", message(5, 42, "x"), secret="zhili-secret") == 404
    for key, text in (("zhili", "织里"), ("nanxun", "南浔")):
        rows = await towns[key].fetchall("SELECT update_id, body FROM inbound_updates")
        assert [r[0] for r in rows] == [1] and json.loads(rows[0][1])["message"]["text"] == text
    assert await inbound.waiting(db) == 0  # the deployment's own schema: nothing


def test_the_chat_key_read_from_the_raw_json_is_the_one_ptb_gives() -> None:
    """The receiver's few dict lookups agree with PTB's effective chat / user, and hand any
    other kind of update (or an odd one) to PTB."""
    from telegram import Update

    from bot.runtime.processor import chat_key

    user = {"id": 42, "is_bot": False, "first_name": "王"}
    group = {"id": -1001, "type": "supergroup", "title": "上强"}
    msg: dict[str, Any] = dict(message(7, 42, "x")["message"])  # type: ignore[call-overload]
    bodies: list[dict[str, object]] = [
        message(7, 42, "x"),
        {"update_id": 8, "edited_message": {**msg, "edit_date": 1796000001}},
        {"update_id": 9, "message": {**msg, "chat": group}},
        {"update_id": 10, "callback_query": {"id": "q", "from": user, "chat_instance": "c",
                                             "data": "d", "message": {**msg, "chat": group}}},
        {"update_id": 11, "callback_query": {"id": "q", "from": user, "chat_instance": "c",
                                             "data": "d", "inline_message_id": "i"}},
        {"update_id": 12, "inline_query": {"id": "q", "from": user, "query": "", "offset": ""}},
        {"update_id": 13, "poll_answer": {"poll_id": "p", "user": user, "option_ids": [0],
                                         "option_persistent_ids": ["a"]}},
        {"update_id": 14},
    ]  # fmt: skip
    for body in bodies:
        assert receiver.raw_chat_key(body) == chat_key(Update.de_json(body, None)), body
    assert receiver.raw_chat_key(bodies[3]) == "chat:-1001"
    assert receiver.raw_chat_key(bodies[4]) == "user:42"
    assert receiver.raw_chat_key(bodies[-1]) == "global"
