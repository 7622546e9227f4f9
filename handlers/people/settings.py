"""/settings: language, home grid, whether ordinary announcements arrive, and whether the
home zone's bulletin (晾晒) arrives."""

from __future__ import annotations

from enum import IntEnum

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.core.render import LANGUAGES
from bot.runtime.menus import refresh_menu
from bot.runtime.services import MinhuContext
from handlers.kit.common import answer, current_person, keyboard, parse_int, say, t
from handlers.kit.geo_picker import community_keyboard, grid_keyboard, zone_keyboard
from storage import bulletins, geo, people

PREFIX = "st"


class State(IntEnum):
    MENU = 20
    ZONE = 21
    COMMUNITY = 22
    GRID = 23


async def show(update: Update, context: MinhuContext, *, edit: bool = False) -> int:
    """The settings menu with the current values."""
    person = await current_person(update, context)
    if person is None:
        await answer(update, context)
        await say(update, context, "common.need_start")
        return ConversationHandler.END
    lang = person.language
    grid = await geo.grid(context.services.db, person.grid_id) if person.grid_id else None
    other = "en" if lang == "zh-CN" else "zh-CN"
    mute = "unmute" if person.mute_broadcasts else "mute"
    following = grid is not None and await bulletins.follows(
        context.services.db, person.id, grid.zone_id
    )
    rows = [
        [(t(context, other, "settings.btn_language"), f"{PREFIX}:lang:{other}")],
        [(t(context, lang, "settings.btn_grid"), f"{PREFIX}:grid")],
        [(t(context, lang, f"settings.btn_{mute}"), f"{PREFIX}:mute")],
    ]
    if grid is not None:
        follow = "unfollow" if following else "follow"
        rows.append([(t(context, lang, f"settings.btn_{follow}"), f"{PREFIX}:follow")])
    rows.append([(t(context, lang, "settings.btn_done"), f"{PREFIX}:done")])
    markup = keyboard(rows)
    await say(
        update,
        context,
        "settings.menu",
        language=lang,
        edit=edit,
        markup=markup,
        grid=grid.full_name if grid else "",
        muted=person.mute_broadcasts,
        zone=grid.zone_name if grid else "",
        following=following,
    )
    return State.MENU


async def open_settings(update: Update, context: MinhuContext) -> int:
    """/settings."""
    return await show(update, context)


async def set_language(update: Update, context: MinhuContext) -> int:
    """Switch language."""
    assert update.callback_query is not None and update.effective_user is not None
    lang = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if lang not in LANGUAGES:
        await answer(update, context, "common.invalid_button")
        return State.MENU
    await people.update(
        context.services.db, update.effective_user.id, context.services.clock.now(), language=lang
    )
    await answer(update, context)
    await refresh_menu(context.application, update.effective_user.id)
    return await show(update, context, edit=True)


async def toggle_mute(update: Update, context: MinhuContext) -> int:
    """Mute or unmute ordinary announcements (urgent notices always arrive)."""
    person = await current_person(update, context)
    if person is None:
        return await show(update, context)
    await people.update(
        context.services.db,
        person.id,
        context.services.clock.now(),
        mute_broadcasts=int(not person.mute_broadcasts),
    )
    await answer(update, context)
    return await show(update, context, edit=True)


async def toggle_follow(update: Update, context: MinhuContext) -> int:
    """Follow or stop following the home zone's bulletin (晾晒)."""
    person = await current_person(update, context)
    db = context.services.db
    grid = await geo.grid(db, person.grid_id) if person and person.grid_id else None
    if person is None or grid is None:
        await answer(update, context, "common.invalid_button")
        return await show(update, context, edit=True)
    following = await bulletins.follows(db, person.id, grid.zone_id)
    await bulletins.set_following(db, person.id, grid.zone_id, not following)
    key = "settings.unfollowed" if following else "settings.followed"
    await answer(update, context, key, zone=grid.zone_name)
    return await show(update, context, edit=True)


async def choose_grid_start(update: Update, context: MinhuContext) -> int:
    """Start picking a new home grid."""
    await answer(update, context)
    person = await current_person(update, context)
    assert person is not None
    await say(
        update,
        context,
        "onboarding.choose_zone",
        edit=True,
        markup=await zone_keyboard(context, person.language, PREFIX),
    )
    return State.ZONE


async def choose_zone(update: Update, context: MinhuContext) -> int:
    """A zone was pressed."""
    assert update.callback_query is not None
    person = await current_person(update, context)
    assert person is not None
    zone_id = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    markup = (
        await community_keyboard(context, person.language, PREFIX, zone_id) if zone_id else None
    )
    zone = await geo.zone(context.services.db, zone_id) if zone_id else None
    if markup is None or zone is None:
        await answer(update, context, "common.invalid_button")
        return State.ZONE
    await answer(update, context)
    await say(
        update, context, "onboarding.choose_community", edit=True, markup=markup, zone=zone.name
    )
    return State.COMMUNITY


async def choose_community(update: Update, context: MinhuContext) -> int:
    """A community was pressed."""
    assert update.callback_query is not None
    person = await current_person(update, context)
    assert person is not None
    cid = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    markup = await grid_keyboard(context, person.language, PREFIX, cid) if cid else None
    found = await geo.community(context.services.db, cid) if cid else None
    if markup is None or found is None:
        await answer(update, context, "common.invalid_button")
        return State.COMMUNITY
    await answer(update, context)
    await say(
        update, context, "onboarding.choose_grid", edit=True, markup=markup, community=found.name
    )
    return State.GRID


async def choose_grid(update: Update, context: MinhuContext) -> int:
    """A grid was pressed: it becomes the home grid."""
    assert update.callback_query is not None and update.effective_user is not None
    gid = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    grid = await geo.grid(context.services.db, gid) if gid else None
    if grid is None:
        await answer(update, context, "common.invalid_button")
        return State.GRID
    db, user_id = context.services.db, update.effective_user.id
    person = await people.get(db, user_id)
    before = await geo.grid(db, person.grid_id) if person and person.grid_id else None
    await people.update(db, user_id, context.services.clock.now(), grid_id=grid.id)
    if before is not None and before.zone_id != grid.zone_id:
        # Whoever followed their old home zone's bulletin now follows the new one's.
        await bulletins.move_following(db, user_id, before.zone_id, grid.zone_id)
    await answer(update, context, "settings.grid_changed", grid=grid.name)
    return await show(update, context, edit=True)


async def back(update: Update, context: MinhuContext) -> int:
    """Back to the zones."""
    return await choose_grid_start(update, context)


async def done(update: Update, context: MinhuContext) -> int:
    """Close the menu."""
    await answer(update, context)
    await say(update, context, "settings.saved", edit=True)
    return ConversationHandler.END


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave settings."""
    await answer(update, context)
    await say(update, context, "common.cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /settings conversation."""
    return [
        ConversationHandler(
            entry_points=[CommandHandler("settings", open_settings)],
            states={
                State.MENU: [
                    CallbackQueryHandler(set_language, pattern=f"^{PREFIX}:lang:"),
                    CallbackQueryHandler(choose_grid_start, pattern=f"^{PREFIX}:grid$"),
                    CallbackQueryHandler(toggle_mute, pattern=f"^{PREFIX}:mute$"),
                    CallbackQueryHandler(toggle_follow, pattern=f"^{PREFIX}:follow$"),
                    CallbackQueryHandler(done, pattern=f"^{PREFIX}:done$"),
                ],
                State.ZONE: [CallbackQueryHandler(choose_zone, pattern=f"^{PREFIX}:z:")],
                State.COMMUNITY: [
                    CallbackQueryHandler(choose_community, pattern=f"^{PREFIX}:c:"),
                    CallbackQueryHandler(back, pattern=f"^{PREFIX}:back$"),
                ],
                State.GRID: [
                    CallbackQueryHandler(choose_grid, pattern=f"^{PREFIX}:g:"),
                    CallbackQueryHandler(choose_zone, pattern=f"^{PREFIX}:z:"),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
            ],
            name="settings",
            persistent=True,
            allow_reentry=True,
        )
    ]
