"""Volunteer points in the chat: an admin publishes an activity from one line, ten residents
sign up for eight places (two wait), a cancellation promotes the first waiting, volunteers
check in and out by the organiser's codes (or the organiser types theirs), attendance is
confirmed once and credited once; a grandparent links a grandchild's parent, redeems for the
child (two presses, one voucher), and the provider takes the voucher once. Wrong roles,
forged buttons and a group chat change nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.points.buttons import CANCEL, CONFIRM, HONOUR, NAMED, REDEEM, SIGN_UP, VIEW
from storage import points as store
from tests.conftest import ADMIN_ID
from tests.support.chat import edit_message, press_in_group, send_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.privacy import deliver

ADMIN = User(ADMIN_ID, "老陈")
PROVIDER = User(300001, "书法老师")
RESIDENTS = [User(200001 + n, f"居民{n}") for n in range(10)]
FORM = (
    "/newactivity 东门河道清洁 | 清理河岸垃圾 | 上强社区东门 | 3月4日 9:00 | 120 | 8 | 10 | SQ-01 "
    "| 环境综合整治 第3轮"
)


async def _published(bot: Harness) -> int:
    await register(bot, ADMIN)
    answer = texts(await bot.send(ADMIN, FORM))
    assert "签到码" in answer and "环境综合整治 第3轮" in answer
    found = await bot.services.db.fetchval("SELECT MAX(id) FROM volunteer_activities")
    return int(found)


async def _statuses(bot: Harness, activity_id: int) -> list[str]:
    rows = await bot.services.db.fetchall(
        "SELECT status FROM volunteer_signups WHERE activity_id = ? ORDER BY person_id",
        (activity_id,),
    )
    return [r[0] for r in rows]


async def _signed_up(bot: Harness) -> int:
    for resident in RESIDENTS:
        await register(bot, resident)
    activity_id = await _published(bot)
    await deliver(bot)
    assert "志愿服务招募" in texts(bot.fake.sent_to(RESIDENTS[0].id))
    for resident in RESIDENTS:
        await bot.press(resident, VIEW.pack(activity_id))
        await bot.press(resident, SIGN_UP.pack(activity_id))
    return activity_id


async def _code(bot: Harness, activity_id: int, which: str) -> str:
    column = "checkin_code" if which == "in" else "checkout_code"
    found = await bot.services.db.fetchval(
        f"SELECT {column} FROM volunteer_activities WHERE id = ?", (activity_id,)
    )
    return str(found)


async def test_ten_sign_up_for_eight_a_cancellation_promotes_and_points_come_once(
    bot: Harness,
) -> None:
    activity_id = await _signed_up(bot)
    assert await _statuses(bot, activity_id) == ["booked"] * 8 + ["waitlisted"] * 2
    # A second press changes nothing and says so (a toast, the card as it was).
    before = await table_counts(bot)
    assert "已经报名" in texts(await bot.press(RESIDENTS[0], SIGN_UP.pack(activity_id)))
    assert await table_counts(bot) == before
    # Reminders are rows, due before the start.
    reminders = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'va:%:rem:%' AND state = 'pending'"
    )
    assert reminders == 16

    await bot.press(RESIDENTS[3], CANCEL.pack(activity_id))
    assert (await _statuses(bot, activity_id))[3] == "cancelled"
    assert (await _statuses(bot, activity_id))[8] == "booked"
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "候补成功" in texts(bot.fake.sent_to(RESIDENTS[8].id, since))

    # The activity starts: volunteers check in and out with the organiser's codes.
    bot.clock.advance(timedelta(hours=47))
    checkin, checkout = await _code(bot, activity_id, "in"), await _code(bot, activity_id, "out")
    present = [r for n, r in enumerate(RESIDENTS) if n not in (3, 9, 7)]
    for resident in present:
        assert "已签到" in texts(await bot.send(resident, f"/clock {checkin.lower()}"))
    assert "已经签到过" in texts(await bot.send(present[0], f"/clock {checkin}"))
    assert "没有这个活动的名额" in texts(await bot.send(RESIDENTS[9], f"/clock {checkin}"))
    # The organiser checks in one who has no phone at hand, by that volunteer's own code.
    code7 = await bot.services.db.fetchval(
        "SELECT code FROM volunteer_signups WHERE person_id = ?", (RESIDENTS[7].id,)
    )
    assert "已替" in texts(await bot.send(ADMIN, f"/activity {activity_id} in {code7}"))
    bot.clock.advance(timedelta(hours=2))
    for resident in present:
        assert "已签退" in texts(await bot.send(resident, f"/clock {checkout}"))

    # At the end the organiser is asked to confirm, with the button.
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "请确认出勤" in texts(bot.fake.sent_to(ADMIN.id, since))
    # A resident cannot confirm; the organiser confirms once.
    assert "组织者" in texts(await bot.press(RESIDENTS[0], CONFIRM.pack(activity_id)))
    answer = texts(await bot.press(ADMIN, CONFIRM.pack(activity_id)))
    assert "7 人出勤" in answer and "1 人未签到签退" in answer
    assert "已经确认过" in texts(await bot.press(ADMIN, CONFIRM.pack(activity_id)))
    for resident in present:
        assert await store.sum_and_rows(bot.services.db, resident.id) == (20, [20])
    assert await store.balance(bot.services.db, RESIDENTS[7].id) == 0  # checked in, never out
    assert await _statuses(bot, activity_id) == (
        ["attended"] * 3 + ["cancelled"] + ["attended"] * 3 + ["no_show", "attended", "cancelled"]
    )
    since = len(bot.fake.calls)
    await deliver(bot)
    assert "获得 <b>20</b> 积分" in texts(bot.fake.sent_to(RESIDENTS[0].id, since))

    # Next month's honour roll: everyone counted, only the one who agreed named.
    await bot.press(RESIDENTS[1], NAMED.pack(True))
    bot.clock.advance(timedelta(days=31))
    roll = texts(await bot.press(RESIDENTS[0], HONOUR.pack()))
    assert "上强社区</b>：7 名志愿者，共服务 14.0 小时" in roll
    assert "1. 居民1 2.0 小时" in roll and "居民0" not in roll


async def test_wrong_roles_forged_buttons_and_bad_forms_change_nothing(bot: Harness) -> None:
    activity_id = await _published(bot)
    await register(bot, RESIDENTS[0])
    before = await table_counts(bot)
    assert "只供管理员" in texts(await bot.send(RESIDENTS[0], FORM))
    assert "8 或 9 项" in texts(await bot.send(ADMIN, "/newactivity 只有标题"))
    assert "例如" in texts(await bot.send(ADMIN, "/newactivity"))
    assert "标题需要 2–60 个字" in texts(
        await bot.send(ADMIN, FORM.replace("东门河道清洁", "长" * 61))
    )
    assert "名额需要是" in texts(await bot.send(ADMIN, FORM.replace("| 8 |", "| 0 |")))
    assert "将来" in texts(await bot.send(ADMIN, FORM.replace("3月4日", "3月1日")))
    assert "没有代码为 XX" in texts(await bot.send(ADMIN, FORM.replace("SQ-01", "XX")))
    assert "按钮无效" in texts(await bot.press(RESIDENTS[0], "va:s:abc"))
    assert "已经失效" in texts(await bot.press(RESIDENTS[0], SIGN_UP.pack(99999)))
    assert "已经失效" in texts(await bot.press(RESIDENTS[0], CONFIRM.pack(99999)))
    assert "组织者" in texts(await bot.send(RESIDENTS[0], f"/activity {activity_id}"))
    assert "管理员" in texts(await bot.send(RESIDENTS[0], "/catalogue add 1 1 - - x"))
    assert await table_counts(bot) == before


async def test_a_grandparent_redeems_for_a_grandchild_once_and_the_provider_takes_it_once(
    bot: Harness,
) -> None:
    grandma, parent = RESIDENTS[0], RESIDENTS[1]
    for user in (ADMIN, grandma, parent, PROVIDER):
        await register(bot, user)
    await bot.send(ADMIN, f"/catalogue add 30 1 - {PROVIDER.id} 少儿书法课一节")
    assert "余额 40" in texts(await bot.send(ADMIN, f"/correct {grandma.id} 40 上月活动补记"))
    answer = texts(await bot.send(grandma, "/family"))
    code = answer.split("/family ")[1].split()[0]
    assert "不能" not in texts(await bot.send(parent, f"/family {code}"))
    assert "已经用过" in texts(await bot.send(parent, f"/family {code}"))

    await bot.send(grandma, "/points")
    await bot.button(grandma, "少儿书法课一节")
    data = bot.buttons(grandma.id)[f"为{parent.first_name}兑换"]
    assert REDEEM.parse(data) is not None
    first = texts(await bot.press(grandma, data))
    again = texts(await bot.press(grandma, data))
    assert "兑换成功" in first and "已经兑换过" in again
    item = await bot.services.db.fetchone("SELECT stock FROM points_items")
    assert item is not None and item[0] == 0
    assert await store.sum_and_rows(bot.services.db, grandma.id) == (10, [40, -30])
    voucher = str(await bot.services.db.fetchval("SELECT code FROM points_redemptions"))
    since = len(bot.fake.calls)
    await deliver(bot)
    assert voucher in texts(bot.fake.sent_to(parent.id, since))

    assert "核销人或管理员" in texts(await bot.send(parent, f"/redeem {voucher}"))
    assert "有效" in texts(await bot.send(PROVIDER, f"/redeem {voucher.lower()}"))
    assert "已经用过" in texts(await bot.send(PROVIDER, f"/redeem {voucher}"))

    # Too few points: refused, and neither stock nor points move.
    await bot.send(ADMIN, "/catalogue add 1000 3 SQ - 亲子研学一日游")
    await bot.send(grandma, "/points")
    await bot.button(grandma, "亲子研学一日游")
    before = await table_counts(bot)
    assert "积分不够" in texts(await bot.button(grandma, "为我自己兑换"))
    assert await table_counts(bot) == before
    stock = await bot.services.db.fetchval("SELECT stock FROM points_items WHERE points = 1000")
    assert stock == 3

    # Points given to the linked member: once, however often the button is pressed.
    await bot.send(grandma, "/family give 10")
    give = bot.buttons(grandma.id)[f"送给{parent.first_name}（10 分）"]
    assert "还剩 0 积分" in texts(await bot.press(grandma, give))
    await bot.press(grandma, give)
    assert await store.sum_and_rows(bot.services.db, grandma.id) == (0, [40, -30, -10])
    assert await store.sum_and_rows(bot.services.db, parent.id) == (10, [10])
    await bot.send(grandma, "/family give 5")
    assert "积分不够" in texts(await bot.button(grandma, "送给"))
    assert await store.sum_and_rows(bot.services.db, parent.id) == (10, [10])


async def test_in_a_group_or_edited_nothing_is_signed_up_checked_in_or_redeemed(
    bot: Harness,
) -> None:
    for resident in RESIDENTS[:2]:
        await register(bot, resident)
    activity_id = await _published(bot)
    before = await table_counts(bot)
    for command in ("/volunteer", "/points", "/family", f"/clock {activity_id}", FORM):
        await send_in_group(bot, ADMIN if command == FORM else RESIDENTS[0], command)
    await press_in_group(bot, RESIDENTS[0], SIGN_UP.pack(activity_id))
    await edit_message(bot, RESIDENTS[0], "/family")
    counts = await table_counts(bot)
    assert counts["volunteer_signups"] == before["volunteer_signups"] == 0
    assert counts["volunteer_activities"] == before["volunteer_activities"] == 1
    assert counts["family_invites"] == 0
