"""Over real HTTP: a resident of the second grid sends /nearby, sees the case a neighbour filed
in the first grid — its category, status and words, never the reporter's name or phone — and
says "me too"; emergency words in a report get the numbers first."""

from __future__ import annotations

import httpx

from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user

PROBLEM = "东门的下水道堵了，污水漫到路上，李师傅电话13812345678"


def register_second_grid(chat: Chat) -> None:
    chat.say("/start")
    chat.expect("隐私说明")
    chat.press("同意并继续")
    chat.expect("片区")
    chat.press("上强片区")
    chat.expect("村社")
    chat.press("上强社区")
    chat.expect("网格")
    chat.press("上强社区第二网格")
    chat.expect("登记完成")


def file_report(resident: Chat) -> str:
    resident.say("/report")
    resident.expect("第 1 步")
    resident.press("环境卫生")
    resident.expect("描述问题")
    resident.say(PROBLEM)
    resident.expect("第 3 步")
    resident.press("不需要照片")
    resident.expect("什么位置")
    resident.say("跳过")
    resident.expect("哪个网格")
    resident.press("我的网格")
    resident.expect("匿名")
    resident.press("实名")
    resident.expect("请确认")
    resident.press("确认提交")
    return str(resident.expect("MH-2026-")["text"])


def test_a_neighbour_sees_a_case_nearby_without_personal_data_and_says_me_too(
    minhu: BotProcess, client: httpx.Client
) -> None:
    reporter = new_user(client, "王阿姨")
    register(reporter)  # 上强社区第一网格
    assert "MH-2026-000001" in file_report(reporter)

    neighbour = new_user(client, "赵大爷")
    register_second_grid(neighbour)
    neighbour.say("/nearby")
    shown = str(neighbour.expect("附近的问题")["text"])
    assert "MH-2026-000001" in shown and "下水道堵了" in shown and "已提交" in shown
    for private in ("王阿姨", "13812345678", "李师傅"):
        assert private not in shown
    neighbour.press("我也遇到了")
    assert "👍 1" in str(neighbour.expect("👍 1")["text"])
    with raw_connection(minhu.database) as db:
        rows = db.execute("SELECT person_id FROM complaint_supporters").fetchall()
    assert rows == [(neighbour.user_id,)]


def test_an_emergency_phrase_gets_the_numbers_first(
    minhu: BotProcess, client: httpx.Client
) -> None:
    resident = new_user(client, "孙阿姨")
    register(resident)
    resident.say("楼下厨房着火了，烟很大")
    numbers = str(resident.expect("119")["text"])
    assert "110" in numbers and "120" in numbers and "122" in numbers
    # Then the usual answer: the words are offered to be filed.
    assert "楼下厨房着火了" in str(resident.expect("要把这条作为问题反映吗")["text"])
