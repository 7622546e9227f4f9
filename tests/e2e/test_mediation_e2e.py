"""Over real HTTP (矛盾调解): a resident asks for mediation and invites the other side by a
one-time link; they agree; the mediator schedules a session, both are told and reminded (the
bot's clock moved 24 h and 1 h before it), the
outcome is recorded and a month later both are asked whether the agreement is kept. A
refusal by the other side and a 调解不成 referral close properly; a third resident and another
grid's worker see nothing of it."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_resident_journey import register
from tests.e2e.test_routing_e2e import grant
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _mediator(minhu: BotProcess, chat: Chat) -> None:
    command = [sys.executable, "-m", "bot", "grant", "mediator", str(chat.user_id)]
    command += ["--zone", "SQ", "--name", "老调解"]
    subprocess.run(command, env=minhu.env(), check=True, capture_output=True)
    register(chat)


def _ask(resident: Chat, other: str | None) -> str:
    resident.say("/mediate")
    resident.expect("纠纷的类型")
    resident.press("邻里")
    resident.expect("对方是谁")
    if other is None:
        resident.press("对方也在用本机器人")
    else:
        resident.say(other)
    resident.expect("发生了什么")
    resident.say("隔壁新盖的围墙占了我家院子半米，多次商量没有结果")
    resident.expect("请确认调解申请")
    resident.press("确认提交")
    return resident.expect("调解申请已提交")["text"]


def test_a_mediation_from_invitation_to_follow_up(minhu: BotProcess, client: httpx.Client) -> None:
    mediator = new_user(client, "老调解")
    _mediator(minhu, mediator)
    applicant, other, third = (new_user(client, n) for n in ("李大伯", "王大妈", "赵阿姨"))
    for chat in (applicant, other, third):
        register(chat)
    worker = new_user(client, "阳网格")
    grant(minhu, worker, "YS-01-01", "阳网格")

    opened = _ask(applicant, None)
    number = re.search(r"TJ-\d{4}-\d{6}", opened)
    assert number is not None
    code = re.search(r"start=(tj_[\w-]+)", opened)
    assert code is not None
    mediator.expect("新的调解案件")
    other.say(f"/start {code.group(1)}")
    other.expect("调解邀请")
    other.press("同意调解")
    other.expect("您已同意调解")
    applicant.expect("对方已同意调解")
    third.say(f"/start {code.group(1)}")  # the link is spent
    third.expect("已经用过或已失效")

    mediator.say("/mediations")
    mediator.expect(number.group(0))
    mediator.press(number.group(0))
    mediator.expect("调解中")
    mediator.press("安排调解")
    mediator.expect("请输入调解时间")
    at = datetime.now(SHANGHAI) + timedelta(days=2)  # the bot's clock is not moved yet
    mediator.say(at.strftime("%Y-%m-%d %H:%M"))
    mediator.expect("调解地点")
    mediator.say("村委会调解室")
    mediator.expect("还有谁协助")
    mediator.say("李大伯的儿子，乡贤周老师")
    mediator.expect("村委会调解室")
    applicant.expect("调解安排")
    other.expect("调解安排")
    with raw_connection(minhu.database) as db:
        due = db.execute(
            "SELECT COUNT(*) FROM outbox "
            "WHERE template = 'mediation.reminder' AND state = 'pending'"
        ).fetchone()[0]
    assert due == 6  # 24 h and 1 h before, to both sides and the mediator
    minhu.advance(86400 + 120)
    for chat in (applicant, other, mediator):
        chat.expect("还有 24 小时")
    minhu.advance(23 * 3600)
    for chat in (applicant, other, mediator):
        chat.expect("还有 1 小时")
    mediator.press("申请人到场")
    mediator.expect("到场")
    mediator.press("调解成功")
    mediator.expect("协议的内容")
    mediator.say("围墙后退半米，费用由王家承担")
    mediator.expect("签字协议的照片")
    mediator.press("不需要照片")
    applicant.expect("调解结果")
    other.expect("调解结果")

    # Neither a third resident nor another grid's worker sees anything of it.
    third.say("/mediations")
    third.expect("没有调解案件")
    worker.say("/mediations")
    worker.expect("没有调解案件")

    minhu.advance(31 * 86400)
    applicant.expect("调解回访")
    other.expect("调解回访")
    other.press("没有履行")
    other.expect("谢谢您的回复")
    mediator.expect("记为反复")


def test_a_refusal_and_a_referral_close(minhu: BotProcess, client: httpx.Client) -> None:
    mediator = new_user(client, "老调解")
    _mediator(minhu, mediator)
    applicant = new_user(client, "钱大哥")
    register(applicant)

    _ask(applicant, "对门孙家")
    mediator.expect("新的调解案件")
    mediator.press("对方不同意调解")
    applicant.expect("对方不同意调解")

    _ask(applicant, "对门孙家")
    mediator.expect("新的调解案件")
    mediator.press("对方同意调解")
    applicant.expect("对方已同意调解")
    mediator.press("调解不成")
    mediator.expect("转交的途径")
    mediator.press("司法所")
    mediator.expect("原因")
    mediator.say("双方对赔偿金额分歧太大")
    applicant.expect("司法所")
    with raw_connection(minhu.database) as db:
        rows = db.execute("SELECT status, referral FROM mediations ORDER BY id").fetchall()
    assert rows == [("declined", None), ("failed", "justice")]
