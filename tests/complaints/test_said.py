"""Say it any way: words, a captioned photo, a voice note or a bare location sent outside any
conversation are kept and offered to be filed; a category starts /report with them in the
draft and the steps skip what is there. Bad input is answered and keeps nothing."""

from __future__ import annotations

from datetime import timedelta

from storage.demo_places import centre
from tests.support.harness import Harness, User, register, table_counts, texts
from tests.support.representatives import deliver, grant

WORKER = User(200001, "张网格")  # 上强社区第一网格, the resident's home grid
PARK_WORKER = User(200002, "李网格")  # 阳山工业园网格
OFFER = "要把这条作为问题反映吗"


async def _town(bot: Harness, resident: User) -> None:
    await grant(bot, WORKER, "grid_worker", grid="SQ-01-01")
    await grant(bot, PARK_WORKER, "grid_worker", grid="YS-01-02")
    await register(bot, resident)


async def _last(bot: Harness, column: str) -> object:
    return await bot.services.db.fetchval(f"SELECT {column} FROM complaints ORDER BY id DESC")


async def _filed(bot: Harness) -> int:
    return int(await bot.services.db.fetchval("SELECT COUNT(*) FROM complaints"))


async def _finish(bot: Harness, resident: User) -> str:
    """Named, then confirmed: the resident's answer with the number."""
    await bot.button(resident, "实名")
    return texts(await bot.button(resident, "确认提交"))


async def test_free_text_becomes_the_description(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    said = texts(await bot.send(resident, "3号楼楼道灯坏了好几天了"))
    assert OFFER in said and "3号楼楼道灯坏了好几天了" in said and "还没有转给任何人" in said
    assert await _filed(bot) == 0
    asked = texts(await bot.button(resident, "环境卫生"))
    assert "类别：<b>环境卫生</b>" in asked and "照片" in asked  # the description is skipped
    await bot.button(resident, "不需要照片")
    await bot.send(resident, "跳过")
    await bot.button(resident, "我的网格")
    assert "MH-2026-" in await _finish(bot, resident)
    assert await _last(bot, "description") == "3号楼楼道灯坏了好几天了"


async def test_a_captioned_photo_skips_description_and_photos(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    assert OFFER in texts(
        await bot.send_photo(resident, "manhole", caption="这里的井盖坏了，很危险")
    )
    asked = texts(await bot.button(resident, "环境卫生"))
    assert "位置" in asked  # description and photos are there: on to where it is
    await bot.send_location(resident, *centre("YS-01-02"))
    assert "MH-2026-" in await _finish(bot, resident)
    cid = int(await _last(bot, "id"))  # type: ignore[call-overload]
    photos = await bot.services.db.fetchall(
        "SELECT file_id FROM complaint_photos WHERE complaint_id = ?", (cid,)
    )
    assert [p[0] for p in photos] == ["manhole"]
    assert await _last(bot, "description") == "这里的井盖坏了，很危险"
    since = await deliver(bot)
    assert "井盖" in texts(bot.fake.sent_to(PARK_WORKER.id, since))  # 属地: where it is


async def test_a_voice_note_is_kept_and_staff_can_play_it(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    said = texts(await bot.send_voice(resident, seconds=12, file_id="voice-lamp"))
    assert OFFER in said and "语音 1 条（12 秒）" in said
    asked = texts(await bot.button(resident, "环境卫生"))
    assert "写几个字" in asked
    await bot.button(resident, "就用语音说明")  # an elder who cannot type
    await bot.send(resident, "跳过")
    await bot.button(resident, "我的网格")
    assert "语音：1 条" in texts(await bot.button(resident, "实名"))  # the summary
    assert "MH-2026-" in texts(await bot.button(resident, "确认提交"))
    assert "语音反映" in str(await _last(bot, "description"))
    voices = await bot.services.db.fetchall("SELECT file_id, duration FROM complaint_voices")
    assert [tuple(v) for v in voices] == [("voice-lamp", 12)]
    since = await deliver(bot)
    to_worker = bot.fake.sent_to(WORKER.id, since)
    assert [c.params.get("voice") for c in to_worker if c.method == "sendVoice"] == ["voice-lamp"]
    assert "语音：1 条" in texts(to_worker)


async def test_a_bare_location_is_routed_and_the_words_asked(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    assert "位置 📍" in texts(await bot.send_location(resident, *centre("YS-01-02")))
    assert "描述问题" in texts(await bot.button(resident, "环境卫生"))
    assert "照片" in texts(await bot.send(resident, "路边的窨井盖坏了，晚上很危险"))
    asked = texts(await bot.button(resident, "不需要照片"))
    assert "匿名" in asked  # the location is there and inside a grid: straight on
    assert "MH-2026-" in await _finish(bot, resident)
    grid = await bot.services.db.fetchval(
        "SELECT g.code FROM complaints c JOIN grids g ON g.id = c.grid_id ORDER BY c.id DESC"
    )
    assert grid == "YS-01-02"
    assert await _last(bot, "latitude") is not None


async def test_messages_in_a_row_join_one_offer(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send(resident, "小区门口的路灯不亮了")
    first = bot.last_keyboard_message(resident.id)
    said = texts(await bot.send_photo(resident, "lamp"))
    assert OFFER in said and "照片 1 张" in said and "路灯不亮" in said
    assert bot.last_keyboard_message(resident.id) != first
    assert not bot.fake.messages[(resident.id, first)].get("reply_markup")  # old one retired
    # The old offer's buttons (forged back) file nothing.
    old = f"rp:nosaid:{'0' * 8}"
    await bot.press(resident, old, first)
    assert "不能用了" in bot.fake.answers()[-1]
    assert "照片" not in texts(await bot.button(resident, "环境卫生"))  # both are in the draft
    assert await _filed(bot) == 0


async def test_an_album_is_one_offer_counting_its_photos(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send_photo(resident, "a1", caption="垃圾堆在路边", album="g1")
    sent = len(bot.fake.calls)
    calls = await bot.send_photo(resident, "a2", album="g1")
    assert [c.method for c in calls] == ["editMessageText"]
    assert "照片 2 张" in texts(calls)
    assert len(bot.fake.calls) == sent + 1


async def test_an_older_offer_is_forgotten(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send(resident, "小区门口的路灯不亮了")
    bot.clock.advance(timedelta(minutes=31))
    said = texts(await bot.send_photo(resident, "rubbish"))
    assert "路灯" not in said and "照片 1 张" in said  # a new offer: the words are not in it


async def test_declined_keeps_nothing_and_a_late_press_files_nothing(
    bot: Harness, resident: User
) -> None:
    await _town(bot, resident)
    await bot.send(resident, "今天的议事会几点开始呀")
    offer = bot.last_keyboard_message(resident.id)
    category = next(d for label, d in bot.buttons(resident.id).items() if "环境卫生" in label)
    assert "没有转给任何人" in texts(await bot.button(resident, "不用了"))
    await bot.press(resident, category, offer)  # pressed late, from a copy of the old buttons
    assert "不能用了" in bot.fake.answers()[-1]
    assert await _filed(bot) == 0
    assert "said" not in (bot.app.user_data.get(resident.id) or {})  # type: ignore[union-attr]


async def test_a_double_press_starts_one_report(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send(resident, "3号楼楼道灯坏了好几天了")
    offer = bot.last_keyboard_message(resident.id)
    category = next(d for label, d in bot.buttons(resident.id).items() if "环境卫生" in label)
    await bot.press(resident, category, offer)
    calls = await bot.press(resident, category, offer)
    assert "不能用了" in bot.fake.answers()[-1]
    assert not [c for c in calls if c.method in ("sendMessage", "editMessageText")]
    await bot.button(resident, "不需要照片")  # the report is still at its step
    assert "位置" in texts(bot.fake.sent_to(resident.id)[-1:])


async def test_bad_input_is_answered_and_keeps_nothing(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.app.update_persistence()  # type: ignore[union-attr]
    before = await table_counts(bot)
    assert "0 秒" in texts(await bot.send_voice(resident, seconds=0))
    assert "转发" in texts(await bot.send_forwarded(resident, "紧急通知：明天停水"))
    assert "贴纸" in texts(await bot.send_sticker(resident))
    assert "太长" in texts(await bot.send(resident, "很" * 2001))
    assert "您好" in texts(await bot.send(resident, "你好！"))
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before
    assert "said" not in (bot.app.user_data.get(resident.id) or {})  # type: ignore[union-attr]


async def test_an_emergency_in_a_long_text_gets_the_numbers_first(
    bot: Harness, resident: User
) -> None:
    await _town(bot, resident)
    words = "我家楼下那栋老房子" + "，" * 300 + "好像着火了，一直在冒烟"
    calls = await bot.send(resident, words)
    sent = [c for c in calls if c.method == "sendMessage"]
    assert "119" in str(sent[0].params["text"]) and OFFER in str(sent[-1].params["text"])


async def test_someone_not_registered_is_asked_to_start(bot: Harness, resident: User) -> None:
    before = await table_counts(bot)
    assert "/start" in texts(await bot.send(resident, "3号楼楼道灯坏了好几天了"))
    await bot.app.update_persistence()  # type: ignore[union-attr]
    assert await table_counts(bot) == before  # nothing personal before consent


async def test_a_voice_note_inside_report(bot: Harness, resident: User) -> None:
    await _town(bot, resident)
    await bot.send(resident, "/report")
    await bot.button(resident, "环境卫生")
    await bot.send(resident, "路灯坏了好几天了，晚上很黑")
    assert "语音 1 条" in texts(await bot.send_voice(resident, file_id="v-in-report"))
    assert "0 秒" in texts(await bot.send_voice(resident, seconds=0))
    await bot.button(resident, "照片发完了")
    await bot.send(resident, "跳过")
    await bot.button(resident, "我的网格")
    assert "MH-2026-" in await _finish(bot, resident)
    voices = await bot.services.db.fetchall("SELECT file_id FROM complaint_voices")
    assert [v[0] for v in voices] == ["v-in-report"]
