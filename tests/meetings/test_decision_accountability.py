"""A meeting's decisions followed in public, Decidim-style: each decision's assignment (交办) and
its progress are told to the meeting's registrants and the zone's followers, once each; and
/meetings shows past meetings, a page at a time, with where each decision stands."""

from __future__ import annotations

from datetime import timedelta

from bot.assignments.rules import Step
from bot.assignments.service import act
from bot.meetings import results
from bot.meetings.rules import DECISION, MAX_DECISIONS, SUMMARY, decision_stage
from tests.support.chat import press_in_group, send_in_group
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.meetings import (
    ADMIN,
    LI,
    START,
    WANG,
    YANGSHAN,
    ZHAO,
    ZHOU,
    book,
    deliver,
    grant,
    local,
    meeting,
    to,
    town,
)

ASSIGNED = "议事会决议已交办"
PROGRESS = "议事会决议有新进展"
DUE = local(2026, 4, 30, 18, 0)


async def _follow(bot: Harness, user: User) -> None:
    await bot.send(user, "/settings")
    await bot.button(user, "📢")


async def _held(
    bot: Harness, decisions: list[str], *, title: str = "上强社区加装电梯协商议事会", days: int = 0
) -> tuple[int, list[int]]:
    """A meeting of 上强 held `days` after START, its result recorded with `decisions`."""
    m = await meeting(bot, starts_at=START + timedelta(days=days), title=title)
    bot.clock.set(m.starts_at + timedelta(hours=2))
    _, ids, _ = await results.record_result(
        bot.services, m.id, ADMIN.id, summary="大家同意加装电梯", decisions=decisions, attendance=2
    )
    return m.id, ids


async def _assign(bot: Harness, decision_id: int) -> int:
    return await results.assign(
        bot.services, decision_id, ADMIN.id, kind="representative", target_id=ZHOU.id, due_at=DUE
    )


async def test_a_decisions_assignment_and_progress_reach_registrants_and_followers_once(
    bot: Harness,
) -> None:
    await town(bot, WANG, LI, ZHAO, YANGSHAN)
    await register(bot, ZHOU)
    await grant(bot, ZHOU, "representative")
    m = await meeting(bot)
    for person in (WANG, LI):
        await book(bot, person, m.id)
    await _follow(bot, ZHAO)  # lives in 上强 and follows it; did not book
    await _follow(bot, YANGSHAN)  # follows 阳山: not this meeting's zone
    await _follow(bot, WANG)  # a registrant who follows too: told once, as a registrant
    bot.clock.set(START + timedelta(hours=2))
    _, ids, _ = await results.record_result(
        bot.services,
        m.id,
        ADMIN.id,
        summary="大家同意加装电梯",
        decisions=["3号楼先行试点", "社区出施工方案"],
        attendance=2,
    )
    await deliver(bot)

    assignment_id = await _assign(bot, ids[0])
    calls = await deliver(bot)
    for person in (WANG, LI):
        told = to(calls, person)
        assert told.count(ASSIGNED) == 1 and "您报名参加" in told, person
        assert "周代表" in told and "3号楼先行试点" in told and "2026年4月30日" in told
    public = to(calls, ZHAO)
    assert public.count(ASSIGNED) == 1 and "您报名参加" not in public
    assert ASSIGNED not in to(calls, YANGSHAN) + to(calls, ZHOU)
    button = next(c for c in calls if str(c.params.get("chat_id")) == str(ZHAO.id))
    assert f"mt:pv:{m.id}:0" in str(button.params.get("reply_markup"))

    await act(bot.services, assignment_id, Step.ACCEPT, ZHOU.id)
    calls = await deliver(bot)
    assert PROGRESS not in "".join(to(calls, p) for p in (WANG, LI, ZHAO))  # 签收 is no news
    await act(bot.services, assignment_id, Step.PROGRESS, ZHOU.id, note="施工方案已报城建审批")
    calls = await deliver(bot)
    for person in (WANG, LI, ZHAO):
        told = to(calls, person)
        assert told.count(PROGRESS) == 1 and "施工方案已报城建审批" in told, person
    assert PROGRESS not in to(calls, YANGSHAN)
    again = await deliver(bot)
    assert not again
    keys = await bot.services.db.fetchall(
        "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE ? OR dedupe_key LIKE ?",
        (f"mt:{m.id}:dasg:%", f"mt:{m.id}:prog:%"),
    )
    assert len(keys) == 6  # WANG, LI and ZHAO, twice


async def test_a_decision_from_a_department_or_an_unnamed_worker_is_told_without_names(
    bot: Harness,
) -> None:
    await town(bot, WANG)
    m = await meeting(bot)
    await book(bot, WANG, m.id)
    bot.clock.set(START + timedelta(hours=2))
    _, ids, _ = await results.record_result(
        bot.services, m.id, ADMIN.id, summary="同意", decisions=["修路"], attendance=1
    )
    await results.assign(bot.services, ids[0], ADMIN.id, kind="department", target_id=2, due_at=DUE)
    calls = await deliver(bot)
    told = to(calls, WANG)
    assert ASSIGNED in told and "城建" in told


async def test_meetings_shows_past_meetings_with_where_each_decision_stands(bot: Harness) -> None:
    await town(bot, WANG, LI, YANGSHAN)
    await register(bot, ZHOU)
    await grant(bot, ZHOU, "representative")
    four = ["3号楼先行试点", "社区出施工方案", "成立业主监督小组", "费用公示"]
    meeting_id, ids = await _held(bot, four)
    first, second, third = [await _assign(bot, d) for d in ids[:3]]
    await act(bot.services, second, Step.ACCEPT, ZHOU.id)
    await act(bot.services, second, Step.PROGRESS, ZHOU.id, note="方案初稿已完成")
    for step, note in ((Step.ACCEPT, ""), (Step.DONE, "小组已成立")):
        await act(bot.services, third, step, ZHOU.id, note=note)
    await act(bot.services, first, Step.ACCEPT, ZHOU.id)
    await act(bot.services, first, Step.DONE, ZHOU.id, note="试点完成")
    await act(bot.services, first, Step.VERIFY, ADMIN.id)

    listing = await bot.send(WANG, "/meetings")
    assert "往期议事会" in str(listing[-1].params.get("reply_markup"))
    page = texts(await bot.button(WANG, "往期议事会"))
    assert "上强社区加装电梯协商议事会" in page and "决议 4 项，已完成并核实 1 项" in page
    card = texts(await bot.button(WANG, "上强社区加装电梯"))
    assert "大家同意加装电梯" in card
    lines = card.split("\n")

    def stage_of(decision: str) -> str:
        return lines[lines.index(next(x for x in lines if decision in x)) + 1]

    assert "已完成" in stage_of("3号楼先行试点") and "核实" in stage_of("3号楼先行试点")
    in_hand = stage_of("社区出施工方案")
    assert "周代表 办理中" in in_hand and "进展 1 次" in in_hand
    assert "报告已完成，待镇里核实" in stage_of("成立业主监督小组")
    assert "尚未交办" in stage_of("费用公示")
    assert "方案初稿已完成" not in card  # notes go to those told, the card counts them
    back = texts(await bot.button(WANG, "返回往期列表"))
    assert "往期议事会与决议落实" in back

    # Another zone's resident neither sees it listed nor opens it by a crafted button.
    await bot.send(YANGSHAN, "/meetings")
    assert "往期议事会" not in str(bot.fake.calls[-1].params.get("reply_markup"))
    before = await table_counts(bot)
    for data in (f"mt:pv:{meeting_id}:1", "mt:pv:999:1", "mt:pv:x:1", "mt:p:x"):
        since = len(bot.fake.calls)
        await bot.press(YANGSHAN, data)
        assert bot.fake.answers(since), data
    assert await table_counts(bot) == before


async def test_many_past_meetings_come_a_page_at_a_time(bot: Harness) -> None:
    await town(bot, WANG)
    for n in range(7):
        await _held(bot, [f"决议{n}"], title=f"第{n + 1}次议事会", days=n)
    await bot.send(WANG, "/meetings")
    first = texts(await bot.button(WANG, "往期议事会"))
    assert "第 1/2 页，共 7 场" in first and "第7次议事会" in first and "第2次议事会" not in first
    second = texts(await bot.button(WANG, "下一页"))
    assert "第 2/2 页" in second and "第1次议事会" in second and "第7次议事会" not in second
    # A page that is gone (a forged or old button) shows the last one: here shown already, so
    # the message is left as it is; from the first page it is edited to the last.
    assert not [c for c in await bot.press(WANG, "mt:p:40") if c.method.startswith("edit")]
    await bot.button(WANG, "上一页")
    assert "第 2/2 页" in texts(await bot.press(WANG, "mt:p:40"))


async def test_the_fullest_meeting_fits_one_message(bot: Harness) -> None:
    await town(bot, WANG)
    m = await meeting(bot)
    bot.clock.set(START + timedelta(hours=2))
    decisions = [f"{n}" + "加装电梯并改造楼道照明与无障碍通道" * 20 for n in range(MAX_DECISIONS)]
    await results.record_result(
        bot.services,
        m.id,
        ADMIN.id,
        summary=("会议<纪要>&" * 200)[: SUMMARY[1]],
        decisions=[d[: DECISION[1]] for d in decisions],
        attendance=30,
    )
    await bot.press(WANG, f"mt:pv:{m.id}:0")  # from a notice: a new message
    card = bot.fake.calls[-1]
    assert card.method == "sendMessage" and "决议落实情况" in str(card.params["text"])
    assert str(card.params["text"]).count("尚未交办") == MAX_DECISIONS


def test_a_decisions_stage_follows_its_assignment() -> None:
    assert [decision_stage(s) for s in (None, "assigned", "accepted", "returned")] == [
        "not_assigned",
        "assigned",
        "in_progress",
        "in_progress",
    ]
    assert [decision_stage(s) for s in ("done", "verified", "cancelled")] == [
        "reported_done",
        "verified",
        "not_assigned",
    ]


async def test_the_progress_prompt_of_a_decision_says_it_is_public(bot: Harness) -> None:
    await town(bot, WANG)
    await register(bot, ZHOU)
    await grant(bot, ZHOU, "representative")
    _, ids = await _held(bot, ["3号楼先行试点"])
    assignment_id = await _assign(bot, ids[0])
    await act(bot.services, assignment_id, Step.ACCEPT, ZHOU.id)
    asked = texts(await bot.press(ZHOU, f"as:note:{assignment_id}"))
    assert "公开" in asked


async def test_in_english_the_notices_and_the_card_read_in_english(bot: Harness) -> None:
    smith = User(100029, "Mr Smith", language_code="en")
    await town(bot, smith)
    await register(bot, ZHOU)
    await grant(bot, ZHOU, "representative")
    m = await meeting(bot)
    await bot.press(smith, f"mt:v:{m.id}")
    await bot.button(smith, "Book a seat")
    bot.clock.set(START + timedelta(hours=2))
    _, ids, _ = await results.record_result(
        bot.services, m.id, ADMIN.id, summary="Agreed", decisions=["Pilot in block 3"], attendance=1
    )
    assignment_id = await _assign(bot, ids[0])
    await act(bot.services, assignment_id, Step.ACCEPT, ZHOU.id)
    await act(bot.services, assignment_id, Step.PROGRESS, ZHOU.id, note="Plan sent for approval")
    told = to(await deliver(bot), smith)
    assert "A meeting's decision is assigned" in told and "due 2026-04-30" in told
    assert "Progress on a meeting's decision" in told and "Plan sent for approval" in told
    await bot.send(smith, "/meetings")
    assert "1 decision, 0 completed" in texts(await bot.button(smith, "Past meetings"))
    card = texts(await bot.button(smith, "上强社区加装电梯"))
    assert "Where the decisions stand" in card and "In progress with 周代表" in card
    assert "1 progress report," in card


async def test_past_meetings_are_not_shown_in_a_group(bot: Harness) -> None:
    await town(bot, WANG)
    meeting_id, _ = await _held(bot, ["3号楼先行试点"])
    before = await table_counts(bot)
    for data in ("mt:p:0", f"mt:pv:{meeting_id}:1", f"mt:pv:{meeting_id}:0"):
        calls = await press_in_group(bot, WANG, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert "私聊" in calls[0].params["text"]
    in_group = await send_in_group(bot, WANG, "/meetings")
    assert "议事会" not in texts(in_group)  # a pointer to the private chat, nothing else
    assert await table_counts(bot) == before
