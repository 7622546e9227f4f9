"""A grid worker files a report for a resident who phoned (代办): the resident's name, phone and
oral consent first, then /report's steps; the complaint and its proxy record are one commit,
and the worker hears each step to relay it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.complaints.rules import Action
from bot.complaints.service import act
from storage import aggregates, outbox, people, rankings
from tests.support.chat import edit_message, send_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.proxy import file_for, until_category, until_summary
from tests.support.representatives import OFFICER, REP, WORKER, deliver, grant

ELDER = "王奶奶"


async def _worker(bot: Harness) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")


async def test_a_window_clerk_files_for_a_resident_who_came_in(bot: Harness) -> None:
    await _worker(bot)
    await grant(bot, OFFICER, "department", department="XF")  # at the town's window
    summary = texts(await until_summary(bot, OFFICER, ELDER, "+86 138-1234-5678"))
    assert "代办：为居民 王奶奶（138 1234 5678）" in summary and "口头同意" in summary
    assert "匿名" not in summary  # no anonymity step for a report filed for someone
    assert "实名" not in " ".join(bot.buttons(OFFICER.id))
    answer = texts(await bot.button(OFFICER, "确认提交"))
    assert "代办已提交" in answer and "MH-2026-000001" in answer and "/link" in answer

    db = bot.services.db
    c = await db.fetchone("SELECT * FROM complaints WHERE number = 'MH-2026-000001'")
    assert c["reporter_id"] == OFFICER.id and c["anonymous"] == 0
    x = await db.fetchone("SELECT * FROM complaint_proxies WHERE complaint_id = ?", (c["id"],))
    assert (x["name"], x["phone"]) == (ELDER, "13812345678")
    assert x["consent_by"] == x["filed_by"] == OFFICER.id
    assert x["consent_at"] == x["filed_at"] == bot.clock.now().isoformat()
    assert x["person_id"] is None

    # The grid's worker gets it like any report; the clerk hears each step, to relay it.
    since = await deliver(bot)
    assert "王奶奶" not in texts(bot.fake.sent_to(WORKER.id, since))  # the resident's name
    since = len(bot.fake.calls)
    await act(bot.services, c["id"], Action.ACCEPT, WORKER.id)
    await deliver(bot)
    assert "MH-2026-000001" in texts(bot.fake.sent_to(OFFICER.id, since))


async def test_a_grid_worker_files_for_their_grid(bot: Harness) -> None:
    await _worker(bot)
    await bot.send(WORKER, "/proxy")
    await bot.send(WORKER, ELDER)
    await bot.send(WORKER, "13812345678")
    await bot.button(WORKER, "居民已口头同意")
    await bot.button(WORKER, "环境卫生")
    await bot.send(WORKER, "楼道里堆满了杂物，老人上下楼很不方便")
    await bot.button(WORKER, "不需要照片")
    await bot.send(WORKER, "跳过")
    assert "上强社区第一网格" in " ".join(bot.buttons(WORKER.id))  # 🏠: the worker's grid
    await bot.button(WORKER, "我的网格")
    assert "MH-2026-000001" in texts(await bot.button(WORKER, "确认提交"))


async def test_a_department_clerk_files_without_a_phone(bot: Harness) -> None:
    await grant(bot, OFFICER, "department", department="XF")
    await file_for(bot, OFFICER, "李大爷", None)
    x = await bot.services.db.fetchone("SELECT name, phone, filed_by FROM complaint_proxies")
    assert tuple(x) == ("李大爷", None, OFFICER.id)


async def test_pressing_confirm_twice_files_once(bot: Harness) -> None:
    await _worker(bot)
    await until_summary(bot, WORKER, ELDER, "13812345678")
    confirm = next(d for label, d in bot.buttons(WORKER.id).items() if "确认提交" in label)
    message = bot.last_keyboard_message(WORKER.id)
    await bot.press(WORKER, confirm, message)
    again = await bot.press(WORKER, confirm, message)
    assert "已提交过" in " ".join(bot.fake.answers(len(bot.fake.calls) - len(again)))
    await bot.restart()
    await bot.press(WORKER, confirm, message)  # after a restart too
    db = bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM complaints") == 1
    assert await db.fetchval("SELECT COUNT(*) FROM complaint_proxies") == 1


async def test_residents_and_representatives_are_refused(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await grant(bot, REP, "representative")
    for user in (resident, REP):
        before = await table_counts(bot)
        assert "只供网格员" in texts(await bot.send(user, "/proxy"))
        # No conversation started: the next words are not taken as a name (only offered to
        # be filed as a problem of their own, kept in their saved data until they answer).
        assert "第 1 步" not in texts(await bot.send(user, "王奶奶"))
        after = await table_counts(bot)
        assert after.pop("ptb_user_data") <= before.pop("ptb_user_data") + 1
        assert after == before


async def test_a_wrong_name_or_phone_is_explained_and_the_step_stays(bot: Harness) -> None:
    await _worker(bot)
    await bot.send(WORKER, "/proxy")
    assert "2–30 个字，您输入了 1 个字" in texts(await bot.send(WORKER, "王"))
    assert "您输入了 31 个字" in texts(await bot.send(WORKER, "王" * 31))
    assert "不能有数字" in texts(await bot.send(WORKER, "13812345678"))
    assert "请直接输入居民的姓名" in texts(await bot.send_sticker(WORKER))
    assert "联系电话" in texts(await bot.send(WORKER, ELDER))
    assert "不是有效的电话号码" in texts(await bot.send(WORKER, "12345"))
    assert "不是有效的电话号码" in texts(await bot.send(WORKER, "138 1234 567"))
    assert "口头同意" in texts(await bot.send(WORKER, "１３８ １２３４ ５６７８"))
    assert "第 1 步" in texts(await bot.button(WORKER, "居民已口头同意"))  # the categories


async def test_an_edited_message_is_not_read_as_the_name(bot: Harness) -> None:
    await _worker(bot)
    await bot.send(WORKER, "/proxy")
    assert "编辑过的消息不会被读取" in texts(await edit_message(bot, WORKER, ELDER))
    assert "联系电话" in texts(await bot.send(WORKER, ELDER))  # still at the name step


async def test_in_a_group_proxy_only_points_to_the_private_chat(bot: Harness) -> None:
    await _worker(bot)
    before = await table_counts(bot)
    calls = await send_in_group(bot, WORKER, "/proxy")
    assert "居民的姓名" not in texts(calls)
    assert await table_counts(bot) == before


async def test_old_and_forged_buttons_change_nothing(bot: Harness) -> None:
    await _worker(bot)
    await until_category(bot, WORKER, ELDER, None)
    since = len(bot.fake.calls)
    await bot.press(WORKER, "px:consent")  # its step is over
    await bot.press(WORKER, "px:nophone")
    await bot.press(WORKER, "px:consent:7")  # no such button
    answers = bot.fake.answers(since)
    assert answers[:2] == ["这个按钮已过期，请重新发送命令。"] * 2
    assert answers[2] == "这个按钮无效，请重新选择。"
    # The form goes on where it was.
    assert "描述" in texts(await bot.button(WORKER, "环境卫生"))


async def test_a_consent_pressed_on_a_residents_own_report_is_refused(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await bot.send(resident, "/report")
    since = len(bot.fake.calls)
    await bot.press(resident, "px:consent")
    assert bot.fake.answers(since) == ["这个按钮已过期，请重新发送命令。"]
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaint_proxies") == 0


async def test_a_worker_whose_role_went_cannot_go_on(bot: Harness) -> None:
    await _worker(bot)
    await until_category(bot, WORKER, ELDER, "13812345678")
    await people.revoke(bot.services.db, WORKER.id, "grid_worker")
    assert "没有权限" in texts(await bot.button(WORKER, "环境卫生"))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaints") == 0


async def test_a_role_revoked_before_confirm_files_nothing(bot: Harness) -> None:
    await _worker(bot)
    await until_summary(bot, WORKER, ELDER, "13812345678")
    await people.revoke(bot.services.db, WORKER.id, "grid_worker")
    await bot.button(WORKER, "确认提交")
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM complaints") == 0


async def test_bulletins_count_it_as_origin_proxy_and_rank_the_grid_on_it(bot: Harness) -> None:
    await _worker(bot)
    await file_for(bot, WORKER, ELDER, "13812345678")
    db = bot.services.db
    origins = await db.fetchall("SELECT DISTINCT origin FROM complaint_sums")
    assert [r[0] for r in origins] == [rankings.PROXY]
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    as_of = bot.clock.now()
    summed = await aggregates.complaint_groups(db, start, end, as_of)
    raw = await rankings.complaint_groups(db, start, end, as_of)
    assert summed == raw and [g.origin for g in raw] == [rankings.PROXY]
    assert sum((await aggregates.counts_by_grid_category(db, start, end)).values()) == 1
    assert await outbox.counts(db)  # the worker's notice and answer were queued with it
