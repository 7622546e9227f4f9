"""Voice notes in /report, for residents who would rather say it than type it.

At the description step a voice note is kept and a few words are still asked (so the case
reaches the right person), with a button "the voice note says it" for whoever cannot type;
at the photos step a voice note is kept like a photo. Staff play them from their notice
(Telegram's file id). A note of 0 s, or one too many, is refused and nothing changes.
"""

from __future__ import annotations

from telegram import Update, Voice
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.complaints.buttons import VOICE_ONLY
from bot.complaints.intake import Draft
from bot.runtime.services import MinhuContext
from handlers.complaints.report.prompts import (
    State,
    ask_description,
    ask_photos,
    next_step,
    with_draft,
)
from handlers.kit import edits
from handlers.kit.common import MAX_VOICES, answer, language_of, say, shown_above, t
from storage import geo


def seconds(voice: Voice) -> int:
    """A voice note's length in whole seconds, as Telegram reported it."""
    return int(voice.to_dict().get("duration") or 0)


async def keep(update: Update, context: MinhuContext, voices: list[list[str | int]]) -> bool:
    """Keep the voice note just sent in `voices`; an empty one, or one over the limit, is
    refused with a clear answer."""
    assert update.message is not None and update.message.voice is not None
    voice = update.message.voice
    length = seconds(voice)
    if length <= 0:
        await say(update, context, "report.voice_empty")
        return False
    if len(voices) >= MAX_VOICES:
        await say(update, context, "report.too_many_voices", max=MAX_VOICES)
        return False
    voices.append([voice.file_id, voice.file_unique_id, length])
    return True


@with_draft
async def at_description(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A voice note where the description is asked: kept, and the question asked again with
    "the voice note says it"."""
    if await keep(update, context, draft.setdefault("voices", [])):
        return await ask_description(update, context, draft)
    return State.DESCRIPTION


@with_draft
async def voice_only(update: Update, context: MinhuContext, draft: Draft) -> int:
    """ "The voice note says it": the description names the voice note and the category."""
    if not draft.get("voices"):
        await answer(update, context, "common.invalid_button")
        return State.DESCRIPTION
    lang = await language_of(update, context)
    category = await geo.category(context.services.db, draft.get("category_id") or 0)
    label = category.label(lang) if category else ""
    draft["description"] = t(context, lang, "report.voice_description", category=label)
    await answer(update, context)
    await shown_above(update, context, "report.voice_only_chosen")
    return await next_step(update, context, draft, State.PHOTOS)


@with_draft
async def at_photos(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A voice note at the photos step: kept like a photo."""
    if not await keep(update, context, draft.setdefault("voices", [])):
        return State.PHOTOS
    await edits.retire(update, context, draft.pop("photo_prompt", None))
    return await ask_photos(update, context, draft)


DESCRIPTION_HANDLERS = [
    MessageHandler(filters.VOICE, at_description),
    CallbackQueryHandler(voice_only, pattern=VOICE_ONLY.pattern),
]
PHOTOS_HANDLERS = [MessageHandler(filters.VOICE, at_photos)]
