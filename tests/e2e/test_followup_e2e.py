"""Over real HTTP against the emulator, residents see what happens:

1. a resident who follows 上强 in /settings hears of a new reception day (接待日) there, and
   books from the notice; a neighbour who does not follow hears nothing;
2. a deliberation meeting's decision is assigned (交办) to a representative, who accepts,
   reports progress and reports it done; the admin verifies it — the registrant hears the
   assignment, the progress and the completion, each once;
3. /meetings → 🗂 past meetings shows that meeting with its decision completed and verified.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_meetings_e2e import TITLE, book, count, create_meeting
from tests.e2e.test_representatives_e2e import admin_chat, grant
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, new_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASSIGNED = "议事会决议已交办"
PROGRESS = "议事会决议有新进展"
DONE = "议事会决议已办结"


def test_residents_see_reception_days_and_a_decision_followed_to_completion(
    minhu: BotProcess, client: httpx.Client
) -> None:
    admin = admin_chat(client)
    rep = new_user(client, "周代表")
    grant(minhu, rep, "representative", "周代表")
    follower, neighbour, registrant = (new_user(client, n) for n in ("王阿姨", "李大伯", "赵师傅"))
    for resident in (follower, neighbour, registrant):
        register(resident)
    follower.say("/settings")
    follower.expect("设置")
    follower.press("关注本片区动态")
    follower.expect("已关注")

    # 1. A reception day, announced to the follower, who books from the notice.
    now = datetime.now(SHANGHAI)
    reception = datetime.combine(now.date() + timedelta(days=20), time(9, 0), tzinfo=SHANGHAI)
    rep.say("/reception")
    rep.expect("接待日")
    rep.press("发布接待日")
    rep.expect("哪个联络站")
    rep.press("上强片区人大代表联络点")
    rep.expect("开始？")
    rep.say(reception.strftime("%Y-%m-%d %H:%M"))
    rep.expect("几位")
    rep.press("3")
    rep.expect("请确认接待日")
    rep.press("确认发布")
    rep.expect("已发布")
    notice = follower.expect("新的人大代表接待日", timeout=30)
    assert "上强片区人大代表联络点" in str(notice["text"])
    follower.press("预约这场接待日")
    follower.expect("想反映的事")
    follower.say("小区东门路灯坏了半个月")
    follower.expect("预约成功")

    # 2. A meeting's decision, assigned, progressing and verified: the registrant hears each.
    starts = (now + timedelta(days=3)).replace(second=0, microsecond=0)
    create_meeting(admin, starts)
    book(registrant, "报名")
    minhu.advance((starts - datetime.now(SHANGHAI)).total_seconds() + 2 * 3600)
    admin.say("/meetingresult")
    admin.expect("记录结果")
    admin.press(TITLE[:10])
    admin.expect("会议纪要")
    admin.say("与会居民同意加装电梯，费用按楼层分摊。")
    admin.expect("决议")
    admin.say("3号楼先行试点加装电梯")
    admin.expect("已记下第 1 条决议")
    admin.say("完成")
    admin.expect("签到了")
    admin.press("按签到人数")
    admin.expect("请确认议事结果")
    admin.press("发布结果")
    admin.expect("把决议交办出去")
    admin.press("交办第 1 条")
    admin.expect("交给谁办")
    admin.press("人大代表")
    admin.expect("请选择")
    admin.press("周代表")
    admin.expect("完成期限")
    admin.press("7 个工作日")
    admin.expect("已交办")
    assigned = registrant.expect(ASSIGNED, timeout=30)
    assert "周代表" in str(assigned["text"]) and "3号楼先行试点加装电梯" in str(assigned["text"])
    follower.expect(ASSIGNED, timeout=30)  # the zone's follower hears it too

    rep.expect("交办任务")
    rep.press("签收")
    rep.expect_button("进展")
    rep.press("进展")
    rep.expect("公开")
    rep.say("施工方案已报城建审批")
    progress = registrant.expect(PROGRESS, timeout=30)
    assert "施工方案已报城建审批" in str(progress["text"])
    rep.press("完成")
    rep.expect("完成情况")
    rep.say("电梯已安装并通过特种设备验收")
    rep.expect("照片")
    rep.press("不需要照片")
    rep.expect("等待管理员验收")
    admin.expect("报告已完成")
    admin.press("验收通过")
    registrant.expect(DONE, timeout=30)
    registrant.messages(registrant.current_seq(), wait=7)  # longer than a sweep: nothing more
    assert [count(registrant, text) for text in (ASSIGNED, PROGRESS, DONE)] == [1, 1, 1]
    assert count(neighbour, "新的人大代表接待日") == 0 and count(neighbour, ASSIGNED) == 0

    # 3. /meetings shows the past meeting and where its decision stands.
    registrant.say("/meetings")
    registrant.expect_button("往期议事会")
    registrant.press("往期议事会")
    registrant.expect("决议 1 项，已完成并核实 1 项")
    registrant.press(TITLE[:10])
    card = registrant.expect("决议落实情况")
    assert "3号楼先行试点加装电梯" in str(card["text"]) and "经镇里核实" in str(card["text"])
    registrant.press("返回往期列表")
    registrant.expect("往期议事会与决议落实")

    with raw_connection(minhu.database) as db:
        sent = db.execute(
            "SELECT chat_id, COUNT(*) FROM outbox WHERE template IN "
            "('followup.decision_assigned', 'followup.decision_assigned_public', "
            "'followup.decision_progress', 'followup.decision_progress_public', "
            "'reception.announced') GROUP BY chat_id"
        ).fetchall()
        assert dict(sent) == {follower.user_id: 3, registrant.user_id: 2}
