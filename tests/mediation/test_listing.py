"""/mediations lists every case in its text, and every listed case is one button away: the
buttons come twenty a page with ◀ ▶, within Telegram's limits (≤ 100 buttons, 64-byte data)."""

from __future__ import annotations

from tests.support.harness import Harness, texts
from tests.support.representatives import ADMIN, grant

MEDIATED, OPEN = 10, 20  # the admin mediates ten old cases; the town has twenty newer open ones


async def _cases(bot: Harness) -> list[str]:
    """Thirty active cases in 上强, the oldest ten mediated by the admin; their numbers."""
    db, at = bot.services.db, bot.clock.now().isoformat()
    grid = await db.fetchval("SELECT id FROM grids WHERE code = 'SQ-01-01'")
    numbers = []
    async with db.transaction() as conn:
        for n in range(1, MEDIATED + OPEN + 1):
            number = f"TJ-2026-{n:06d}"
            await conn.execute(
                """INSERT INTO mediations (number, grid_id, kind, summary, status, opened_at,
                       contact_due_at, result_due_at, mediator_id)
                   VALUES (?, ?, 'neighbour', '邻里噪音', 'active', ?, ?, ?, ?)""",
                (number, grid, at, at, at, ADMIN.id if n <= MEDIATED else None),
            )
            numbers.append(number)
    return numbers


def _case_buttons(bot: Harness) -> dict[str, str]:
    return {k: v for k, v in bot.buttons(ADMIN.id).items() if k.startswith("TJ-")}


async def test_every_listed_case_is_reachable_by_a_button_twenty_a_page(bot: Harness) -> None:
    await grant(bot, ADMIN, "admin")
    numbers = await _cases(bot)
    shown = texts(await bot.send(ADMIN, "/mediations"))
    assert all(n in shown for n in numbers)  # all thirty in the text

    first = _case_buttons(bot)
    assert len(first) == 20 and "上一页" not in " ".join(bot.buttons(ADMIN.id))
    again = texts(await bot.button(ADMIN, "下一页"))
    assert all(n in again for n in numbers)  # the same list, edited in place
    second = _case_buttons(bot)
    assert len(second) == 10 and not set(first) & set(second)
    assert set(first) | set(second) == set(numbers)
    assert "下一页" not in " ".join(bot.buttons(ADMIN.id))
    for data in [*first.values(), *second.values(), *bot.buttons(ADMIN.id).values()]:
        assert len(data.encode()) <= 64
    [later, *_] = second  # a case only the second page offers
    assert later in texts(await bot.button(ADMIN, later))
    await bot.send(ADMIN, "/mediations")
    await bot.button(ADMIN, "下一页")
    assert set(_case_buttons(bot)) == set(second)
    await bot.button(ADMIN, "上一页")
    assert set(_case_buttons(bot)) == set(first)
