"""Over real HTTP (属地): a resident of grid A reports with a location inside grid B, and B's
worker gets it, not A's; a typed address that names a place of B goes to B too."""

from __future__ import annotations

import subprocess
import sys

import httpx

from storage.demo_places import centre
from tests.e2e.test_resident_journey import register
from tests.support.databases import raw_connection
from tests.support.e2e import BotProcess, Chat, new_user


def grant(minhu: BotProcess, chat: Chat, grid: str, name: str) -> None:
    """A grid worker of `grid`, who opens the bot and registers like anyone else."""
    command = [sys.executable, "-m", "bot", "grant", "grid_worker", str(chat.user_id)]
    command += ["--grid", grid, "--name", name]
    subprocess.run(command, env=minhu.env(), check=True, capture_output=True)
    register(chat)


def report(resident: Chat, where: str | tuple[float, float]) -> str:
    """/report with the place as a location or a typed address; the number."""
    resident.say("/report")
    resident.expect("第 1 步")
    resident.press("环境卫生")
    resident.expect("描述问题")
    resident.say("路口的垃圾堆了一个星期没人清理")
    resident.expect("第 3 步")
    resident.press("不需要照片")
    resident.expect("什么位置")
    if isinstance(where, str):
        resident.say(where)
    else:
        resident.location(*where)
    assert "阳山工业园网格" in resident.expect("将交给该网格办理")["text"]
    resident.expect("匿名")
    resident.press("实名")
    assert "阳山工业园网格（按" in resident.expect("请确认")["text"]
    resident.press("确认提交")
    return str(resident.expect("MH-2026-")["text"])


def test_a_report_goes_to_the_grid_where_the_problem_is(
    minhu: BotProcess, client: httpx.Client
) -> None:
    home_worker, park_worker = new_user(client, "张网格"), new_user(client, "李网格")
    grant(minhu, home_worker, "SQ-01-01", "张网格")
    grant(minhu, park_worker, "YS-01-02", "李网格")
    home_seen = home_worker.current_seq()
    resident = new_user(client, "王阿姨")
    register(resident)  # home: 上强社区第一网格

    assert "MH-2026-000001" in report(resident, centre("YS-01-02"))
    assert "路口的垃圾" in park_worker.expect("MH-2026-000001")["text"]
    assert "MH-2026-000002" in report(resident, "升华物流园北门")
    assert "路口的垃圾" in park_worker.expect("MH-2026-000002")["text"]

    texts = [str(m.get("text") or m.get("caption") or "") for m in home_worker.messages(home_seen)]
    assert not any("MH-2026-" in t for t in texts)
    with raw_connection(minhu.database) as db:
        grids = db.execute(
            "SELECT g.code FROM complaints c JOIN grids g ON g.id = c.grid_id ORDER BY c.id"
        ).fetchall()
    assert grids == [("YS-01-02",), ("YS-01-02",)]
