"""The person behind an update is read once per update, and read again once the update itself
writes (a new language, an erasure); another update's writes do not leak into it mid-way."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from telegram import Update

from bot.people import privacy
from bot.runtime.context import MinhuContext
from handlers.kit.common import current_person, language_of
from storage import people
from tests.support.harness import Harness, User, register


def _update(bot: Harness, user: User) -> tuple[Update, MinhuContext]:
    assert bot.app is not None
    payload: dict[str, Any] = {"update_id": 990001, **bot._user_message(user, text="/help")}
    update = Update.de_json(payload, bot.app.bot)
    return update, MinhuContext.from_update(update, bot.app)


async def _elsewhere(bot: Harness, user: User, language: str) -> None:
    """Another update (its own task, its own context) switches the person's language."""
    change = people.update(bot.services.db, user.id, bot.clock.now(), language=language)
    await asyncio.create_task(change, context=contextvars.Context())


async def test_an_update_reads_the_person_once_and_sees_its_own_language_change(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    update, context = _update(bot, resident)
    assert await language_of(update, context) == "zh-CN"

    await _elsewhere(bot, resident, "en")
    assert await language_of(update, context) == "zh-CN"  # what this update read holds

    await people.update(bot.services.db, resident.id, bot.clock.now(), language="en")
    assert await language_of(update, context) == "en"  # its own write: read again

    await _elsewhere(bot, resident, "zh-CN")
    next_update, next_context = _update(bot, resident)
    assert await language_of(next_update, next_context) == "zh-CN"  # a new update reads afresh


async def test_a_person_who_erases_themselves_is_gone_for_the_rest_of_the_update(
    bot: Harness, resident: User
) -> None:
    await register(bot, resident)
    update, context = _update(bot, resident)
    assert await current_person(update, context) is not None
    await privacy.erase(bot.services, resident.id)
    assert await current_person(update, context) is None
