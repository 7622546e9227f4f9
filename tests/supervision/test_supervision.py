"""A representative files a rectification item (督促整改) or a suggestion (意见建议) from a
supervision visit; it goes to the chosen department with its deadline and is worked through
the same complaint lifecycle as a resident's report (accept, resolve, confirm, 回头看)."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import complaints, supervision
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import BUILDER, REP, WORKER, deliver, grant


async def _file(
    bot: Harness,
    kind: str = "督促整改",
    source: str = "暗访",
    deadline: str | None = "3月6日",
    where: str | None = None,
) -> str:
    await bot.send(REP, "/suggest")
    await bot.button(REP, kind)
    await bot.button(REP, source)
    await bot.button(REP, "公共设施")
    await bot.button(REP, "城建")
    await bot.send(REP, "上强社区东门人行道三块地砖松动翘起，老人容易绊倒")
    await bot.send_photo(REP, "loose-tiles")
    await bot.button(REP, "照片发完了")
    if where is None:
        await bot.send_location(REP, 30.7012, 119.9523)  # outside every grid: asked where
        await bot.button(REP, "我的网格")
    else:
        await bot.send(REP, where)
    if deadline is None:
        await bot.button(REP, "按默认期限")
    else:
        await bot.send(REP, deadline)
    reply = texts(await bot.button(REP, "确认提交"))
    assert "已提交" in reply
    return str(await bot.services.db.fetchval("SELECT number FROM complaints ORDER BY id DESC"))


async def test_a_rectification_item_from_an_unannounced_visit_reaches_the_department(
    bot: Harness,
) -> None:
    await grant(bot, REP, "representative")
    await grant(bot, BUILDER, "department", department="CJ")
    number = await _file(bot)
    c = await complaints.by_number(bot.services.db, number)
    assert c is not None and c.kind == "rectification" and c.reporter_id == REP.id
    assert c.resolve_due_at == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    assert c.latitude == 30.7012 and len(c.photo_file_ids) == 1
    filed = await supervision.of_representative(bot.services.db, REP.id)
    assert [(f.number, f.source) for f in filed] == [(number, "unannounced")]

    since = await deliver(bot)
    notice = texts(bot.fake.sent_to(BUILDER.id, since))
    assert f"新代表督促整改事项 {number}" in notice and "3月6日 18:00 前办结" in notice
    await bot.press(BUILDER, f"cs:accept:{c.id}")  # under the photo of the notice
    await bot.press(BUILDER, f"cs:resolve:{c.id}")
    await bot.send(BUILDER, "已更换全部松动地砖并压实")
    await bot.button(BUILDER, "不需要照片")
    since = await deliver(bot)
    assert "已更换全部松动地砖" in texts(bot.fake.sent_to(REP.id, since))
    await bot.button(REP, "😊 满意")
    await bot.button(REP, "5 星")
    closed = await complaints.by_number(bot.services.db, number)
    assert closed is not None and closed.status == "closed" and closed.rating == 5
    assert closed.satisfaction == "satisfied"


async def test_a_suggestion_takes_the_category_deadline_by_default(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    number = await _file(bot, kind="意见建议", source="监督检查", deadline=None)
    c = await complaints.by_number(bot.services.db, number)
    assert c is not None and c.kind == "suggestion"
    assert c.resolve_due_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 公共设施: 5 working days
    dept = await bot.services.db.fetchval(
        "SELECT code FROM departments WHERE id = ?", (c.department_id,)
    )
    assert dept == "CJ"


async def test_bad_input_in_suggest_changes_nothing(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    before = await table_counts(bot)
    await bot.send(REP, "/suggest")
    await bot.button(REP, "督促整改")
    assert "按钮" in texts(await bot.send(REP, "暗访"))
    await bot.button(REP, "暗访")
    await bot.button(REP, "公共设施")
    await bot.button(REP, "城建")
    assert "太短" in texts(await bot.send(REP, "坏了"))
    await bot.send(REP, "上强社区东门人行道三块地砖松动翘起")
    await bot.button(REP, "照片发完了")
    assert "地址" in texts(await bot.send(REP, "x"))
    await bot.send(REP, "上强社区东门")  # names no grid: asked where
    assert "按钮" in texts(await bot.send(REP, "就在这里"))
    await bot.button(REP, "我的网格")
    assert "已经过去" in texts(await bot.send(REP, "2026-03-01"))
    assert "没看懂" in texts(await bot.send(REP, "尽快"))
    assert "已取消" in texts(await bot.send(REP, "/cancel"))
    assert await table_counts(bot) == before


async def test_only_representatives_file_suggestions(bot: Harness, resident: User) -> None:
    await register(bot, resident)
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    before = await table_counts(bot)
    for user in (resident, WORKER):
        assert "没有权限" in texts(await bot.send(user, "/suggest"))
        since = len(bot.fake.calls)
        await bot.press(user, "sv:k:rectification")  # a forged step outside the conversation
        assert bot.fake.answers(since)
    assert await table_counts(bot) == before


async def test_an_item_belongs_to_the_grid_of_its_site(bot: Harness) -> None:
    """属地: an item at 升华物流园 counts for 阳山工业园网格, not the representative's home grid;
    one whose location is in no grid is the representative's answer (here: their own)."""
    await grant(bot, REP, "representative")
    await grant(bot, BUILDER, "department", department="CJ")
    await _file(bot, where="升华物流园南门")
    assert "网格：阳山片区 · 阳山社区 · 阳山工业园网格" in texts(bot.fake.sent_to(REP.id))
    await _file(bot)
    db = bot.services.db
    codes = await db.fetchall(
        "SELECT g.code FROM complaints c JOIN grids g ON g.id = c.grid_id ORDER BY c.id"
    )
    assert [r[0] for r in codes] == ["YS-01-02", "SQ-01-01"]


async def _to_location(bot: Harness) -> None:
    await bot.send(REP, "/suggest")
    await bot.button(REP, "督促整改")
    await bot.button(REP, "暗访")
    await bot.button(REP, "公共设施")
    await bot.button(REP, "城建")
    await bot.send(REP, "桥头路灯杆倾斜，随时可能倒下，请尽快处理")
    await bot.button(REP, "照片发完了")


async def test_a_site_nothing_names_is_asked_and_the_summary_can_change_it(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await _to_location(bot)
    asked = texts(await bot.send(REP, "村口老桥头"))  # an address that names no grid
    assert "哪个网格" in asked and "我的网格" in str(bot.buttons(REP.id))
    await bot.button(REP, "别的地方")
    await bot.button(REP, "阳山片区")
    await bot.button(REP, "阳山社区")
    chosen = texts(await bot.button(REP, "阳山工业园网格"))
    assert "记在：<b>阳山片区 · 阳山社区 · 阳山工业园网格</b>" in chosen and "整改期限" in chosen
    summary = texts(await bot.button(REP, "按默认期限"))
    assert "网格：阳山片区 · 阳山社区 · 阳山工业园网格" in summary
    await bot.button(REP, "改网格")
    again = texts(await bot.button(REP, "我的网格"))
    assert "网格：上强片区 · 上强社区 · " in again and "确认提交" in str(bot.buttons(REP.id))
    assert "已提交" in texts(await bot.button(REP, "确认提交"))
    code = await bot.services.db.fetchval(
        "SELECT g.code FROM complaints c JOIN grids g ON g.id = c.grid_id ORDER BY c.id DESC"
    )
    assert code == "SQ-01-01"


async def test_a_forged_grid_in_the_where_step_changes_nothing(bot: Harness) -> None:
    await grant(bot, REP, "representative")
    await _to_location(bot)
    await bot.send(REP, "村口老桥头")
    before = await table_counts(bot)
    since = len(bot.fake.calls)
    await bot.press(REP, "sv:wg:999999")
    assert bot.fake.answers(since) == ["这个按钮无效，请重新选择。"]
    assert await table_counts(bot) == before
    await bot.button(REP, "我的网格")  # the step is still there
    assert "整改期限" in texts(bot.fake.sent_to(REP.id, since))
