"""An organiser of a big activity reads every volunteer and their code in /activity, however
many signed up: the list goes on in further messages (each within Telegram's 4,096), never cut
off as plain text. Pressing ✅ later edits the card alone, saying where the whole list is."""

from __future__ import annotations

from datetime import timedelta

from bot.points import activities
from bot.points.buttons import CONFIRM
from tests.conftest import ADMIN_ID
from tests.support.harness import Harness, User, register, texts

ADMIN = User(ADMIN_ID, "老陈")
MANY = [User(240001 + n, f"志愿者{n:03d}" + "🙂" * (n % 3)) for n in range(220)]
FORM = "/newactivity 全镇大扫除 | 清理街巷 | 镇政府门口 | 3月4日 9:00 | 120 | 200 | 10 | SQ-01"


async def test_every_volunteer_and_code_is_shown_to_the_organiser(bot: Harness) -> None:
    await register(bot, ADMIN)
    await bot.send(ADMIN, FORM)
    activity_id = int(await bot.services.db.fetchval("SELECT MAX(id) FROM volunteer_activities"))
    for user in MANY:
        await register(bot, user)
        await activities.sign_up(bot.services, activity_id, user.id)
    codes = [
        str(r[0])
        for r in await bot.services.db.fetchall(
            "SELECT code FROM volunteer_signups WHERE activity_id = ? ORDER BY id", (activity_id,)
        )
    ]
    calls = await bot.send(ADMIN, f"/activity {activity_id}")
    sent = [c for c in calls if c.method == "sendMessage"]
    shown = texts(calls)
    assert all(f"<code>{code}</code>" in shown for code in codes)  # HTML kept, none cut
    assert "签到码" in shown and len(sent) > 1
    assert sum("reply_markup" in c.params for c in sent) == 1  # the buttons: on the card only

    bot.clock.advance(timedelta(hours=50))
    done = texts(await bot.press(ADMIN, CONFIRM.pack(activity_id)))
    assert "200 人未签到签退" in done  # the 20 still waiting were never booked
    assert f"共 200 人，发送 /activity {activity_id} 查看全部名单" in done
