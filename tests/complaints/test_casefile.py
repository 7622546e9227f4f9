"""The whole case: the neighbours who said "me too" follow it in /my, hear each step and answer
their own question after 办结; the resident sees the photo of the finished work with the 办结
notice; the handler's card, /inbox and /case show why a case came (back) and how many share
it; /inbox has views and pages."""

from __future__ import annotations

from datetime import timedelta

from bot.complaints.rules import Action
from bot.complaints.service import act
from tests.support.complaints import describe, last_id, place, report
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import deliver, grant

WORKER = User(200001, "张网格")
OTHER_WORKER = User(200002, "王网格")  # the second grid's
NEIGHBOUR = User(100003, "赵大爷")
SAME_IN_OTHER_WORDS = "东门的垃圾桶好几天没人倒了，臭味很大"


async def _shared(bot: Harness, resident: User) -> int:
    """The resident files a case; a neighbour says "me too" to it."""
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    await report(bot, resident, address="跳过")
    complaint_id = await last_id(bot)
    await register(bot, NEIGHBOUR)
    await describe(bot, NEIGHBOUR, SAME_IN_OTHER_WORDS)
    await bot.button(NEIGHBOUR, "不需要照片")
    await place(bot, NEIGHBOUR, "跳过")
    assert "已加入" in texts(await bot.button(NEIGHBOUR, "我也遇到了"))
    return complaint_id


async def _row(bot: Harness, sql: str, *args: object) -> tuple[object, ...]:
    found = await bot.services.db.fetchone(sql, args)
    assert found is not None
    return tuple(found)


async def test_a_neighbour_follows_the_case_in_my_and_answers_for_themselves(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _shared(bot, resident)
    listing = texts(await bot.send(NEIGHBOUR, "/my"))
    assert "我也遇到了（附议）" in listing and "MH-2026-000001" in listing
    assert bot.buttons(NEIGHBOUR.id) == {"👥 MH-2026-000001": f"my:{complaint_id}"}
    history = texts(await bot.button(NEIGHBOUR, "MH-2026-000001"))
    assert "您说过“我也遇到了”" in history and "满意吗" not in history

    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await deliver(bot)
    await act(
        bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已清运", photo=("done", "u")
    )
    since = await deliver(bot)
    to_neighbour = bot.fake.sent_to(NEIGHBOUR.id, since)
    assert [c.method for c in to_neighbour] == ["sendPhoto"]  # the finished work, captioned
    caption = str(to_neighbour[0].params["caption"])
    assert "已办结" in caption and "您说过“我也遇到了”" in caption and "已清运" in caption
    assert bot.buttons(NEIGHBOUR.id) == {
        "😊 满意": f"cr:msat:{complaint_id}",
        "🙂 基本满意": f"cr:mbasic:{complaint_id}",
        "😞 不满意": f"cr:mno:{complaint_id}",
    }
    # The neighbour's answer is theirs: the case stays resolved for the reporter to answer.
    reply = texts(await bot.button(NEIGHBOUR, "不满意"))
    assert "谢谢您的评价（不满意）" in reply and "哪里不满意" in reply  # why? (optional)
    assert "原因已转告" in texts(await bot.send(NEIGHBOUR, "桶是倒了，可地上还是很脏"))
    assert await _row(
        bot, "SELECT status, satisfaction, redo_count FROM complaints WHERE id = ?", complaint_id
    ) == ("resolved", None, 0)
    assert await _row(
        bot,
        "SELECT satisfaction, reason FROM complaint_supporters WHERE person_id = ?",
        NEIGHBOUR.id,
    ) == ("unsatisfied", "桶是倒了，可地上还是很脏")
    since = await deliver(bot)
    told = texts(bot.fake.sent_to(WORKER.id, since))
    assert "一位附议居民的评价：不满意" in told and "不满意 1" in told
    assert "说明了不满意的原因：桶是倒了，可地上还是很脏" in told
    assert "赵大爷" not in told
    assert bot.buttons(WORKER.id) == {"📂 打开诉求": f"si:{complaint_id}"}
    assert "另有 1 位居民" in texts(await bot.button(WORKER, "打开诉求"))
    # The words are asked once: more words are just words.
    assert "转告" not in texts(await bot.send(NEIGHBOUR, "还有一件事"))

    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(NEIGHBOUR, f"cr:msat:{complaint_id}")
    assert "已经回复过了" in texts(bot.fake.sent_to(NEIGHBOUR.id, since))
    assert await table_counts(bot) == before

    # The reporter closes it; the neighbour hears it closed, not thanked for a rating.
    await bot.button(resident, "😊 满意")
    since = await deliver(bot)
    closed = texts(bot.fake.sent_to(NEIGHBOUR.id, since))
    assert "已关闭" in closed and "反映人已确认" in closed and "谢谢您的评价" not in closed


async def test_the_reason_is_optional(bot: Harness, resident: User) -> None:
    complaint_id = await _shared(bot, resident)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已清运")
    await deliver(bot)
    await bot.button(NEIGHBOUR, "不满意")
    assert "不用说明原因" in texts(await bot.button(NEIGHBOUR, "取消"))
    assert await _row(
        bot, "SELECT satisfaction, reason FROM complaint_supporters WHERE person_id = ?",
        NEIGHBOUR.id,
    ) == ("unsatisfied", None)  # fmt: skip
    since = await deliver(bot)
    assert "说明了不满意的原因" not in texts(bot.fake.sent_to(WORKER.id, since))


async def test_only_a_supporter_answers_as_one_and_only_after_the_work_is_done(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _shared(bot, resident)
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(NEIGHBOUR, f"cr:mbasic:{complaint_id}")  # not resolved yet
    await bot.press(resident, f"cr:mbasic:{complaint_id}")  # the reporter is no supporter
    said = texts(bot.fake.sent_to(NEIGHBOUR.id, since)) + texts(
        bot.fake.sent_to(resident.id, since)
    )
    assert "现在不能进行" in said and "不是您反映的诉求" in said
    assert await table_counts(bot) == before


async def test_a_new_resolution_after_a_redo_asks_the_supporter_again(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _shared(bot, resident)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已清运")
    await deliver(bot)
    await bot.press(NEIGHBOUR, f"cr:msat:{complaint_id}")
    await act(bot.services, complaint_id, Action.NOT_FIXED, resident.id, note="又满了")
    since = await deliver(bot)
    assert "退回原承办人员重办" in texts(bot.fake.sent_to(NEIGHBOUR.id, since))
    bot.clock.advance(timedelta(hours=1))
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="加派了清运车")
    await deliver(bot)
    assert "基本满意" in texts(await bot.press(NEIGHBOUR, f"cr:mbasic:{complaint_id}"))


async def test_the_resident_gets_the_photo_of_the_finished_work_with_the_question(
    bot: Harness, resident: User
) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    await report(bot, resident, address="跳过")
    complaint_id = await last_id(bot)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await deliver(bot)
    await act(
        bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已清运", photo=("after", "a")
    )
    since = await deliver(bot)
    sent = bot.fake.sent_to(resident.id, since)
    assert [c.method for c in sent] == ["sendPhoto"]
    assert sent[0].params["photo"] == "after" and "已办结" in str(sent[0].params["caption"])
    # The answer edits the photo's caption (a photo has no text to edit).
    reply = await bot.button(resident, "基本满意")
    assert [c.method for c in reply if c.method.startswith("edit")] == ["editMessageCaption"]
    assert "谢谢您的评价（基本满意）" in texts(reply)


async def test_the_handler_sees_why_it_came_back_the_earlier_case_and_the_neighbours(
    bot: Harness, resident: User
) -> None:
    complaint_id = await _shared(bot, resident)
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="已清运")
    await act(bot.services, complaint_id, Action.NOT_FIXED, resident.id, note="第二天又满了")
    since = await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "第 1 次" in notice and "第二天又满了" in notice and "另有 1 位居民" in notice

    inbox = texts(await bot.send(WORKER, "/inbox"))
    assert "↩️ 重办 1 次" in inbox and "👥 1" in inbox
    card = texts(await bot.button(WORKER, "MH-2026-000001"))
    assert "退回重办 1 次" in card and "重办原因" in card and "第二天又满了" in card
    assert "另有 1 位居民说“我也遇到了”" in card

    case = texts(await bot.send(WORKER, "/case MH-2026-000001"))
    assert "办理经过" in case and "第二天又满了" in case and "另有 1 位居民" in case

    # Sent back again: the new notice also says why it came back the first time.
    bot.clock.advance(timedelta(hours=2))
    await act(bot.services, complaint_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, complaint_id, Action.RESOLVE, WORKER.id, note="加派清运车")
    await act(bot.services, complaint_id, Action.NOT_FIXED, resident.id, note="周末还是满的")
    since = await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "第 2 次" in notice and "居民说：周末还是满的" in notice
    assert "之前的重办原因" in notice and "第二天又满了" in notice


async def test_a_relapse_names_the_earlier_case(bot: Harness, resident: User) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    await report(bot, resident, address="跳过")
    old_id = await last_id(bot)
    await act(bot.services, old_id, Action.ACCEPT, WORKER.id)
    await act(bot.services, old_id, Action.RESOLVE, WORKER.id, note="已清运")
    await deliver(bot)
    await bot.button(resident, "😊 满意")
    bot.clock.advance(timedelta(days=30))
    await bot.services.timers.run_pass()  # type: ignore[union-attr]
    await deliver(bot)
    since = len(bot.fake.calls)
    await bot.button(resident, "又出现了")
    await deliver(bot)
    notice = texts(bot.fake.sent_to(WORKER.id, since))
    assert "MH-2026-000002" in notice and "这是 MH-2026-000001 的复发" in notice
    await bot.send(WORKER, "/inbox")
    card = texts(await bot.button(WORKER, "MH-2026-000002"))
    assert "复发" in card and "/case MH-2026-000001" in card


async def test_case_is_for_those_who_hold_it(bot: Harness, resident: User) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, OTHER_WORKER, "grid_worker", grid="SQ-01-02")
    await register(bot, resident)
    await report(bot, resident, address="跳过")
    assert "没有权限" in texts(await bot.send(OTHER_WORKER, "/case MH-2026-000001"))
    assert "没有权限" in texts(await bot.send(resident, "/case MH-2026-000001"))
    assert "用法：/case" in texts(await bot.send(WORKER, "/case"))
    assert "没有编号为" in texts(await bot.send(WORKER, "/case MH-2026-999999"))
    assert "MH-2026-000001" in texts(await bot.send(WORKER, "/case mh-2026-000001"))


async def test_the_inbox_has_pages_and_views(bot: Harness, resident: User) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await register(bot, resident)
    for n in range(23):
        await report(bot, resident, text=f"{n + 1}号路灯不亮了，晚上很黑看不见路", address="跳过")
        await deliver(bot)
    first_id = 1
    await act(bot.services, first_id, Action.ACCEPT, WORKER.id)

    page = texts(await bot.send(WORKER, "/inbox"))
    assert "23 件" in page and "第 1/3 页" in page
    assert page.count("MH-2026-0000") == 10
    labels = bot.buttons(WORKER.id)
    assert labels["▶"] == "si:page:all:1" and "◀" not in labels and "• 全部" in labels
    page = texts(await bot.button(WORKER, "▶"))
    assert "第 2/3 页" in page and "◀" in bot.buttons(WORKER.id)
    page = texts(await bot.press(WORKER, "si:page:all:2"))
    assert "第 3/3 页" in page and page.count("MH-2026-0000") == 3
    # The work shrank: the last page — shown already, so the message is left as it is.
    calls = await bot.press(WORKER, "si:page:all:9")
    assert not [c for c in calls if c.method.startswith("edit")]
    shown = bot.fake.messages[(WORKER.id, bot.last_keyboard_message(WORKER.id))]
    assert "第 3/3 页" in shown["text"]

    working = texts(await bot.press(WORKER, "si:page:working:0"))
    assert "办理中（1 件" in working and "MH-2026-000001" in working
    assert "没有诉求" in texts(await bot.press(WORKER, "si:page:overdue:0"))
    bot.clock.advance(timedelta(days=20))
    overdue = texts(await bot.press(WORKER, "si:page:overdue:0"))
    assert "逾期（23 件" in overdue

    since = len(bot.fake.calls)
    await bot.press(resident, "si:page:all:0")  # a resident has no inbox
    assert "没有权限" in "".join(bot.fake.answers(since))
