"""A resident reports a problem, gets an MH number, and the grid worker is told."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.runtime.services import MinhuContext
from handlers.kit.common import settle, shown_above
from storage import outbox
from storage.demo_places import centre
from tests.support.complaints import describe, place
from tests.support.harness import Harness, User, register, texts
from tests.support.representatives import deliver, grant

WORKER = User(200001, "张网格")
HOME = centre("SQ-01-01")  # a point inside the residents' home grid: the report stays home


async def _grant_worker(bot: Harness, user: User) -> None:
    await grant(bot, user, "grid_worker", grid="SQ-01-01")  # staff open the bot once, too


async def _report_until_summary(bot: Harness, user: User, category: str = "环境卫生") -> None:
    await describe(bot, user, category=category)
    await bot.send_photo(user, "photo-A")
    await bot.send_photo(user, "photo-B")
    await bot.button(user, "照片发完了")
    await bot.send_location(user, *HOME)
    await bot.button(user, "实名")


async def test_a_resident_reports_with_two_photos_and_a_location(
    bot: Harness, resident: User
) -> None:
    await _grant_worker(bot, WORKER)
    await register(bot, resident)
    await _report_until_summary(bot, resident)
    summary = texts(bot.fake.sent_to(resident.id)[-1:])
    assert "照片：2 张" in summary and "已发送定位" in summary

    calls = await bot.button(resident, "确认提交")
    assert "MH-2026-000001" in texts(calls)

    db = bot.services.db
    row = await db.fetchone("SELECT * FROM complaints WHERE number = 'MH-2026-000001'")
    assert row["reporter_id"] == resident.id and row["status"] == "submitted"
    assert (row["latitude"], row["longitude"]) == HOME
    photos = await db.fetchall(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ? ORDER BY position",
        (row["id"],),
    )
    assert [p[0] for p in photos] == ["photo-A", "photo-B"]
    events = await db.fetchall(
        "SELECT kind, to_status FROM complaint_events WHERE complaint_id = ?", (row["id"],)
    )
    assert [tuple(e) for e in events] == [("submitted", "submitted")]

    # The worker's notice is an outbox row first, then delivered with photos and location;
    # the resident's answer with the number was an outbox row too, sent right after the commit.
    assert (await outbox.counts(db)) == {"pending": 1, "sent": 1}
    since = len(bot.fake.calls)
    assert await bot.services.delivery.run_pass(bot.app.bot) == 1  # type: ignore[union-attr]
    to_worker = bot.fake.sent_to(WORKER.id, since)
    assert [c.method for c in to_worker] == ["sendLocation", "sendMediaGroup", "sendMessage"]
    notice = texts(to_worker)
    assert "MH-2026-000001" in notice and "垃圾桶" in notice and "王阿姨" in notice
    assert (await outbox.counts(db)) == {"sent": 2}

    listing = texts(await bot.send(resident, "/my"))
    assert "MH-2026-000001" in listing and "已提交" in listing
    history = texts(await bot.button(resident, "MH-2026-000001"))
    assert "办理经过" in history and "提交" in history


async def test_anonymous_reports_hide_the_name_from_staff(bot: Harness, resident: User) -> None:
    await _grant_worker(bot, WORKER)
    await register(bot, resident)
    await describe(bot, resident, "消防通道上长期停着一辆白色面包车", "停车管理")
    await bot.button(resident, "不需要照片")
    await place(bot, resident, "上强社区3幢楼下")
    await bot.button(resident, "匿名")
    await bot.button(resident, "确认提交")
    since = await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "匿名" in notice and "王阿姨" not in notice and "3幢楼下" in notice


async def test_hazards_are_routed_to_the_department(bot: Harness, resident: User) -> None:
    officer = User(300001, "消防小杨")
    db = bot.services.db
    await grant(bot, officer, "department", department="XF")
    await _grant_worker(bot, WORKER)
    await register(bot, resident)
    await _report_until_summary(bot, resident, category="安全隐患")
    await bot.button(resident, "确认提交")
    since = await deliver(bot)
    assert "新隐患报告" in texts(bot.fake.sent_to(officer.id, since))
    assert bot.fake.sent_to(WORKER.id, since) == []
    kind = await db.fetchval("SELECT kind FROM complaints")
    assert kind == "hazard"


async def test_with_no_staff_the_admins_are_told(bot: Harness, resident: User) -> None:
    from tests.conftest import ADMIN_ID

    await register(bot, User(ADMIN_ID, "镇办小李"))
    await register(bot, resident)
    await _report_until_summary(bot, resident)
    await bot.button(resident, "确认提交")
    await deliver(bot)
    assert "MH-2026-000001" in texts(bot.fake.sent_to(ADMIN_ID))


async def test_staff_who_never_opened_the_bot_are_not_written_to(
    bot: Harness, resident: User
) -> None:
    db = bot.services.db
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01", opened=False)
    await register(bot, resident)
    await _report_until_summary(bot, resident)
    await bot.button(resident, "确认提交")
    staff_rows = "SELECT COUNT(*) FROM outbox WHERE chat_id != ?"
    assert await db.fetchval(staff_rows, (resident.id,)) == 0  # nobody reachable yet
    assert await db.fetchval("SELECT COUNT(*) FROM complaints") == 1


async def test_the_summary_can_be_edited_before_submitting(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await _report_until_summary(bot, resident)
    await bot.button(resident, "修改")
    await bot.button(resident, "描述")
    calls = await bot.send(resident, "西门的垃圾桶满了，已经三天没人清理")
    assert "西门的垃圾桶" in texts(calls)  # straight back to the summary
    await bot.button(resident, "确认提交")
    description = await bot.services.db.fetchval("SELECT description FROM complaints")
    assert description.startswith("西门")


async def test_numbers_count_up_within_the_year(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    for expected in ("MH-2026-000001", "MH-2026-000002"):
        await _report_until_summary(bot, resident)
        assert expected in texts(await bot.button(resident, "确认提交"))


async def test_a_restart_mid_report_continues_at_the_same_step(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    await describe(bot, resident, "路灯坏了一个星期，晚上很黑")
    await bot.send_photo(resident, "photo-before-restart")

    await bot.restart()

    calls = await bot.button(resident, "照片发完了")
    assert "照片：1 张" in texts(calls)
    await bot.send(resident, "上强路12号")
    await bot.button(resident, "实名")
    calls = await bot.button(resident, "确认提交")
    assert "MH-2026-000001" in texts(calls)
    row = await bot.services.db.fetchone("SELECT description, address FROM complaints")
    assert tuple(row) == ("路灯坏了一个星期，晚上很黑", "上强路12号")
    photo = await bot.services.db.fetchval("SELECT file_id FROM complaint_photos")
    assert photo == "photo-before-restart"


async def test_only_the_latest_photo_prompt_keeps_its_buttons(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await describe(bot, resident, "楼道里堆满了杂物，挡住了消防通道")
    first_prompt = bot.last_keyboard_message(resident.id)
    await bot.send_photo(resident, "p1")
    assert "reply_markup" not in bot.fake.messages[(resident.id, first_prompt)]
    assert set(bot.buttons(resident.id)) == {"✅ 照片发完了", "✖ 取消"}


async def test_one_photo_comes_as_a_captioned_photo_after_the_pin(
    bot: Harness, resident: User
) -> None:
    await _grant_worker(bot, WORKER)
    await register(bot, resident)
    await describe(bot, resident, "小区东门垃圾桶满了三天没人清理，气味很大")
    await bot.send_photo(resident, "only-photo")
    await bot.button(resident, "照片发完了")
    await bot.send_location(resident, *HOME)
    await bot.button(resident, "实名")
    await bot.button(resident, "确认提交")
    since = await deliver(bot)
    to_worker = bot.fake.sent_to(WORKER.id, since)
    assert [c.method for c in to_worker] == ["sendLocation", "sendPhoto"]
    assert "见上方位置" in str(to_worker[1].params["caption"])


async def test_a_choice_and_the_next_question_share_the_pressed_message(
    bot: Harness, resident: User
) -> None:
    """A category pressed: the pressed message shows the choice with the next question (and
    its cancel button) below it, one edit and no new message; before a reply keyboard (the
    location), the choice is shown alone and the question comes as a new message."""
    await register(bot, resident)
    await bot.send(resident, "/report")
    question = bot.last_keyboard_message(resident.id)
    calls = await bot.button(resident, "环境卫生")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    edited = calls[1].params
    assert edited["message_id"] == question
    assert "环境卫生" in edited["text"] and "描述" in edited["text"]
    assert "取消" in str(edited["reply_markup"])

    await bot.send(resident, "小区门口的垃圾桶三天没人清理了")
    await bot.send_photo(resident, "photo-A")
    calls = await bot.button(resident, "照片发完了")
    methods = [c.method for c in calls]
    assert methods == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert "reply_markup" not in calls[1].params or not calls[1].params["reply_markup"]
    assert "keyboard" in str(calls[2].params["reply_markup"])  # the location's reply keyboard


async def test_a_choice_with_nothing_asked_after_it_is_still_shown(
    bot: Harness, resident: User
) -> None:
    """The last handler group shows a choice nobody asked below (an edit of its own)."""
    [last] = bot.app.handlers[max(bot.app.handlers)]
    assert isinstance(last, TypeHandler) and last.callback is settle
    await register(bot, resident)
    await bot.send(resident, "/report")
    update = Update.de_json(
        {
            "update_id": 1,
            "callback_query": {
                "id": "1",
                "from": resident.as_dict(),
                "chat_instance": "ci",
                "data": "x",
                "message": bot.fake.messages[(resident.id, bot.last_keyboard_message(resident.id))],
            },
        },
        bot.app.bot,
    )
    context = MinhuContext.from_update(update, bot.app)
    since = len(bot.fake.calls)
    await shown_above(update, context, "report.photos_done", count=0)
    assert len(bot.fake.calls) == since  # waits for a question to share the message
    await settle(update, context)
    [edit] = bot.fake.calls[since:]
    assert edit.method == "editMessageText" and context.above is None
