"""A resident links the cases staff filed for them (代办) by sharing their own Telegram
contact: /link shows the reply keyboard's "share my number" button; a contact shared at any
time outside a conversation is matched. Only one's own contact counts (Telegram sets its
user id to the sender's): a forwarded card or someone else's contact is refused and changes
nothing. The number is used to match and is not stored.
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.proxy import filing
from bot.proxy.rules import ProxyRefused
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import language_of, say_with_keyboard, t


async def ask(update: Update, context: MinhuContext) -> None:
    """/link: the button that shares the resident's own number."""
    if await kit.registered(update, context) is None:
        return
    lang = await language_of(update, context)
    share = KeyboardButton(t(context, lang, "proxy.btn_share_contact"), request_contact=True)
    markup = ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True)
    await say_with_keyboard(update, context, "proxy.ask_contact", markup)


async def shared(update: Update, context: MinhuContext) -> None:
    """A contact was shared: the cases filed for its number join the sender's /my."""
    assert update.message is not None and update.message.contact is not None
    assert update.effective_user is not None
    if await kit.registered(update, context) is None:
        return
    contact = update.message.contact
    # A forwarded card is someone's card, whoever it names: only one shared from the button.
    owner = contact.user_id if update.message.forward_origin is None else None
    try:
        found = await filing.link(
            context.services, update.effective_user.id, owner, contact.phone_number
        )
    except ProxyRefused as refused:
        await kit.refuse(update, context, refused)
        return
    key = "proxy.linked_you" if found.numbers else "proxy.none_found"
    await say_with_keyboard(
        update,
        context,
        key,
        ReplyKeyboardRemove(),
        numbers=found.numbers,
        households=found.households,
    )


def handlers() -> list[BaseHandler]:
    """/link and a shared contact."""
    return [CommandHandler("link", ask), MessageHandler(filters.CONTACT, shared)]
