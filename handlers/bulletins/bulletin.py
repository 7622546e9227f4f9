"""/bulletin (admins): choose a period, see the bulletin exactly as it would be published,
download it as an XLSX workbook or an HTML page, and publish it.

Every button is checked on the server: the user must still be an admin, the period must be a
real one that has started, and "publish" must match the preview this admin last opened (a
stale or forged button changes nothing).
"""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.bulletins import exports
from bot.bulletins.buttons import CLOSE, HTML, PUBLISH, VIEW, XLSX
from bot.bulletins.publish import (
    FiguresMoved,
    NoSuchPeriod,
    StalePreview,
    correction_for,
    correction_note,
    live_report,
    publish,
    published_report,
)
from bot.bulletins.render import BulletinText
from bot.core.buttons import Family, any_of
from bot.core.periods import Period, containing, last_complete
from bot.core.refusals import NotAllowed, Refusal
from bot.runtime.services import MinhuContext
from handlers.broadcasts.flow import is_admin
from handlers.kit.common import answer, button_row, keyboard, language_of, say, t
from handlers.kit.conversation import refuse, refuse_pressed

PREVIEW_KEY = "bulletin_preview"
FIGURES_KEY = "bulletin_figures"  # a correction's previewed figures (their fingerprint)
CHOICES = (("week", -1), ("week", 0), ("month", -1), ("month", 0), ("quarter", -1), ("year", -1))


def _choices(context: MinhuContext) -> list[tuple[str, Period]]:
    """(label key, period): last and current week and month, last quarter and year."""
    services = context.services
    now, tz = services.clock.now(), services.settings.tz
    found = []
    for kind, offset in CHOICES:
        period = (
            last_complete(kind, now, tz) if offset else containing(kind, now.astimezone(tz).date())
        )
        found.append((f"{kind}_{'last' if offset else 'this'}", period))
    return found


async def open_menu(update: Update, context: MinhuContext) -> None:
    """/bulletin: the periods to choose from."""
    if not await is_admin(update, context):
        await refuse(update, context, NotAllowed("not_allowed"))
        return
    lang = await language_of(update, context)
    rows = [
        [(t(context, lang, f"bulletin_admin.btn_{label}", p=period), VIEW.pack(period.key))]
        for label, period in _choices(context)
    ]
    rows.append(button_row(context, lang, "common.btn_cancel", CLOSE))
    await say(
        update,
        context,
        "bulletin_admin.choose",
        markup=keyboard(rows),
        chat=context.services.settings.bulletin_chat_id,
    )


def _period(update: Update, context: MinhuContext, *families: Family) -> Period | None:
    """The period in the pressed button (of one of `families`), if it is a real one that has
    started."""
    assert update.callback_query is not None
    data = update.callback_query.data
    period: Period | None = next(
        (found for f in families if (found := f.one(data)) is not None), None
    )
    if period is None:
        return None
    today = context.services.clock.now().astimezone(context.services.settings.tz).date()
    return period if period.start <= today and period.start.year >= 2000 else None


async def _pressed(
    update: Update, context: MinhuContext, *families: Family
) -> tuple[Period, int] | None:
    """An admin's press naming a real period (and the chat to answer in), else None after
    saying why; the press is answered either way."""
    if not await is_admin(update, context):
        await refuse_pressed(update, context, NotAllowed("not_allowed"))
        return None
    period = _period(update, context, *families)
    chat = update.effective_chat
    if period is None or chat is None:
        await refuse_pressed(update, context, NoSuchPeriod("no_period"))
        return None
    await answer(update, context)
    return period, chat.id


async def preview(update: Update, context: MinhuContext) -> None:
    """Show the bulletin as it would be published, then what can be done with it. For a period
    already published: what a correction would state first, then the corrected bulletin —
    or that nothing changed, and no publish button."""
    pressed = await _pressed(update, context, VIEW)
    if pressed is None:
        return
    period, chat_id = pressed
    services, lang = context.services, await language_of(update, context)
    language = services.settings.bulletin_language
    await say(update, context, "bulletin_admin.working", edit=True)
    fix = await correction_for(services, period, language)
    assert context.user_data is not None
    context.user_data.pop(FIGURES_KEY, None)
    export_row = [
        (t(context, lang, "bulletin_admin.btn_xlsx"), XLSX.pack(period.key)),
        (t(context, lang, "bulletin_admin.btn_html"), HTML.pack(period.key)),
    ]
    close_row = [(t(context, lang, "bulletin_admin.btn_close"), CLOSE.pack())]
    if fix is not None and fix.unchanged:
        context.user_data.pop(PREVIEW_KEY, None)
        await say(
            update,
            context,
            "bulletin_admin.unchanged",
            markup=keyboard([export_row, close_row]),
            when=fix.published.bulletin.created_at,
        )
        return
    report = fix.recount if fix is not None else await live_report(services, period)
    text = BulletinText(services.renderer, report, language, correction=fix is not None)
    if fix is not None:
        for part in correction_note(services, fix, language):
            await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)
    chart = await asyncio.to_thread(text.chart)
    if chart is not None:
        await context.bot.send_photo(
            chat_id, chart, caption=text.caption(), parse_mode=ParseMode.HTML
        )
    for part in text.messages():
        await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)
    context.user_data[PREVIEW_KEY] = period.key
    channel = services.settings.bulletin_chat_id
    if fix is None:
        rows = [[(t(context, lang, "bulletin_admin.btn_publish"), PUBLISH.pack(period.key))]]
        await say(
            update,
            context,
            "bulletin_admin.previewed",
            markup=keyboard([*rows, export_row, close_row]),
            chat=channel,
        )
        return
    context.user_data[FIGURES_KEY] = fix.fingerprint
    rows = [[(t(context, lang, "bulletin_admin.btn_correct"), PUBLISH.pack(period.key))]]
    await say(
        update,
        context,
        "bulletin_admin.previewed_correction",
        markup=keyboard([*rows, export_row, close_row]),
        chat=channel,
        when=fix.published.bulletin.created_at,
        changes=None if fix.found is None else len(fix.found),
    )


async def do_publish(update: Update, context: MinhuContext) -> None:
    """Publish the previewed bulletin (once per preview); for a published period, the
    correction whose differences the admin saw (refused if the figures moved since)."""
    if not await is_admin(update, context):
        await refuse_pressed(update, context, NotAllowed("not_allowed"))
        return
    period = _period(update, context, PUBLISH)
    assert context.user_data is not None and update.effective_user is not None
    if period is None or context.user_data.get(PREVIEW_KEY) != period.key:
        await refuse_pressed(update, context, StalePreview("stale"))
        return
    services = context.services
    expected = context.user_data.get(FIGURES_KEY)
    if expected is None and await published_report(services, period) is not None:
        # Published by someone else since this preview: the differences were never seen.
        await refuse_pressed(update, context, FiguresMoved("moved"))
        return
    try:
        outcome = await publish(
            services,
            period,
            trigger="manual",
            created_by=update.effective_user.id,
            expected=expected,
        )
    except Refusal as refusal:  # the preview stays as it was: it must be opened again
        await refuse_pressed(update, context, refusal)
        return
    del context.user_data[PREVIEW_KEY]  # once per preview (a chat's presses run in order)
    context.user_data.pop(FIGURES_KEY, None)
    assert outcome is not None  # only scheduled bulletins are unique per period
    await answer(update, context)
    await say(
        update,
        context,
        "bulletin_admin.corrected" if outcome.correction else "bulletin_admin.published",
        edit=True,
        p=period,
        messages=outcome.chat_messages,
        followers=outcome.followers,
        changes=outcome.corrected,
    )


async def download(update: Update, context: MinhuContext) -> None:
    """The whole bulletin as an XLSX workbook or a standalone HTML page: for a published
    period, exactly the figures it published (the latest correction's); else counted now."""
    pressed = await _pressed(update, context, XLSX, HTML)
    if pressed is None:
        return
    period, chat_id = pressed
    services, lang = context.services, await language_of(update, context)
    published = await published_report(services, period)
    frozen = published.report if published is not None else None
    report = frozen if frozen is not None else await live_report(services, period)
    text = BulletinText(services.renderer, report, lang)
    tables = text.tables()
    title = text.plain("title")
    subtitle = text.plain("summary")
    name = f"minhu-bulletin-{period.kind}-{period.start.isoformat()}"
    assert update.callback_query is not None
    if XLSX.parse(update.callback_query.data) is not None:
        data = await asyncio.to_thread(exports.xlsx_workbook, title, tables)
        document = InputFile(data, filename=f"{name}.xlsx")
    else:
        chart = await asyncio.to_thread(text.chart)
        page = exports.html_page(title, subtitle, tables, language=lang, chart_png=chart)
        document = InputFile(page.encode("utf-8"), filename=f"{name}.html")
    caption = t(
        context,
        lang,
        "bulletin_admin.file_caption",
        p=period,
        published_at=None if frozen is None or published is None else published.bulletin.created_at,
    )
    await context.bot.send_document(chat_id, document, caption=caption)


async def close(update: Update, context: MinhuContext) -> None:
    """Close the menu (and forget the preview)."""
    if not await is_admin(update, context):
        await refuse_pressed(update, context, NotAllowed("not_allowed"))
        return
    if context.user_data is not None:
        context.user_data.pop(PREVIEW_KEY, None)
    await answer(update, context)
    await say(update, context, "common.cancelled", edit=True)


def handlers() -> list[BaseHandler]:
    """/bulletin and its buttons."""
    return [
        CommandHandler("bulletin", open_menu),
        CallbackQueryHandler(preview, pattern=VIEW.pattern),
        CallbackQueryHandler(do_publish, pattern=PUBLISH.pattern),
        CallbackQueryHandler(download, pattern=any_of(XLSX, HTML)),
        CallbackQueryHandler(close, pattern=CLOSE.pattern),
    ]
