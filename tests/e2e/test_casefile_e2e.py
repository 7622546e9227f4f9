"""Over real HTTP, the whole case for everyone in it: a neighbour shares a location in the grid
of an open hazard report and is offered "me too" there; the officer's 办结 with a photo reaches
the reporter and the neighbour as that photo, each with their own question; the neighbour says
不满意 and why, and the officer reads it; the reporter's 满意 closes the case, which the
neighbour hears in their own words; /my and /case show the case to those who hold it."""

from __future__ import annotations

import httpx

from storage.demo_places import centre
from tests.e2e.test_complaint_loop import accept, grant_department, report_hazard, resolve
from tests.e2e.test_resident_journey import register
from tests.support.e2e import BotProcess, new_user


def test_a_neighbour_says_me_too_and_answers_for_themselves(
    minhu: BotProcess, client: httpx.Client
) -> None:
    officer = new_user(client, "消防小杨")
    grant_department(minhu, officer.user_id, "XF")
    register(officer)
    resident = new_user(client, "王阿姨")
    register(resident)
    assert "MH-2026-000001" in report_hazard(resident)
    officer.expect("新隐患报告 MH-2026-000001")

    neighbour = new_user(client, "赵大爷")
    register(neighbour)
    neighbour.say("/report")
    neighbour.expect("类别")
    neighbour.press("安全隐患")
    neighbour.expect("描述问题")
    neighbour.say("3幢楼下消防栓没有水了，很危险")
    neighbour.expect("照片")
    neighbour.press("不需要照片")
    neighbour.expect("什么位置")
    neighbour.location(*centre("SQ-01-01"))  # the place is known: now "me too" is offered
    neighbour.expect("类似的问题")
    neighbour.press("我也遇到了")
    neighbour.expect("已加入")

    accept(officer)
    resolve(officer, "更换了消防栓阀门，水压正常")
    mine = neighbour.expect("您说过“我也遇到了”")
    assert mine.get("photo") and "更换了消防栓阀门" in (mine.get("caption") or "")
    theirs = resident.expect("已办结")
    assert theirs.get("photo")

    neighbour.press("不满意")
    neighbour.expect("哪里不满意")
    neighbour.say("阀门换了，可是井盖还是坏的")
    neighbour.expect("原因已转告")
    officer.expect("一位附议居民的评价：不满意")
    officer.expect("阀门换了，可是井盖还是坏的")

    resident.press("😊 满意")
    resident.expect("谢谢您的评价（满意）")
    closed = neighbour.expect("反映人已确认")
    assert "谢谢您的评价" not in (closed.get("text") or "")

    neighbour.say("/my")
    assert "MH-2026-000001" in neighbour.expect("我也遇到了（附议）")["text"]
    officer.say("/case MH-2026-000001")
    case = officer.expect("办理经过")["text"]
    assert "另有 1 位居民说“我也遇到了”" in case
