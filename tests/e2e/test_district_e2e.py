"""A district on one deployment: three towns (three bots, a PostgreSQL schema each) served by one
webhook receiver and three workers. Each town's admin broadcasts at the same moment while its
residents file reports; the worker holding chats (leading the most towns) is SIGKILLed in the
middle. Every update is handled once and in order per chat, every recipient gets the broadcast
once (a message in flight at the kill may go twice: counted), no bot meets flood control, every
report conversation resumes and completes, and no town's bot shows another town's cases,
meetings or people."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx
import pytest

from bot.emulator import Emulator
from bot.runtime.cluster import LEASE
from tests.e2e.test_resident_journey import finish_report, register
from tests.e2e.test_webhook import free_port
from tests.support import databases
from tests.support.district_cluster import (
    District,
    TownChat,
    TownSpec,
    add_bots,
    bot_message_counts,
    counters,
    leads,
    person,
    seed_town,
    texts_from_bot,
)

TOWNS = [  # the second town has one case more than the first: a number only it has
    TownSpec("zhili", "织里镇", 5550201, 620101, 3, 1_710_000, 30),
    TownSpec("balidian", "八里店镇", 5550202, 620102, 4, 1_720_000, 30),
    TownSpec("shuanglin", "双林镇", 5550203, 620103, 3, 1_730_000, 30),
]
A, B, C = TOWNS


def reporter_ids(town: TownSpec) -> list[int]:
    return [town.first_recipient - 100 + n for n in range(1, town.reporters + 1)]


def notice(town: TownSpec) -> str:
    return f"{town.name}通知：本周六上午九点党群服务中心义诊。"


@pytest.fixture
def district(emulator: Emulator, tmp_path: Path) -> Iterator[District]:
    url = asyncio.run(databases.fresh_postgres("empty"))  # skips without a server
    with httpx.Client(base_url=emulator.url, timeout=30) as client:
        add_bots(client, TOWNS)

    async def seed() -> None:
        await asyncio.gather(*(seed_town(url, t, reporter_ids(t)) for t in TOWNS))

    asyncio.run(seed())
    running = District(emulator.bot_api_base, url, tmp_path, free_port(), towns=TOWNS)
    try:
        yield running
        codes = running.stop()
        assert set(codes.values()) == {0}, f"{codes}\n{running.logs()}"
        assert "Traceback" not in running.logs(), running.logs()
        assert not any(t.token.split(":")[1] in running.logs() for t in TOWNS)
    finally:
        running.stop()
        for town in TOWNS:
            httpx.post(f"{emulator.bot_api_base}{town.token}/deleteWebhook", timeout=10)
        asyncio.run(databases.drop(url))


def sent_count(district: District) -> int:
    """How many broadcast messages are recorded sent, in every town."""
    query = "SELECT COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL AND state = 'sent'"
    return sum(district.in_town(t.key, query)[0][0] for t in TOWNS)


def made(district: District, town: TownSpec) -> bool:
    return bool(district.in_town(town.key, "SELECT 1 FROM broadcasts"))


def all_done(district: District, town: TownSpec) -> bool:
    return not district.in_town(town.key, "SELECT 1 FROM inbound_updates WHERE done_at IS NULL")


def journey(chat: TownChat, town: TownSpec, building: int, start: threading.Event) -> str:
    """A report with two photos, its description naming the town, begun once `start` is set
    (when the admins confirm: the reports come while the broadcasts go out)."""
    assert start.wait(timeout=120), "the admins never confirmed"
    chat.say("/report")
    chat.expect("类别")
    chat.press("环境卫生")
    chat.expect("描述问题")
    chat.say(f"{town.name}{building}幢门口垃圾桶满了三天没人清理")
    chat.expect("照片")
    chat.photo()
    chat.expect("第 1 张")
    chat.photo()
    chat.expect("第 2 张")
    return finish_report(chat)


def broadcast(admin: TownChat, town: TownSpec, together: threading.Barrier) -> str:
    """Up to the preview, then 确认发送 at the same moment as the other towns' admins."""
    admin.say("/broadcast")
    admin.expect("发给谁")
    admin.press("全体居民")
    admin.expect("公告内容")
    admin.say(notice(town))
    admin.expect("普通公告")
    admin.press("普通公告")
    summary = str(admin.expect("确认发送")["text"])
    together.wait(timeout=60)
    admin.press("确认发送")
    admin.expect("公告 #", timeout=30)  # its progress: 发送中, or 已发完 already
    return summary


def test_three_towns_broadcast_and_report_through_a_worker_kill_each_in_its_own_world(
    district: District, emulator: Emulator
) -> None:
    began = time.monotonic()
    district.start(workers=3)
    client = httpx.Client(base_url=emulator.url, timeout=30)
    actions: dict[str, list[int]] = {t.key: [] for t in TOWNS}

    def own_client() -> httpx.Client:
        return httpx.Client(base_url=emulator.url, timeout=30)

    admins = {
        t.key: person(own_client(), t, t.admin_id, f"{t.name}镇办", actions[t.key]) for t in TOWNS
    }
    people = {
        t.key: [person(own_client(), t, uid, "居民", actions[t.key]) for uid in reporter_ids(t)]
        for t in TOWNS
    }
    reporters = [(t, chat) for t in TOWNS for chat in people[t.key]]
    chats = [*admins.values(), *(chat for _, chat in reporters)]
    confirmed = threading.Event()  # set as the admins press confirm, together
    together = threading.Barrier(len(TOWNS), action=confirmed.set)
    with ThreadPoolExecutor(len(chats)) as pool:
        # Admins open their town's bot (onboarding, through each bot); residents are seeded.
        list(pool.map(lambda t: register(admins[t.key]), TOWNS))
        sending = {t.key: pool.submit(broadcast, admins[t.key], t, together) for t in TOWNS}
        running: list[tuple[TownSpec, Future[str]]] = [
            (t, pool.submit(journey, chat, t, n, confirmed))
            for n, (t, chat) in enumerate(reporters, 1)
        ]
        # The worker leading the most towns is killed while its broadcasts go out, and while
        # it holds a chat with an update under way if that comes before half of them are out
        # (the leader, busy delivering, may hold no chat at all).
        target = max(district.workers, key=leads)
        unsent = """SELECT COUNT(*) FROM outbox
                    WHERE broadcast_id IS NOT NULL AND state IN ('pending', 'sending')"""
        audiences = sum(t.reporters + t.recipients + 1 for t in TOWNS)
        deadline = time.monotonic() + 90
        while True:
            assert time.monotonic() < deadline, district.logs()
            assert not all(f.done() for _, f in running), "the reports ended before the kill"
            if not all(made(district, t) for t in TOWNS):
                continue
            waiting = sum(district.in_town(t.key, unsent)[0][0] for t in TOWNS)
            assert waiting, "the broadcasts went out before the kill"
            if any(district.under_way(target, t.key) for t in TOWNS) or waiting < audiences / 2:
                break
        in_flight_query = """SELECT id FROM outbox
                             WHERE broadcast_id IS NOT NULL AND state = 'sending'"""
        in_flight = {t.key: {r[0] for r in district.in_town(t.key, in_flight_query)} for t in TOWNS}
        led = leads(target)
        killed = time.monotonic()
        # Right after the kill: the killed worker's chats (their leases keep its name until
        # they expire) with the updates it left, and the rows it had claimed (they stay
        # 'sending' until recovered).
        kill = district.kill(target)
        for t in TOWNS:
            in_flight[t.key] |= {r[0] for r in district.in_town(t.key, in_flight_query)}
        # A survivor leads and goes on with the broadcasts: the first one recorded sent.
        out = sent_count(district)
        while sent_count(district) <= out:
            assert time.monotonic() - killed < 30, district.logs()
        sending_again = time.monotonic() - killed
        summaries = {k: f.result(timeout=120) for k, f in sending.items()}
        answers = [(t, f.result(timeout=120)) for t, f in running]

    survivors = [w for w in district.workers if w is not target]
    for t in TOWNS:
        # Every report was made once and answered once, in order, the killed worker's too.
        mine = sorted(a[a.index("MH-2026-") :][:14] for town, a in answers if town is t)
        assert mine == [f"MH-2026-{n:06d}" for n in range(1, t.reporters + 1)], answers
        assert district.in_town(t.key, "SELECT COUNT(*) FROM complaints")[0][0] == t.reporters
        photos = district.in_town(
            t.key, "SELECT complaint_id, COUNT(*) FROM complaint_photos GROUP BY complaint_id"
        )
        redone = district.in_town(t.key, "SELECT * FROM inbound_updates WHERE attempts > 1")
        assert sorted(r[1] for r in photos) == [2] * t.reporters, (t.key, photos, redone)
        # The preview counted this town's people only: its residents, recipients and admin.
        audience = t.reporters + t.recipients + 1
        assert f"{audience}" in summaries[t.key], summaries[t.key]
        admins[t.key].expect("已发完", timeout=60)
        admins[t.key].wait_until(partial(all_done, district, t), f"every update of {t.key} handled")
    if led:  # the killed worker led: its towns are led again by a survivor
        assert sum(leads(w) for w in survivors) >= len(TOWNS), district.logs()

    duplicates = dict.fromkeys((t.key for t in TOWNS), 0)
    for t in TOWNS:
        rows = district.in_town(
            t.key, "SELECT update_id, chat_key, attempts, done_at FROM inbound_updates"
        )
        # Every update a person caused was stored once and handled: none lost, none invented.
        assert len(rows) == len(actions[t.key]), (t.key, len(rows), len(actions[t.key]))
        redone = [r for r in rows if r["attempts"] > 1]
        assert {r["chat_key"] for r in redone} <= kill.held(t.key), (t.key, redone)
        assert len(redone) <= len(kill.held(t.key)) and all(r["attempts"] == 2 for r in redone)
        by_chat: dict[str, list[tuple[int, str]]] = {}
        for r in rows:
            by_chat.setdefault(r["chat_key"], []).append((r["update_id"], r["done_at"]))
        for key, done in by_chat.items():  # handled in update_id order, one after another
            stamps = [d for _, d in sorted(done)]
            assert stamps == sorted(stamps), (t.key, key, done)
        # The broadcast: one outbox row per person of the town, all sent; each chat holds
        # the notice once, twice only for a row the killed leader had in flight.
        sent = district.in_town(
            t.key,
            "SELECT id, chat_id, state FROM outbox WHERE broadcast_id IS NOT NULL ORDER BY id",
        )
        everyone = {*t.recipient_ids, *reporter_ids(t), t.admin_id}
        assert {r["chat_id"] for r in sent} == everyone and len(sent) == len(everyone)
        assert {r["state"] for r in sent} == {"sent"}, sent
        counts = bot_message_counts(client, t.bot_id)
        delivered = next(texts_from_bot(client, t.bot_id, t.recipient_ids[0]))  # the broadcast
        assert notice(t) in delivered, delivered
        for r in sent:
            got = sum(text == delivered for text in texts_from_bot(client, t.bot_id, r["chat_id"]))
            # The admin also has the preview, the message exactly as residents get it.
            once = 2 if r["chat_id"] == t.admin_id else 1
            if got == once + 1 and r["id"] in in_flight[t.key]:
                duplicates[t.key] += 1
                continue
            assert got == once, (t.key, r["chat_id"], got)
            if r["chat_id"] in t.recipient_ids:  # seeded: nothing else reaches them
                assert counts[r["chat_id"]] == 1
        # This bot wrote to this town's people only.
        assert set(counts) <= everyone, (t.key, set(counts) - everyone)
        # No flood control, no refusal, for any bot.
        # An update handled again after the kill may repeat an edit the killed worker made
        # (what a message shows is remembered per process): Telegram's "message is not
        # modified" is the edit's success (handlers/kit/edits.py), not a refusal.
        seen = counters(client, t.bot_id)
        refused = [
            e
            for e in seen["errors"]
            if e["error_code"] in (400, 429)
            and not (
                e["method"].startswith("editMessage") and "not modified" in (e["description"] or "")
            )
        ]
        assert seen["status"].get("429", 0) == 0 and not refused, (t.key, refused)

    # Its chats with updates left went on within seconds of the kill (a lease is 10 s).
    taken_over = district.taken_over(kill)
    assert taken_over is None or taken_over < LEASE + 5, taken_over
    left = sum(map(len, kill.stranded.values()))
    over = f"their chats taken over within {taken_over:.0f} s" if left else "nothing to take over"

    probe_isolation(client, admins, people)
    print(
        f"\ndistrict e2e: killed worker led {led} town(s), left {left} update(s) unhandled "
        f"({over}, to the second), {sum(map(len, in_flight.values()))} broadcast message(s) "
        f"in flight; duplicates at the kill {duplicates}; "
        f"broadcast sending again after {sending_again:.2f} s; "
        f"test body {time.monotonic() - began:.1f} s"
    )
    for chat in chats:
        chat.client.close()
    client.close()


def probe_isolation(
    client: httpx.Client, admins: dict[str, TownChat], people: dict[str, list[TownChat]]
) -> None:
    """From town A's bot: B's case numbers, meetings and people are nowhere to be found."""
    admin = admins[A.key]
    last = f"MH-2026-{B.reporters:06d}"  # only B has a case with this number
    admin.say(f"/case {last}")
    assert f"没有编号为 {last} 的诉求" in admin.expect("诉求")["text"]
    admin.say("/case MH-2026-000001")  # both have one: A's own, with A's words
    shown = admin.expect("描述")["text"]
    assert A.name in shown and B.name not in shown and C.name not in shown, shown

    resident = people[A.key][0]
    resident.say("/meetings")
    listed = resident.expect("议事会")["text"]
    assert A.meeting_title in listed, listed
    assert B.meeting_title not in listed and C.meeting_title not in listed, listed

    # A resident of B, unknown to A, asks A's bot for their cases: A knows nothing of them.
    stranger = TownChat(client, people[B.key][0].user_id, bot=A.bot_id, actions=[])
    stranger.say("/my")
    answer = str(stranger.expect("")["text"])
    assert answer and "MH-2026-" not in answer and B.name not in answer, answer
    counts = bot_message_counts(client, A.bot_id)
    b_people = {*B.recipient_ids, *reporter_ids(B), B.admin_id} - {stranger.user_id}
    assert not set(counts) & b_people
