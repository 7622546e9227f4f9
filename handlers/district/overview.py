"""/district (district admins, in any town's bot): every town's figures and the ranking for
last month (or last week), then publish it to the district's channel.

District admins are the towns file's [district] admins, checked on the server at every
command and press: a town admin who is not one is refused like anyone else. Publishing is
once per period (bot/district/publish.py), and once per preview here.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.bulletins.publish import NoSuchPeriod
from bot.core.buttons import Family
from bot.core.periods import Period
from bot.core.refusals import NotAllowed, Refusal
from bot.district.books import TownBooks, books_of
from bot.district.buttons import CLOSE, PUBLISH, VIEW
from bot.district.figures import rules_of
from bot.district.publish import StalePreview, choices, complete, publish, report
from bot.district.render import DistrictText
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, keyboard, language_of, say, t
from handlers.kit.conversation import refuse, refuse_pressed
from storage import district as rows
from storage.db import StorageError

PREVIEW_KEY = "district_preview"


def _books(update: Update, context: MinhuContext) -> TownBooks | None:
    """The district's books if this user is one of its admins (checked every time)."""
    books = books_of(context.bot_data)
    user = update.effective_user
    if books is None or not books.district.is_admin(user.id if user else None):
        return None
    return books


async def open_overview(update: Update, context: MinhuContext) -> None:
    """/district: last month's figures and ranking, for district admins."""
    if context.services.district is None:
        await say(update, context, "district.single")
        return
    books = _books(update, context)
    if books is None:
        await refuse(update, context, NotAllowed("not_allowed"))
        return
    await _show(update, context, books, choices(context.services)[0])


async def _show(update: Update, context: MinhuContext, books: TownBooks, period: Period) -> None:
    """The period's bulletin as it would be published, then what can be done with it."""
    chat = update.effective_chat
    assert chat is not None and context.user_data is not None
    services, lang = context.services, await language_of(update, context)
    await say(update, context, "district.working", edit=update.callback_query is not None)
    found = await report(books, services, period)
    _, _, language = rules_of(books.district)
    for part in DistrictText(services.renderer, found, language).messages():
        await context.bot.send_message(chat.id, part, parse_mode=ParseMode.HTML)
    district = books.district
    try:
        published_at = await rows.published_at(await books.db(district.publisher), period.key)
        publishable = district.channel is not None and published_at is None
    except StorageError:  # the publisher's database cannot be read now: no button
        published_at, publishable = None, False
    buttons = []
    if publishable:
        context.user_data[PREVIEW_KEY] = period.key
        buttons.append([(t(context, lang, "district.btn_publish"), PUBLISH.pack(period.key))])
    else:
        context.user_data.pop(PREVIEW_KEY, None)
    month, week = choices(services)
    other = week if period == month else month
    label = "district.btn_week" if other.kind == "week" else "district.btn_month"
    buttons.append([(t(context, lang, label, p=other), VIEW.pack(other.key))])
    buttons.append([(t(context, lang, "district.btn_close"), CLOSE.pack())])
    await say(
        update,
        context,
        "district.previewed",
        markup=keyboard(buttons),
        p=period,
        published_at=published_at,
        channel=district.channel,
        publisher=district.town(district.publisher).name,
    )


def _period(update: Update, context: MinhuContext, family: Family) -> Period | None:
    """The complete period a press names (VIEW or PUBLISH), else None."""
    assert update.callback_query is not None
    period: Period | None = family.one(update.callback_query.data)
    return period if period is not None and complete(context.services, period) else None


async def view(update: Update, context: MinhuContext) -> None:
    """See another period's figures and ranking."""
    books = _books(update, context)
    if books is None:
        await refuse_pressed(update, context, NotAllowed("not_allowed"))
        return
    period = _period(update, context, VIEW)
    if period is None:
        await refuse_pressed(update, context, NoSuchPeriod("no_period"))
        return
    await answer(update, context)
    await _show(update, context, books, period)


async def do_publish(update: Update, context: MinhuContext) -> None:
    """Publish the previewed period to the district's channel (once per period)."""
    books = _books(update, context)
    if books is None:
        await refuse_pressed(update, context, NotAllowed("not_allowed"))
        return
    assert context.user_data is not None
    period = _period(update, context, PUBLISH)
    if period is None or context.user_data.get(PREVIEW_KEY) != period.key:
        await refuse_pressed(update, context, StalePreview("stale"))
        return
    try:
        outcome = await publish(books, context.services, period, trigger="manual")
    except Refusal as refusal:
        context.user_data.pop(PREVIEW_KEY, None)
        await refuse_pressed(update, context, refusal)
        return
    del context.user_data[PREVIEW_KEY]  # once per preview (a chat's presses run in order)
    assert outcome is not None  # only the schedule meets a published period quietly
    district = books.district
    await answer(update, context)
    await say(
        update,
        context,
        "district.published",
        edit=True,
        p=period,
        messages=outcome.messages,
        publisher=district.town(district.publisher).name,
    )


async def close(update: Update, context: MinhuContext) -> None:
    """Close the menu (and forget the preview)."""
    if _books(update, context) is None:
        await refuse_pressed(update, context, NotAllowed("not_allowed"))
        return
    if context.user_data is not None:
        context.user_data.pop(PREVIEW_KEY, None)
    await answer(update, context)
    await say(update, context, "common.cancelled", edit=True)


def handlers() -> list[BaseHandler]:
    """/district and its buttons."""
    return [
        CommandHandler("district", open_overview),
        CallbackQueryHandler(view, pattern=VIEW.pattern),
        CallbackQueryHandler(do_publish, pattern=PUBLISH.pattern),
        CallbackQueryHandler(close, pattern=CLOSE.pattern),
    ]
