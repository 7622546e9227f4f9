"""/mydata sends people everything stored about them (a JSON file and a page to read);
/deleteme erases it after confirming, and ends whatever conversation they were in."""

from __future__ import annotations

import io

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.people import buttons, privacy
from bot.runtime.persistence import forget
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, current_person, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import registered
from storage import people


async def my_data(update: Update, context: MinhuContext) -> None:
    """Send the person their data: a JSON file, then the same as a page to read."""
    person = await registered(update, context)
    chat = update.effective_chat
    if person is None or chat is None:
        return
    lang = person.language
    found = await privacy.export(context.services, person.id, lang)
    await context.bot.send_document(
        chat.id,
        document=io.BytesIO(found.json),
        filename=f"minhu-mydata-{person.id}.json",
        caption=t(
            context, lang, "privacy.mydata_caption", complaints=len(found.data["complaints"])
        ),
        parse_mode="HTML",
    )
    await context.bot.send_document(
        chat.id,
        document=io.BytesIO(found.page.encode("utf-8")),
        filename=f"minhu-mydata-{person.id}.html",
        caption=t(context, lang, "privacy.mydata_page_caption"),
        parse_mode="HTML",
    )


async def delete_me(update: Update, context: MinhuContext) -> None:
    """Ask for confirmation before erasing."""
    if await registered(update, context) is None:
        return
    lang = await language_of(update, context)
    markup = keyboard(
        [
            [(t(context, lang, "privacy.btn_delete_yes"), buttons.ERASE.pack())],
            [(t(context, lang, "privacy.btn_delete_no"), buttons.KEEP.pack())],
        ]
    )
    assert update.effective_user is not None
    staff = bool(await people.roles(context.services.db, update.effective_user.id))
    await say(update, context, "privacy.delete_confirm", markup=markup, staff=staff)


async def delete_answer(update: Update, context: MinhuContext) -> None:
    """Erase (yes) or keep (no)."""
    assert update.callback_query is not None and update.effective_user is not None
    person = await current_person(update, context)
    if person is None:
        await answer(update, context, "common.invalid_button")
        return
    lang = person.language
    await answer(update, context)
    if buttons.ERASE.parse(pressed(update)) is None:
        await say(update, context, "privacy.delete_kept", language=lang, edit=True)
        return
    kept = await privacy.erase(context.services, person.id)
    forget(context.application, person.id)  # drafts and running conversations end too
    await say(update, context, "privacy.deleted", language=lang, edit=True, kept=kept)


def handlers() -> list[BaseHandler]:
    """/mydata and /deleteme."""
    return [
        CommandHandler("mydata", my_data),
        CommandHandler("deleteme", delete_me),
        CallbackQueryHandler(delete_answer, pattern=buttons.ERASE.pattern),
        CallbackQueryHandler(delete_answer, pattern=buttons.KEEP.pattern),
    ]
