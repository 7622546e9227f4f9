"""Over real HTTP against the emulator: representatives and grid workers at work.

1. an admin assigns a complaint to a representative, who accepts and reports done with a
   photo; the admin returns it once, then verifies; 30 days later (the running bot's clock is
   moved) the re-check (回头看) reaches the representative;
2. a representative files a rectification item from an unannounced visit (暗访); the
   department gets it with its deadline and resolves it through the complaint lifecycle;
3. a reception day with 3 slots: 4 residents try to book, 3 succeed, the fourth is told it is
   full; reminders reach both sides; an outcome becomes a suggestion;
4. a grid worker logs two patrols, one with a hazard, whose ticket is in the department's
   /inbox with its deadline.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_resident_journey import finish_report, register, report_until_photos
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = 24 * 3600


def grant(minhu: BotProcess, chat: Chat, role: str, name: str, *extra: str) -> None:
    """`minhu grant` from the command line, then the person opens the bot and registers."""
    subprocess.run(
        [sys.executable, "-m", "bot", "grant", role, str(chat.user_id), *extra, "--name", name],
        env=minhu.env(),
        check=True,
        capture_output=True,
    )
    register(chat)


def admin_chat(client: httpx.Client) -> Chat:
    client.post("/api/users", json={"id": 619999, "first_name": "镇办老陈"}).raise_for_status()
    admin = Chat(client, 619999)  # MINHU_ADMIN_IDS of the e2e bot
    register(admin)
    return admin


def test_an_assignment_is_returned_once_verified_and_rechecked_a_month_later(
    minhu: BotProcess, client: httpx.Client
) -> None:
    admin = admin_chat(client)
    rep = new_user(client, "周代表")
    grant(minhu, rep, "representative", "周代表")
    resident = new_user(client, "王阿姨")
    register(resident)
    report_until_photos(resident)
    assert "MH-2026-000001" in finish_report(resident)

    admin.say("/assign")
    admin.expect("要交办什么")
    admin.say("MH-2026-000001")
    admin.expect("交给谁办")
    admin.press("人大代表")
    admin.expect("请选择")
    admin.press("周代表")
    admin.expect("期限")
    admin.press("7 个工作日")
    admin.expect("请确认交办")
    admin.press("确认交办")
    admin.expect("已交办")

    assert "MH-2026-000001" in rep.expect("交办任务 #1")["text"]
    pressed = rep.press("签收")
    assert "签收成功" in rep.answer_of_last_press(pressed["callback_query_id"])["callback"]["text"]
    rep.expect_button("完成")
    rep.press("完成")
    rep.expect("完成情况")
    rep.say("已督促物业清运，垃圾桶已消毒")
    rep.expect("照片")
    rep.photo()
    rep.expect("等待管理员验收")

    assert admin.expect("报告已完成").get("photo")  # the photo comes with the report
    admin.press("退回")
    admin.expect("退回交办")
    admin.say("东门还有两个桶没有清运，请再督促")
    admin.expect("已退回")
    rep.expect("被退回")
    rep.press("完成")
    rep.expect("完成情况")
    rep.say("两个桶也已清运，现场已复查")
    rep.expect("照片")
    rep.press("不需要照片")
    rep.expect("等待管理员验收")
    admin.expect("两个桶也已清运")
    admin.press("验收通过")
    rep.expect("已验收通过")

    minhu.advance(31 * DAY)  # a month later (the bot's clock is moved, not slept)
    rep.expect("回头看：交办 #1", timeout=30)
    pressed = rep.press("成效保持")
    assert "成效保持" in rep.answer_of_last_press(pressed["callback_query_id"])["callback"]["text"]
    with raw_connection(minhu.database) as db:
        kinds = [
            r[0]
            for r in db.execute(
                "SELECT kind FROM assignment_events WHERE assignment_id = 1 ORDER BY id"
            )
        ]
        assert kinds == [
            "assigned",
            "accepted",
            "done",
            "returned",
            "done",
            "verified",
            "recheck_held",
        ]
        assert db.execute(
            "SELECT status, recheck_result, complaint_id FROM assignments WHERE id = 1"
        ).fetchone() == ("verified", "held", 1)
        photos = db.execute(
            "SELECT COUNT(*) FROM assignment_events WHERE photo_file_id IS NOT NULL"
        ).fetchone()
        assert photos == (1,)


def test_a_rectification_item_from_an_unannounced_visit_is_resolved(
    minhu: BotProcess, client: httpx.Client
) -> None:
    rep = new_user(client, "吴代表")
    grant(minhu, rep, "representative", "吴代表")
    officer = new_user(client, "城建小王")
    grant(minhu, officer, "department", "城建小王", "--department", "CJ")

    rep.say("/suggest")
    rep.expect("要提交什么")
    rep.press("督促整改")
    rep.expect("哪一次监督")
    rep.press("暗访")
    rep.expect("类别")
    rep.press("公共设施")
    rep.expect("职能部门")
    rep.press("城建")
    rep.expect("描述")
    rep.say("上强社区东门人行道三块地砖松动翘起，老人容易绊倒")
    rep.expect("照片")
    rep.photo()
    rep.expect("第 1 张")
    rep.press("照片发完了")
    rep.expect("什么位置")
    rep.location(30.7012, 119.9523)  # in no grid: asked where
    rep.expect("哪个网格")
    rep.press("我的网格")
    rep.expect("整改期限")
    rep.press("按默认期限")
    rep.expect("请确认督促整改事项")
    rep.press("确认提交")
    assert "MH-2026-000001" in rep.expect("督促整改事项已提交")["text"]

    notice = officer.expect("新代表督促整改事项 MH-2026-000001")
    assert "前签收" in notice["caption"] and "前办结" in notice["caption"]
    officer.press("签收")
    officer.expect_button("办结")
    officer.press("办结")
    officer.expect("办结说明")
    officer.say("已更换全部松动地砖并压实，现场已复查")
    officer.expect("完工照片")
    officer.photo()
    officer.expect("已办结")
    rep.expect("已办结")
    rep.press("😊 满意")
    rep.expect("谢谢您的评价（满意）")
    rep.press("5 星")
    rep.expect("谢谢您打星")
    with raw_connection(minhu.database) as db:
        assert db.execute(
            "SELECT kind, status, close_reason, rating FROM complaints WHERE id = 1"
        ).fetchone() == ("rectification", "closed", "confirmed", 5)
        assert db.execute("SELECT source FROM supervision_items").fetchall() == [("unannounced",)]


def test_a_reception_day_fills_up_reminds_and_an_outcome_becomes_a_suggestion(
    minhu: BotProcess, client: httpx.Client
) -> None:
    rep = new_user(client, "周代表")
    grant(minhu, rep, "representative", "周代表")
    officer = new_user(client, "城建小王")
    grant(minhu, officer, "department", "城建小王", "--department", "CJ")
    residents = [new_user(client, name) for name in ("王阿姨", "李大伯", "陈姐", "赵叔")]
    for resident in residents:
        register(resident)

    now = datetime.now(SHANGHAI)
    starts = datetime.combine(now.date() + timedelta(days=2), time(9, 0), tzinfo=SHANGHAI)
    rep.say("/reception")
    rep.expect("接待日")
    rep.press("发布接待日")
    rep.expect("哪个联络站")
    rep.press("上强片区人大代表联络点")
    rep.expect("开始？")
    rep.say(starts.strftime("%Y-%m-%d %H:%M"))
    rep.expect("几位")
    rep.press("3")
    rep.expect("请确认接待日")
    rep.press("确认发布")
    rep.expect("已发布")

    topics = ["小区东门路灯坏了半个月", "希望增设老年活动室", "垃圾分类点位置不合理", "广场舞噪音"]
    for resident, topic in zip(residents[:2], topics[:2], strict=True):
        resident.say("/reception")
        resident.expect("剩余")
        resident.press("预约")
        resident.expect("想反映的事")
        resident.say(topic)
        resident.expect("预约成功")
    for resident in residents[2:]:  # both see the last free slot
        resident.say("/reception")
        resident.expect("剩余 1 / 3")
        resident.press("预约")
        resident.expect("想反映的事")
    residents[2].say(topics[2])
    residents[2].expect("预约成功")
    residents[3].say(topics[3])
    residents[3].expect("约满")
    rep.expect("新预约")

    minhu.advance((starts - now).total_seconds() - 1800)  # half an hour before it starts
    for resident in residents[:3]:
        resident.expect("接待日提醒", timeout=30)
    rep.expect("接待日提醒", timeout=30)

    minhu.advance(3 * 3600)  # it is over
    rep.expect("接待日结束了", timeout=30)
    rep.press("记录接待结果")
    rep.expect("小区东门路灯坏了半个月")
    rep.press("记录结果 1")
    rep.expect("接待的结果")
    rep.say("路灯属于市政管养，需要城建报修")
    rep.expect("已记录")
    rep.expect_button("转为意见建议 1")
    rep.press("转为意见建议 1")
    rep.expect("交给哪个部门")
    rep.press("城建")
    assert "MH-2026-000001" in rep.expect("已转为意见建议")["text"]
    officer.expect("新代表意见建议 MH-2026-000001")
    with raw_connection(minhu.database) as db:
        assert db.execute("SELECT COUNT(*) FROM reception_bookings").fetchone() == (3,)
        sent = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE template = 'reception.remind_resident' "
            "AND state = 'sent'"
        ).fetchone()
        assert sent == (6,)  # the day before and the hour before, to each of three
        assert db.execute(
            "SELECT c.kind, s.source FROM reception_bookings b JOIN complaints c "
            "ON c.id = b.complaint_id JOIN supervision_items s ON s.complaint_id = c.id"
        ).fetchall() == [("suggestion", "reception")]


def test_two_patrols_one_hazard_in_the_departments_inbox(
    minhu: BotProcess, client: httpx.Client
) -> None:
    worker = new_user(client, "张网格")
    grant(minhu, worker, "grid_worker", "张网格", "--grid", "SQ-01-01")
    officer = new_user(client, "消防小杨")
    grant(minhu, officer, "department", "消防小杨", "--department", "XF")

    worker.say("/patrol")
    worker.expect("发送我的位置")
    worker.location(30.7012, 119.9523)
    worker.expect("照片")
    worker.press("不拍照")
    worker.expect("结果")
    worker.press("无隐患")
    worker.expect("巡查已记录")

    worker.say("/patrol")
    worker.expect("发送我的位置")
    worker.say("上强社区3幢地下车库")
    worker.expect("照片")
    worker.photo()
    worker.expect("结果")
    worker.press("发现隐患")
    worker.expect("类别")
    worker.press("安全隐患")
    worker.expect("描述")
    worker.say("地下车库安全出口被电动车堵住，灭火器过期")
    assert "前整改完毕" in worker.expect("MH-2026-000001")["text"]

    officer.expect("新隐患报告 MH-2026-000001")
    officer.say("/inbox")
    inbox = officer.expect("待办诉求")["text"]
    assert "MH-2026-000001" in inbox and "前签收" in inbox
    with raw_connection(minhu.database) as db:
        rows = db.execute("SELECT hazard_found, complaint_id FROM patrols ORDER BY id").fetchall()
        assert rows == [(0, None), (1, 1)]
