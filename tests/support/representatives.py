"""People and steps shared by the representatives' tests (assignments, supervision,
reception days, patrols): staff are granted their role and open the bot once, like anyone."""

from __future__ import annotations

from storage import people
from tests.conftest import ADMIN_ID
from tests.support.complaints import report
from tests.support.fake_telegram import Call
from tests.support.harness import Harness, User, register

ADMIN = User(ADMIN_ID, "镇办老陈")
REP = User(400001, "周代表")
OTHER_REP = User(400002, "吴代表")
WORKER = User(200001, "张网格")
OFFICER = User(300001, "消防小杨")  # 消防 (XF): safety hazards go there
BUILDER = User(300002, "城建小王")  # 城建 (CJ)


async def grant(
    bot: Harness,
    user: User,
    role: str,
    *,
    grid: str | None = None,
    department: str | None = None,
    zone: str = "上强",
    opened: bool = True,
) -> None:
    """Grant a role and register the person (home grid in `zone`); with `opened` False the
    person never opens the bot (is not registered)."""
    db = bot.services.db
    grid_id = await db.fetchval("SELECT id FROM grids WHERE code = ?", (grid,)) if grid else None
    dept_id = (
        await db.fetchval("SELECT id FROM departments WHERE code = ?", (department,))
        if department
        else None
    )
    await people.grant(
        db,
        user.id,
        role,
        bot.clock.now(),
        grid_id=grid_id,
        department_id=dept_id,
        display_name=user.first_name,
    )
    if opened and await people.get(db, user.id) is None:
        await register(bot, user, zone=zone)


async def deliver(bot: Harness) -> int:
    """Send what the outbox holds now; the index of the first call it made."""
    since = len(bot.fake.calls)
    await bot.services.delivery.run_pass(bot.app.bot)  # type: ignore[union-attr]
    return since


async def file_complaint(
    bot: Harness,
    user: User,
    category: str = "环境卫生",
    text: str = "小区东门垃圾桶满了三天没人清理，气味很大",
) -> str:
    """A resident files a complaint (no photo, a typed address); its number."""
    await report(bot, user, category, text)
    return str(await bot.services.db.fetchval("SELECT number FROM complaints ORDER BY id DESC"))


async def assign_to(
    bot: Harness, admin: User, task: str, kind: str = "人大代表", who: str = "周代表"
) -> list[Call]:
    """/assign: the task typed, then the kind of assignee and the person (or department)
    pressed; the calls of that last press (the deadline is asked next)."""
    await bot.send(admin, "/assign")
    await bot.send(admin, task)
    await bot.button(admin, kind)
    return await bot.button(admin, who)
