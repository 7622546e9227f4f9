"""Over real HTTP: a resident registers, reports with photos and a location, follows it."""

from __future__ import annotations

import json

import httpx

from storage.demo_places import centre
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user


def register(chat: Chat) -> None:
    chat.say("/start")
    chat.expect("隐私说明")
    chat.press("同意并继续")
    chat.expect("片区")
    chat.press("上强片区")
    chat.expect("村社")
    chat.press("上强社区")
    chat.expect("网格")
    chat.press("上强社区第一网格")
    chat.expect("登记完成")


def report_until_photos(chat: Chat) -> None:
    chat.say("/report")
    chat.expect("类别")
    chat.press("环境卫生")
    chat.expect("描述问题")
    chat.say("小区东门垃圾桶满了三天没人清理")
    chat.expect("照片")
    chat.photo()
    chat.expect("第 1 张")
    chat.photo()
    chat.expect("第 2 张")


def finish_report(chat: Chat) -> str:
    chat.press("照片发完了")
    chat.expect("什么位置")
    chat.location(*centre("SQ-01-01"))  # inside the home grid: it stays home
    chat.expect("匿名")
    chat.press("实名")
    chat.expect("请确认")
    chat.press("确认提交")
    return str(chat.expect("MH-2026-")["text"])


def test_register_report_and_follow(minhu: BotProcess, client: httpx.Client) -> None:
    worker = new_user(client, "张网格")
    subprocess_grant(minhu, worker.user_id)
    register(worker)  # staff open the bot once and register, like anyone else

    resident = new_user(client, "王阿姨")
    register(resident)
    report_until_photos(resident)
    done = finish_report(resident)
    assert "MH-2026-000001" in done

    notice = worker.expect("MH-2026-000001")
    assert "垃圾桶" in notice["text"] and "王阿姨" in notice["text"]
    worker_view = worker.messages(worker.seq)
    assert any(m.get("photo") for m in worker_view)
    assert any(m.get("location") for m in worker_view)

    resident.say("/my")
    assert "已提交" in resident.expect("MH-2026-000001")["text"]
    resident.press("MH-2026-000001")
    resident.expect("办理经过")

    with raw_connection(minhu.database) as db:
        row = db.execute("SELECT status, latitude FROM complaints").fetchone()
        assert row == ("submitted", centre("SQ-01-01")[0])
        assert db.execute("SELECT COUNT(*) FROM complaint_photos").fetchone() == (2,)


def subprocess_grant(minhu: BotProcess, user_id: int) -> None:
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "grant",
            "grid_worker",
            str(user_id),
            "--grid",
            "SQ-01-01",
            "--name",
            "张网格",
        ],
        env=minhu.env(),
        check=True,
        capture_output=True,
    )


def test_a_restart_in_the_middle_of_report(minhu: BotProcess, client: httpx.Client) -> None:
    resident = new_user(client, "李大伯")
    register(resident)
    report_until_photos(resident)
    minhu.restart()
    assert "MH-2026-" in finish_report(resident)
    with raw_connection(minhu.database) as db:
        assert db.execute("SELECT COUNT(*) FROM complaint_photos").fetchone() == (2,)


def test_a_crash_in_the_middle_of_report(minhu: BotProcess, client: httpx.Client) -> None:
    """SIGKILL: the draft flushed before the kill survives; the resident goes on."""
    resident = new_user(client, "赵阿婆")
    register(resident)
    report_until_photos(resident)
    wait_until_flushed(minhu, resident.user_id, "photos")
    minhu.kill()
    minhu.start()
    assert "MH-2026-" in finish_report(resident)


def wait_until_flushed(minhu: BotProcess, user_id: int, needle: str) -> None:
    """Poll the database (a condition, not a sleep) until the draft is on disk."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with raw_connection(minhu.database) as db:
            row = db.execute(
                "SELECT data FROM ptb_user_data WHERE user_id = ?", (user_id,)
            ).fetchone()
        if row and len(json.loads(row[0]).get("draft", {}).get(needle, [])) >= 2:
            return
    raise AssertionError("the draft never reached the database")


def test_bad_input_over_http(minhu: BotProcess, client: httpx.Client) -> None:
    resident = new_user(client, "孙大妈")
    resident.say("/report")
    resident.expect("/start")
    resident.say("/frobnicate")
    resident.expect("没有这个命令")
    register(resident)
    resident.say("/report")
    resident.expect("类别")
    resident.press("", forge_data="rp:cat:99999")
    resident.say("/cancel")
    resident.expect("已取消")
    resident.say("/report")
    resident.press("环境卫生")
    resident.expect("描述问题")
    resident.sticker()
    resident.expect("文字")
    resident.say("很" * 2001)
    resident.expect("太长")
    resident.say("/grant admin 1")
    resident.expect("没有权限")
    with raw_connection(minhu.database) as db:
        assert db.execute("SELECT COUNT(*) FROM complaints").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM role_grants").fetchone() == (0,)
