"""Over real HTTP, the way residents talk: free text, a captioned photo, a voice note and a bare
location sent outside any conversation each become a filed complaint with what was sent kept;
an emergency phrase gets the numbers first; the resident's keyboard alone reaches report → my
cases → meetings; a 0 s voice note, a forwarded message and a sticker are answered and file
nothing; a double press sends Telegram no second edit (the session counts no 400)."""

from __future__ import annotations

import subprocess
import sys

import httpx

from storage.demo_places import centre
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user

OFFER = "要把这条作为问题反映吗"


def _grant_worker(minhu: BotProcess, user_id: int, grid: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "grant", "grid_worker", str(user_id), "--grid", grid],
        env=minhu.env(),
        check=True,
        capture_output=True,
    )


def _named_and_confirmed(resident: Chat) -> str:
    resident.expect("匿名")
    resident.press("实名")
    resident.expect("请确认")
    resident.press("确认提交")
    return str(resident.expect("MH-2026-")["text"])


def _home_grid(resident: Chat) -> None:
    resident.expect("什么位置")
    resident.say("跳过")
    resident.expect("哪个网格")
    resident.press("我的网格")


def _rows(minhu: BotProcess, sql: str) -> list[tuple[object, ...]]:
    with raw_connection(minhu.database) as db:
        return [tuple(r) for r in db.execute(sql)]


def test_free_text_a_photo_a_voice_and_a_location_each_become_a_case(
    minhu: BotProcess, client: httpx.Client
) -> None:
    worker = new_user(client, "张网格")
    register(worker)  # 上强社区第一网格
    _grant_worker(minhu, worker.user_id, "SQ-01-01")
    resident = new_user(client, "李奶奶")
    register(resident)

    resident.say("3号楼楼道灯坏了好几天了，晚上上楼看不见")
    assert "还没有转给任何人" in str(resident.expect(OFFER)["text"])
    resident.press("环境卫生")
    resident.expect("第 3 步")  # the words are the description
    resident.press("不需要照片")
    _home_grid(resident)
    assert "MH-2026-000001" in _named_and_confirmed(resident)

    resident.photo_with("这里的井盖坏了，很危险")
    resident.expect(OFFER)
    resident.press("环境卫生")
    _home_grid(resident)  # description and photo are there
    assert "MH-2026-000002" in _named_and_confirmed(resident)

    resident.voice(seconds=9)
    assert "语音 1 条（9 秒）" in str(resident.expect(OFFER)["text"])
    resident.press("环境卫生")
    resident.expect("写几个字")
    resident.press("就用语音说明")
    _home_grid(resident)
    assert "MH-2026-000003" in _named_and_confirmed(resident)
    worker.wait_until(
        lambda: any(m.get("voice") for m in worker.messages() if m["from_bot"]),
        "the grid worker gets the voice note to play",
    )

    resident.location(*centre("YS-01-02"))
    assert "位置 📍" in str(resident.expect(OFFER)["text"])
    resident.press("环境卫生")
    resident.expect("描述问题")
    resident.say("路边的窨井盖坏了，晚上很危险")
    resident.expect("第 3 步")
    resident.press("不需要照片")
    assert "MH-2026-000004" in _named_and_confirmed(resident)  # routed by the pin

    cases = _rows(
        minhu,
        "SELECT c.number, c.description, g.code, c.latitude IS NOT NULL,"
        " (SELECT COUNT(*) FROM complaint_photos p WHERE p.complaint_id = c.id),"
        " (SELECT COUNT(*) FROM complaint_voices v WHERE v.complaint_id = c.id)"
        " FROM complaints c JOIN grids g ON g.id = c.grid_id ORDER BY c.id",
    )
    assert [(c[2], c[3], c[4], c[5]) for c in cases] == [
        ("SQ-01-01", 0, 0, 0),
        ("SQ-01-01", 0, 1, 0),
        ("SQ-01-01", 0, 0, 1),
        ("YS-01-02", 1, 0, 0),
    ]
    assert cases[0][1] == "3号楼楼道灯坏了好几天了，晚上上楼看不见"
    assert cases[1][1] == "这里的井盖坏了，很危险"


def test_danger_first_the_keyboard_alone_and_bad_input(
    minhu: BotProcess, client: httpx.Client
) -> None:
    resident = new_user(client, "赵大爷")
    register(resident)
    # The buttons come in the message after 登记完成: waited for, not taken as the last one.
    keyboard = resident.expect("输入框下方").get("reply_markup") or {}
    labels = [b["text"] for row in keyboard.get("keyboard", []) for b in row]
    assert "📝 反映问题" in labels and "📋 我的诉求" in labels and "🏛 议事会" in labels

    resident.say("楼下好像着火了，一直在冒烟")
    numbers = resident.expect("119")
    offer = resident.expect(OFFER)
    assert numbers["message_id"] < offer["message_id"]  # the numbers first
    resident.press("不用了")
    resident.expect("没有转给任何人")

    # Keyboard only: no slash typed.
    resident.say("📝 反映问题")
    resident.expect("第 1 步")
    resident.press("环境卫生")
    resident.expect("描述问题")
    resident.say("📋 我的诉求")  # a button mid-form is its command, not the description
    resident.expect("还没有反映过问题")
    resident.say("小区东门垃圾桶满了三天没人清理")
    resident.expect("第 3 步")
    resident.press("不需要照片")
    _home_grid(resident)
    assert "MH-2026-" in _named_and_confirmed(resident)
    resident.say("📋 我的诉求")
    resident.expect("垃圾桶")
    resident.say("🏛 议事会")
    resident.expect("议事会")

    filed = _rows(minhu, "SELECT COUNT(*) FROM complaints")
    resident.voice(seconds=0)
    resident.expect("0 秒")
    resident.forward("紧急通知：明天全天停水，请转发")
    resident.expect("转发")
    resident.sticker()
    resident.expect("贴纸")
    assert _rows(minhu, "SELECT COUNT(*) FROM complaints") == filed


def test_a_double_press_makes_one_edit(minhu: BotProcess, client: httpx.Client) -> None:
    resident = new_user(client, "钱阿姨")
    register(resident)
    resident.say("今天的议事会几点开始呀")
    resident.expect(OFFER)
    message = resident.latest_with_buttons()
    no = next(
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if "不用了" in b["text"]
    )
    for _ in range(2):  # both presses posted before the first edit arrives
        client.post(
            f"/api/users/{resident.user_id}/callback",
            json={"bot": 5550001, "message_id": message["message_id"], "data": no, "forge": True},
        ).raise_for_status()
    resident.expect("没有转给任何人")
    resident.say("谢谢")
    resident.expect("您好")  # both presses were handled before this answer
