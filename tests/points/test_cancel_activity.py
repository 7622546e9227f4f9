"""An organiser calls an activity off (rain, a closed road): everyone signed up or waiting is
told once, their reminders and the organiser's "confirm attendance" request are dropped,
nothing can be signed up, checked in or credited afterwards, and only the organiser (or an
admin) can do it, once."""

from __future__ import annotations

from datetime import timedelta

from bot.points.buttons import CANCEL_ACTIVITY, CONFIRM, DROP_ACTIVITY, SIGN_UP, VIEW
from tests.support.harness import Harness, User, table_counts, texts
from tests.support.points import ADMIN, published
from tests.support.privacy import deliver

RESIDENTS = [User(210001 + n, f"志愿者{n}") for n in range(4)]


async def _pending(bot: Harness, like: str) -> int:
    found = await bot.services.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE ? AND state = 'pending'", (like,)
    )
    return int(found)


async def _activity(bot: Harness) -> int:
    activity_id = await published(bot, *RESIDENTS)
    await deliver(bot)
    for resident in RESIDENTS[:3]:  # two places, one waiting; the fourth does not sign up
        await bot.press(resident, VIEW.pack(activity_id))
        await bot.press(resident, SIGN_UP.pack(activity_id))
    return activity_id


async def test_an_organiser_cancels_and_everyone_signed_up_is_told_once(bot: Harness) -> None:
    activity_id = await _activity(bot)
    assert await _pending(bot, f"va:{activity_id}:rem:%") == 4
    assert await _pending(bot, f"va:{activity_id}:due:%") == 1

    card = texts(await bot.send(ADMIN, f"/activity {activity_id}"))
    assert "志愿活动" in card
    ask = bot.buttons(ADMIN.id)["🚫 取消活动"]
    assert ask == CANCEL_ACTIVITY.pack(activity_id)
    question = texts(await bot.press(ADMIN, ask))
    assert "确定取消" in question and "2 人已报名" in question and "1 人候补" in question
    drop = bot.buttons(ADMIN.id)["确定取消活动"]
    done = texts(await bot.press(ADMIN, drop))
    assert "已取消" in done and "3 人" in done
    assert "已经取消" in texts(await bot.press(ADMIN, drop))  # a second press: nothing more

    status = await bot.services.db.fetchval(
        "SELECT status FROM volunteer_activities WHERE id = ?", (activity_id,)
    )
    assert status == "cancelled"
    signups = await bot.services.db.fetchall(
        "SELECT status FROM volunteer_signups WHERE activity_id = ?", (activity_id,)
    )
    assert [r[0] for r in signups] == ["cancelled"] * 3
    assert await _pending(bot, f"va:{activity_id}:rem:%") == 0
    assert await _pending(bot, f"va:{activity_id}:due:%") == 0

    since = len(bot.fake.calls)
    await deliver(bot)
    await deliver(bot)
    for resident in RESIDENTS[:3]:
        told = texts(bot.fake.sent_to(resident.id, since))
        assert told.count("活动取消") == 1 and "东门河道清洁" in told
    assert "活动取消" not in texts(bot.fake.sent_to(RESIDENTS[3].id, since))

    # Afterwards nothing moves: no sign-up, no check-in, no confirmation, no points.
    before = await table_counts(bot)
    assert "已经取消" in texts(await bot.press(RESIDENTS[3], SIGN_UP.pack(activity_id)))
    assert "活动已取消" in texts(await bot.press(RESIDENTS[3], VIEW.pack(activity_id)))
    bot.clock.advance(timedelta(hours=47))
    code = await bot.services.db.fetchval(
        "SELECT checkin_code FROM volunteer_activities WHERE id = ?", (activity_id,)
    )
    assert "已经取消" in texts(await bot.send(RESIDENTS[0], f"/clock {code}"))
    bot.clock.advance(timedelta(hours=3))
    assert "已经取消" in texts(await bot.press(ADMIN, CONFIRM.pack(activity_id)))
    assert await table_counts(bot) == before
    assert await bot.services.db.fetchval("SELECT COUNT(*) FROM points_ledger") == 0


async def test_only_the_organiser_cancels_and_not_after_the_start(bot: Harness) -> None:
    activity_id = await _activity(bot)
    before = await table_counts(bot)
    for data in (CANCEL_ACTIVITY.pack(activity_id), DROP_ACTIVITY.pack(activity_id)):
        assert "组织者" in texts(await bot.press(RESIDENTS[0], data))
    assert "已经失效" in texts(await bot.press(ADMIN, DROP_ACTIVITY.pack(99999)))
    assert "按钮无效" in texts(await bot.press(ADMIN, "va:xy:abc"))
    bot.clock.advance(timedelta(hours=47))
    assert "已经开始" in texts(await bot.press(ADMIN, DROP_ACTIVITY.pack(activity_id)))
    assert await table_counts(bot) == before
