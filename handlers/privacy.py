"""/mydata sends people everything stored about them; /deleteme erases it after confirming."""

from __future__ import annotations

import io
import json

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import meetings
from bot.services import MinhuContext
from handlers.common import answer, current_person, keyboard, language_of, say, t
from storage import people

PREFIX = "dm"


async def my_data(update: Update, context: MinhuContext) -> None:
    """Send the person their data as a JSON file."""
    person = await current_person(update, context)
    chat = update.effective_chat
    if person is None or chat is None:
        await say(update, context, "common.need_start")
        return
    data = await people.export(context.services.db, person.id)
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    lang = await language_of(update, context)
    await context.bot.send_document(
        chat.id,
        document=io.BytesIO(payload),
        filename=f"minhu-mydata-{person.id}.json",
        caption=t(context, lang, "privacy.mydata_caption", complaints=len(data["complaints"])),
        parse_mode="HTML",
    )


async def delete_me(update: Update, context: MinhuContext) -> None:
    """Ask for confirmation before erasing."""
    person = await current_person(update, context)
    if person is None:
        await say(update, context, "common.need_start")
        return
    lang = await language_of(update, context)
    markup = keyboard(
        [
            [(t(context, lang, "privacy.btn_delete_yes"), f"{PREFIX}:yes")],
            [(t(context, lang, "privacy.btn_delete_no"), f"{PREFIX}:no")],
        ]
    )
    await say(update, context, "privacy.delete_confirm", markup=markup)


async def delete_answer(update: Update, context: MinhuContext) -> None:
    """Erase (yes) or keep (no)."""
    assert update.callback_query is not None and update.effective_user is not None
    person = await current_person(update, context)
    if person is None:
        await answer(update, context, "common.invalid_button")
        return
    lang = person.language
    await answer(update, context)
    if update.callback_query.data != f"{PREFIX}:yes":
        await say(update, context, "privacy.delete_kept", language=lang, edit=True)
        return
    await meetings.give_up_all(context.services, person.id)  # the waiting list moves up
    kept = await people.erase(context.services.db, person.id)
    if context.user_data is not None:
        context.user_data.clear()
    if context.application.persistence is not None:
        await context.application.persistence.drop_user_data(person.id)
    await say(update, context, "privacy.deleted", language=lang, edit=True, kept=kept)


def handlers() -> list[BaseHandler]:
    """/mydata and /deleteme."""
    return [
        CommandHandler("mydata", my_data),
        CommandHandler("deleteme", delete_me),
        CallbackQueryHandler(delete_answer, pattern=f"^{PREFIX}:(yes|no)$"),
    ]
