"""Over real HTTP (代办): a grid worker files a report for an elderly resident who phoned —
name, a phone typed wrong then right, the oral consent, the report's steps — and pressing
确认提交 again files nothing more; a resident who is not staff is refused /proxy. The elder
later opens the bot, registers, shares their own contact, and the case is in their /my; the
worker is told they no longer need to relay it."""

from __future__ import annotations

from typing import Any

import httpx

from storage.demo_places import centre
from tests.e2e.test_resident_journey import register
from tests.e2e.test_routing_e2e import grant
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user


def _confirm_data(summary: dict[str, Any]) -> str:
    [data] = [
        b["callback_data"]
        for row in summary["reply_markup"]["inline_keyboard"]
        for b in row
        if "确认提交" in b["text"]
    ]
    return str(data)


def _file_for_elder(worker: Chat) -> tuple[dict[str, Any], str]:
    """/proxy up to the summary; the summary message and the number once confirmed."""
    worker.say("/proxy")
    worker.expect("居民的姓名")
    worker.say("王奶奶")
    worker.expect("联系电话")
    worker.say("12345")
    worker.expect("不是有效的电话号码")
    worker.say("+86 138 1234 5678")
    worker.expect("请确认居民已口头同意")
    worker.press("居民已口头同意")
    worker.expect("第 1 步")
    worker.press("环境卫生")
    worker.expect("描述问题")
    worker.say("王奶奶家楼下的垃圾堆了一个星期没人清理")
    worker.expect("第 3 步")
    worker.press("不需要照片")
    worker.expect("什么位置")
    worker.location(*centre("SQ-01-01"))
    summary = worker.expect("请确认")
    assert "代办：为居民 王奶奶（138 1234 5678）" in summary["text"]
    worker.press("确认提交")
    answer = worker.expect("代办已提交")["text"]
    number = next(word for word in answer.split() if word.startswith("MH-"))
    return summary, number


def test_a_worker_files_for_an_elder_who_later_links_the_case(
    minhu: BotProcess, client: httpx.Client
) -> None:
    worker = new_user(client, "张网格")
    grant(minhu, worker, "SQ-01-01", "张网格")
    neighbour = new_user(client, "李大伯")
    register(neighbour)
    neighbour.say("/proxy")
    neighbour.expect("只供网格员")

    summary, number = _file_for_elder(worker)

    def retired() -> bool:
        [shown] = [m for m in worker.messages() if m["message_id"] == summary["message_id"]]
        return not (shown.get("reply_markup") or {}).get("inline_keyboard")

    # Pressed again, as a phone still showing the summary would (once the first press is done).
    worker.wait_until(retired, "the summary's buttons were not taken away")
    again = worker._post(
        "callback", message_id=summary["message_id"], data=_confirm_data(summary), forge=True
    )
    answered = client.get(
        f"/api/callbacks/{again['callback_query_id']}", params={"wait": 10, "bot": 5550001}
    ).json()
    assert "已提交过" in str(answered), answered
    with raw_connection(minhu.database) as db:
        rows = db.execute(
            "SELECT c.number, c.reporter_id, x.name, x.phone, x.consent_by FROM complaints c "
            "JOIN complaint_proxies x ON x.complaint_id = c.id"
        ).fetchall()
        assert db.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] == 1
    assert rows == [(number, worker.user_id, "王奶奶", "13812345678", worker.user_id)]

    elder = new_user(client, "王奶奶")
    register(elder)
    elder.say("/link")
    assert elder.expect("分享我的手机号")["reply_markup"]["keyboard"][0][0]["request_contact"]
    elder.contact("13812345678", owner=neighbour.user_id)  # someone else's card
    elder.expect("只能分享您自己的手机号")
    elder.contact("+8613812345678")
    assert number in elder.expect("找到了替您代办的诉求")["text"]
    elder.say("/my")
    elder.expect(number)
    assert number in worker.expect("居民已在本机器人里关联")["text"]
