"""/nearby and 附近: the open and recently solved cases of the resident's grid and the grids
around it, a page at a time, "me too" on each open one; `/hide MH-…` for the case's staff."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.refusals import Refusal
from bot.nearby import service
from bot.nearby.buttons import METOO, PAGE
from bot.runtime.services import MinhuContext
from handlers.kit import menu
from handlers.kit.common import answer, keyboard, language_of, say, t
from handlers.kit.refusals import refuse, refuse_pressed

WORD = r"^\s*(附近|附近的问题|看看附近)\s*$"


def _markup(context: MinhuContext, found: service.View, lang: str) -> list[list[tuple[str, str]]]:
    rows: list[list[tuple[str, str]]] = []
    for case in found.items:
        if case.may_support:
            label = t(context, lang, "nearby.btn_metoo", number=case.number)
            rows.append([(label, METOO.pack(case.id, found.page.number))])
    paging: list[tuple[str, str]] = []
    if found.page.number > 0:
        paging.append((t(context, lang, "nearby.btn_prev"), PAGE.pack(found.page.number - 1)))
    if found.page.number + 1 < found.page.count:
        paging.append((t(context, lang, "nearby.btn_next"), PAGE.pack(found.page.number + 1)))
    if paging:
        rows.append(paging)
    return rows


async def _show(update: Update, context: MinhuContext, page: int, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    found = await service.view(context.services, user.id, page)
    lang = await language_of(update, context)
    rows = _markup(context, found, lang)
    await say(
        update,
        context,
        "nearby.list",
        language=lang,
        markup=keyboard(rows) if rows else None,
        edit=edit,
        items=found.items,
        page=found.page.number + 1,
        pages=found.page.count,
        total=found.total,
        grids=len(found.grid_ids),
    )


async def nearby(update: Update, context: MinhuContext) -> None:
    """/nearby or 附近: the first page."""
    try:
        await _show(update, context, 0, edit=False)
    except Refusal as refusal:
        await refuse(update, context, refusal)


async def turn_page(update: Update, context: MinhuContext) -> None:
    """◀ / ▶: another page, in place."""
    assert update.callback_query is not None
    page = PAGE.one(update.callback_query.data)
    try:
        await _show(update, context, page, edit=True)
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return
    await answer(update, context)


async def me_too(update: Update, context: MinhuContext) -> None:
    """👍 me too: join the case (checked on the server), then the same page, updated."""
    assert update.callback_query is not None and update.effective_user is not None
    complaint_id, page = METOO.parse(update.callback_query.data) or (0, 0)
    try:
        number, added = await service.support(
            context.services, complaint_id, update.effective_user.id
        )
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return
    await answer(update, context, "nearby.supported" if added else "nearby.already", number=number)
    try:
        await _show(update, context, page, edit=True)
    except Refusal as refusal:
        await refuse(update, context, refusal)


async def hide(update: Update, context: MinhuContext) -> None:
    """/hide MH-… [off]: take a case off /nearby (or put it back) — its staff only."""
    assert update.effective_user is not None
    args = context.args or []
    if not args or len(args) > 2 or (len(args) == 2 and args[1].lower() not in ("off", "取消")):
        await say(update, context, "nearby.hide_usage")
        return
    public = len(args) == 2
    try:
        number, changed = await service.set_public(
            context.services, args[0], update.effective_user.id, public
        )
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    await say(update, context, "nearby.hidden", number=number, public=public, changed=changed)


def handlers() -> list[BaseHandler]:
    """/nearby, the word 附近, the list's buttons and /hide."""
    return [
        *menu.command("nearby", nearby),
        MessageHandler(filters.TEXT & filters.Regex(WORD), nearby),
        CallbackQueryHandler(turn_page, pattern=PAGE.pattern),
        CallbackQueryHandler(me_too, pattern=METOO.pattern),
        CommandHandler("hide", hide),
    ]
