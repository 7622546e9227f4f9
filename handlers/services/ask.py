"""A plain question typed outside any conversation — "附近有没有健康小屋", "心理咨询室几点开门" —
is a service search (the rule: `bot.services.ask`): the points it names, then those of the need near
the resident's home, with 📍 to find the nearest by location. Registered as a last resort just
ahead of the complaint offer (`handlers.complaints.said`), which takes everything else."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.core.refusals import Refusal
from bot.runtime.services import MinhuContext
from bot.services import ask, buttons, search
from handlers.kit import menu
from handlers.kit.common import MAX_TEXT, keyboard, language_of, say, t
from handlers.kit.conversation import refuse
from handlers.services.find import found_rows, item


class _Question(filters.MessageFilter):
    """Words that ask about a service (not forwarded: someone else's words are not a question)."""

    def filter(self, message: Message) -> bool:
        text = message.text or ""
        return (
            message.forward_origin is None
            and len(text) <= MAX_TEXT
            and ask.need_of(text) is not None
        )


QUESTION = _Question(name="service question")


async def answer_question(update: Update, context: MinhuContext) -> None:
    """The points asked about, near the resident's home; 📍 for the nearest by location."""
    assert update.message is not None and update.effective_user is not None
    text = update.message.text or ""
    need = ask.need_of(text) or "all"
    services = context.services
    try:
        person = await search.resident(services, update.effective_user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    named = await search.named_in(services, text)
    near, total = await search.at_home(services, person, need)
    shown = named + [f for f in near if f.point.id not in {n.point.id for n in named}]
    shown = shown[: search.HOME_SHOWN]
    lang = await language_of(update, context)
    rows = found_rows(context, lang, shown)
    rows.append([(t(context, lang, "services.btn_by_location"), buttons.BY_LOCATION.pack(need))])
    await say(
        update,
        context,
        "services.asked",
        markup=keyboard(rows),
        items=[item(f) for f in shown],
        need=need,
        total=max(total, len(shown)),
    )


def last_resort() -> list[BaseHandler]:
    """Ahead of the complaint offer: a service question typed in the private chat."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & ~menu.PRESSED & QUESTION,
            answer_question,
        )
    ]
