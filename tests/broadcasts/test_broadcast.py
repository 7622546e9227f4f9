"""An admin announces something to part of the town; residents get it once, muted ones only
when it is urgent; the admin watches the progress and can stop it."""

from __future__ import annotations

from typing import Any

from bot.runtime.broadcasting import PROGRESS_JOB
from storage import broadcasts, outbox, people
from tests.conftest import ADMIN_ID
from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register, table_counts, texts

ADMIN = User(ADMIN_ID, "镇办老陈")
SHANGQIANG_1 = User(100011, "上强一网格的王阿姨")
SHANGQIANG_2 = User(100012, "东红村的李大伯")
YANGSHAN = User(100013, "阳山的赵师傅")
NOTICE = "本周六上午九点在村委会门口开展义诊，请带好医保卡。"


async def _town(bot: Harness) -> None:
    """The admin lives in 梅峰; two residents in 上强 (two communities), one in 阳山."""
    await register(bot, ADMIN, zone="梅峰", community="梅峰村")
    await register(bot, SHANGQIANG_1)
    await register(bot, SHANGQIANG_2, community="东红村")
    await register(bot, YANGSHAN, zone="阳山", community="阳山社区")


async def _until_preview(
    bot: Harness, steps: list[str], text: str = NOTICE, kind: str = "普通公告"
) -> list[Call]:
    """/broadcast, press the audience buttons, type the text, choose the kind."""
    await bot.send(ADMIN, "/broadcast")
    for label in steps:
        await bot.button(ADMIN, label)
    await bot.send(ADMIN, text)
    return await bot.button(ADMIN, kind)


async def _send_out(bot: Harness) -> int:
    return await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]


async def _send_photo(bot: Harness, user: User, file_id: str, caption: str) -> list[Call]:
    photo = [{"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280, "height": 960}]
    payload: dict[str, Any] = bot._user_message(user, photo=photo, caption=caption)
    return await bot._process(payload)


def _edits(bot: Harness, since: int) -> list[Call]:
    return [c for c in bot.fake.calls[since:] if c.method == "editMessageText"]


async def test_an_admin_announces_to_one_zone(bot: Harness) -> None:
    await _town(bot)
    calls = await _until_preview(bot, ["按片区", "上强"])
    preview, summary = [c for c in calls if c.method == "sendMessage"]
    assert preview.params["text"] == f"📢 <b>公告</b>\n\n{NOTICE}"
    assert "上强片区" in summary.params["text"] and "<b>2</b> 人" in summary.params["text"]
    assert "不会收到：0 人" in summary.params["text"]
    summary_message = bot.last_keyboard_message(ADMIN.id)
    confirm_data = bot.buttons(ADMIN.id)["✅ 确认发送"]

    calls = await bot.button(ADMIN, "确认发送")
    assert "发送中" in texts(calls) and "0 / 2" in texts(calls)
    db = bot.services.db
    assert await outbox.counts(db) == {"pending": 2}

    since = len(bot.fake.calls)
    assert await _send_out(bot) == 2
    for resident in (SHANGQIANG_1, SHANGQIANG_2):
        received = bot.fake.sent_to(resident.id, since)
        assert [(c.method, c.params["text"]) for c in received] == [
            ("sendMessage", preview.params["text"])  # exactly what the admin previewed
        ]
    assert bot.fake.sent_to(YANGSHAN.id, since) == []
    assert bot.fake.sent_to(ADMIN.id, since) == []
    assert await broadcasts.figures(db, 1) == {
        "sent": 2,
        "blocked": 0,
        "failed": 0,
        "pending": 0,
        "cancelled": 0,
    }

    # The old summary's confirm pressed again: the conversation is over, nothing is created,
    # and the admin is told it was sent already.
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(ADMIN, confirm_data, message_id=summary_message)
    assert "已经发出（#1）" in "".join(bot.fake.answers(since))
    assert await table_counts(bot) == before


async def test_an_older_summary_cannot_send_a_newer_draft(bot: Harness) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "上强"])
    old_summary = bot.last_keyboard_message(ADMIN.id)
    old_confirm = bot.buttons(ADMIN.id)["✅ 确认发送"]
    await _until_preview(bot, ["全体居民"], text="另一条公告")  # a second /broadcast
    since = len(bot.fake.calls)
    await bot.press(ADMIN, old_confirm, message_id=old_summary)
    assert "过期" in "".join(bot.fake.answers(since))
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM broadcasts") == 0
    await bot.button(ADMIN, "确认发送")  # the latest summary still sends
    assert await bot.services.db.fetchval("SELECT text FROM broadcasts") == "另一条公告"


async def test_a_community_audience_is_chosen_below_its_zone(bot: Harness) -> None:
    await _town(bot)
    calls = await _until_preview(bot, ["按村社", "上强", "东红村"])
    assert "<b>1</b> 人" in texts(calls)
    await bot.button(ADMIN, "确认发送")
    since = len(bot.fake.calls)
    await _send_out(bot)
    assert NOTICE in texts(bot.fake.sent_to(SHANGQIANG_2.id, since))
    assert bot.fake.sent_to(SHANGQIANG_1.id, since) == []


async def test_a_muted_resident_gets_only_urgent_notices(bot: Harness) -> None:
    await _town(bot)
    await bot.send(YANGSHAN, "/settings")
    assert "接收中" in texts(bot.fake.sent_to(YANGSHAN.id)[-1:])
    calls = await bot.button(YANGSHAN, "静音公告")
    assert "已静音（紧急通知仍会收到）" in texts(calls)
    assert "恢复接收公告" in "".join(bot.buttons(YANGSHAN.id))
    person = await people.get(bot.services.db, YANGSHAN.id)
    assert person is not None and person.mute_broadcasts

    calls = await _until_preview(bot, ["全体居民"])
    assert "<b>3</b> 人" in texts(calls) and "不会收到：1 人" in texts(calls)
    await bot.button(ADMIN, "确认发送")
    since = len(bot.fake.calls)
    assert await _send_out(bot) == 3
    assert bot.fake.sent_to(YANGSHAN.id, since) == []

    calls = await _until_preview(
        bot, ["全体居民"], text="今晚八点起全镇停水，请提前储水。", kind="紧急"
    )
    assert "<b>4</b> 人" in texts(calls) and "不会收到" not in texts(calls)
    await bot.button(ADMIN, "确认发送")
    since = len(bot.fake.calls)
    assert await _send_out(bot) == 4
    urgent = texts(bot.fake.sent_to(YANGSHAN.id, since))
    assert "🚨 <b>紧急通知</b>" in urgent and "停水" in urgent


async def test_a_role_audience(bot: Harness) -> None:
    await _town(bot)
    worker = User(200001, "张网格")
    grid_id = await bot.services.db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'")
    await people.grant(bot.services.db, worker.id, "grid_worker", bot.clock.now(), grid_id=grid_id)
    await register(bot, worker)
    calls = await _until_preview(
        bot, ["按角色", "网格员"], text="请各位网格员本周五前上报巡查记录。"
    )
    assert "所有网格员" in texts(calls) and "<b>1</b> 人" in texts(calls)
    await bot.button(ADMIN, "确认发送")
    since = len(bot.fake.calls)
    assert await _send_out(bot) == 1
    assert "巡查记录" in texts(bot.fake.sent_to(worker.id, since))


async def test_a_grid_audience(bot: Harness) -> None:
    await _town(bot)
    neighbour = User(100014, "二网格的孙阿姨")
    await register(bot, neighbour, grid="第二网格")
    await _until_preview(bot, ["按网格", "上强", "上强社区", "第二网格"])
    await bot.button(ADMIN, "确认发送")
    since = len(bot.fake.calls)
    assert await _send_out(bot) == 1
    assert NOTICE in texts(bot.fake.sent_to(neighbour.id, since))
    assert bot.fake.sent_to(SHANGQIANG_1.id, since) == []


async def test_meeting_registrants_are_an_audience_only_while_a_meeting_is_open(
    bot: Harness,
) -> None:
    await _town(bot)
    await bot.send(ADMIN, "/broadcast")
    assert not any("议事会" in label for label in bot.buttons(ADMIN.id))
    await bot.send(ADMIN, "/cancel")

    db = bot.services.db
    now = bot.clock.now().isoformat()
    async with db.transaction() as conn:
        await conn.execute(
            """INSERT INTO meetings (id, title, place, starts_at, duration_minutes, capacity,
                   registration_until, created_by, created_at)
               VALUES (1, '老旧小区加装电梯议事会', '上强社区会议室', ?, 90, 20, ?, ?, ?)""",
            (now, now, ADMIN.id, now),
        )
        await conn.execute(
            """INSERT INTO meeting_bookings (meeting_id, person_id, status, code, created_at)
               VALUES (1, ?, 'booked', 'A1', ?), (1, ?, 'waitlisted', 'A2', ?)""",
            (SHANGQIANG_1.id, now, YANGSHAN.id, now),
        )
    calls = await _until_preview(bot, ["议事会报名者", "加装电梯"], text="议事会改到三楼会议室。")
    assert "<b>2</b> 人" in texts(calls)
    await bot.button(ADMIN, "确认发送")
    since = len(bot.fake.calls)
    assert await _send_out(bot) == 2
    assert bot.fake.sent_to(SHANGQIANG_2.id, since) == []


async def test_a_photo_announcement_is_one_photo_with_its_caption(bot: Harness) -> None:
    await _town(bot)
    await bot.send(ADMIN, "/broadcast")
    await bot.button(ADMIN, "按片区")
    await bot.button(ADMIN, "阳山")
    await _send_photo(bot, ADMIN, "poster-1", "垃圾分类新规下月起实施，详见海报。")
    calls = await bot.button(ADMIN, "普通公告")
    (preview,) = [c for c in calls if c.method == "sendPhoto"]
    assert preview.params["photo"] == "poster-1"
    assert preview.params["caption"] == "📢 <b>公告</b>\n\n垃圾分类新规下月起实施，详见海报。"
    await bot.button(ADMIN, "确认发送")
    since = len(bot.fake.calls)
    assert await _send_out(bot) == 1
    received = bot.fake.sent_to(YANGSHAN.id, since)
    assert [(c.method, c.params["photo"], c.params["caption"]) for c in received] == [
        ("sendPhoto", "poster-1", preview.params["caption"])
    ]


async def test_the_text_can_be_changed_after_the_preview(bot: Harness) -> None:
    await _town(bot)
    await _until_preview(bot, ["按片区", "阳山"])
    await bot.button(ADMIN, "修改内容")
    calls = await bot.send(ADMIN, "义诊改到周日上午。")
    assert "义诊改到周日上午。" in texts(calls) and "现在能收到的人数" in texts(calls)
    await bot.button(ADMIN, "确认发送")
    assert await bot.services.db.fetchval("SELECT text FROM broadcasts") == "义诊改到周日上午。"


async def test_progress_is_edited_in_place_until_done(bot: Harness) -> None:
    await _town(bot)
    bot.fake.blocked.add(SHANGQIANG_2.id)
    await _until_preview(bot, ["按片区", "上强"])
    await bot.button(ADMIN, "确认发送")
    db = bot.services.db
    progress_message = await db.fetchval("SELECT progress_message_id FROM broadcasts")
    job = bot.app.job_queue.get_jobs_by_name(PROGRESS_JOB)[0]  # type: ignore[union-attr]
    await job.run(bot.app)  # type: ignore[union-attr,arg-type]
    since = len(bot.fake.calls)
    await job.run(bot.app)  # type: ignore[union-attr,arg-type]
    assert _edits(bot, since) == []  # the figures did not change: no edit
    await _send_out(bot)

    since = len(bot.fake.calls)
    await job.run(bot.app)  # type: ignore[union-attr,arg-type]
    assert [int(c.params["message_id"]) for c in _edits(bot, since)] == [progress_message]
    done = bot.fake.messages[(ADMIN.id, progress_message)]["text"]
    assert "已发完" in done and "已送达：1 / 2" in done and "屏蔽了机器人：1" in done
    assert await db.fetchval("SELECT status FROM broadcasts") == "done"

    since = len(bot.fake.calls)
    await job.run(bot.app)  # type: ignore[union-attr,arg-type]
    assert _edits(bot, since) == []


async def test_broadcasts_lists_figures_and_stops_a_running_one(bot: Harness) -> None:
    await _town(bot)
    await _until_preview(bot, ["全体居民"])
    await bot.button(ADMIN, "确认发送")
    db = bot.services.db
    progress_message = await db.fetchval("SELECT progress_message_id FROM broadcasts")

    listing = texts(await bot.send(ADMIN, "/broadcasts"))
    assert "#1" in listing and "发送中" in listing and "已送达 0 / 4" in listing
    assert bot.buttons(ADMIN.id) == {"⏹ 停止 #1": "bc:x:1"}

    # A resident forging the stop button is refused and nothing changes.
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(SHANGQIANG_1, "bc:x:1")
    assert "没有权限" in "".join(bot.fake.answers(since))
    assert await table_counts(bot) == before
    assert await outbox.counts(db, 1) == {"pending": 4}

    since = len(bot.fake.calls)
    calls = await bot.button(ADMIN, "停止 #1")
    assert "已停止公告 #1：4 条没有发出" in "".join(bot.fake.answers(since))
    assert "已停止" in texts(calls) and "停止后未发 4" in texts(calls)
    assert await db.fetchval("SELECT status FROM broadcasts") == "cancelled"
    assert await outbox.counts(db, 1) == {"dropped": 4}
    assert "已停止" in bot.fake.messages[(ADMIN.id, progress_message)]["text"]
    assert "bc:x:1" not in bot.buttons(ADMIN.id).values()
    assert await _send_out(bot) == 0


async def test_residents_cannot_broadcast(bot: Harness) -> None:
    await _town(bot)
    before = await table_counts(bot)
    assert "没有权限" in texts(await bot.send(SHANGQIANG_1, "/broadcast"))
    assert "没有权限" in texts(await bot.send(SHANGQIANG_1, "/broadcasts"))
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before


async def test_bad_announcements_are_refused_and_change_nothing(bot: Harness) -> None:
    await _town(bot)
    await bot.send(ADMIN, "/broadcast")
    await bot.button(ADMIN, "全体居民")
    before = await table_counts(bot)
    reply = texts(await bot.send(ADMIN, "很" * 3501))
    assert "太长" in reply and "3501" in reply
    assert "文字" in texts(await bot.send_sticker(ADMIN))
    assert "文字" in texts(await bot.send_voice(ADMIN))
    assert "太长" in texts(await _send_photo(bot, ADMIN, "poster-2", "图" * 901))
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before
    # Still at the same step: a proper announcement goes on to the kind.
    await bot.send(ADMIN, "很" * 3500)
    assert "紧急通知" in "".join(bot.buttons(ADMIN.id))


async def test_cancel_leaves_nothing_behind(bot: Harness) -> None:
    await _town(bot)
    await _until_preview(bot, ["全体居民"])
    calls = await bot.button(ADMIN, "取消")
    assert "没有发出" in texts(calls)
    counts = await table_counts(bot)
    assert counts["broadcasts"] == 0 and counts["outbox"] == 0
    since = len(bot.fake.calls)
    await bot.press(ADMIN, "bc:ok", message_id=1)  # a confirm after cancelling is stale
    assert "过期" in "".join(bot.fake.answers(since))
    assert (await table_counts(bot))["broadcasts"] == 0


async def test_a_draft_lost_in_a_restart_asks_to_start_again(bot: Harness) -> None:
    # A configured admin who never registered: only registered people's data is persisted.
    await register(bot, SHANGQIANG_1)
    await bot.send(ADMIN, "/broadcast")
    await bot.button(ADMIN, "全体居民")
    await bot.restart()
    reply = texts(await bot.send(ADMIN, NOTICE))
    assert "过期" in reply and "/broadcast" in reply
    assert (await table_counts(bot))["broadcasts"] == 0
    await bot.send(ADMIN, "/broadcast")  # and starting again works
    await bot.button(ADMIN, "全体居民")
    await bot.send(ADMIN, NOTICE)
    await bot.button(ADMIN, "普通公告")
    await bot.button(ADMIN, "确认发送")
    assert await _send_out(bot) == 1
