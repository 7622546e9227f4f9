"""/settings: language, home grid, whether ordinary announcements arrive, and whether the
home zone's bulletin (晾晒) arrives. Every change is written by `bot.people.service`."""

from __future__ import annotations

from enum import IntEnum

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.core.buttons import Family
from bot.core.refusals import Refusal
from bot.people import buttons, service
from bot.runtime.menus import refresh_menu
from bot.runtime.services import MinhuContext
from handlers.kit import menu
from handlers.kit.common import answer, current_person, keyboard, pressed, say, say_with_keyboard, t
from handlers.kit.conversation import (
    Callback,
    Handlers,
    cancelled,
    conversation,
    refuse_pressed,
    registered,
    renumbered,
)
from handlers.kit.geo_picker import Picker, community_pressed, zone_pressed, zones_shown
from storage import bulletins, geo

PICKER = Picker(
    buttons.SET_ZONE,
    buttons.SET_COMMUNITY,
    buttons.SET_GRID,
    buttons.SET_BACK,
    buttons.SET_CANCEL,
)


# The steps, numbered 460-463 (20-23 before this version: see `kit.renumbered`).
class State(IntEnum):
    MENU = 460
    ZONE = 461
    COMMUNITY = 462
    GRID = 463


async def show(update: Update, context: MinhuContext, *, edit: bool = False) -> int:
    """The settings menu with the current values."""
    person = await registered(update, context)
    if person is None:
        return ConversationHandler.END
    lang = person.language
    grid = await geo.grid(context.services.db, person.grid_id) if person.grid_id else None
    other = "en" if lang == "zh-CN" else "zh-CN"
    mute = "unmute" if person.mute_broadcasts else "mute"
    following = grid is not None and await bulletins.follows(
        context.services.db, person.id, grid.zone_id
    )
    rows = [
        [(t(context, other, "settings.btn_language"), buttons.SET_LANGUAGE.pack(other))],
        [(t(context, lang, "settings.btn_grid"), buttons.CHANGE_GRID.pack())],
        [(t(context, lang, f"settings.btn_{mute}"), buttons.MUTE.pack())],
    ]
    if grid is not None:
        follow = "unfollow" if following else "follow"
        rows.append([(t(context, lang, f"settings.btn_{follow}"), buttons.FOLLOW.pack())])
    rows.append([(t(context, lang, "settings.btn_done"), buttons.DONE.pack())])
    await say(
        update,
        context,
        "settings.menu",
        language=lang,
        edit=edit,
        markup=keyboard(rows),
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
    language = buttons.SET_LANGUAGE.one(pressed(update))
    try:
        await service.set_language(context.services, update.effective_user.id, language)
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return State.MENU
    await answer(update, context)
    await refresh_menu(context.application, update.effective_user.id)
    shown = await show(update, context, edit=True)
    # The keyboard's buttons are words: they change language with a new message.
    await say_with_keyboard(update, context, "settings.keyboard", menu.keyboard(str(language)))
    return shown


async def toggle_mute(update: Update, context: MinhuContext) -> int:
    """Mute or unmute ordinary announcements (urgent notices always arrive)."""
    person = await current_person(update, context)
    if person is None:
        return await show(update, context)
    await service.toggle_mute(context.services, person)
    await answer(update, context)
    return await show(update, context, edit=True)


async def toggle_follow(update: Update, context: MinhuContext) -> int:
    """Follow or stop following the home zone's bulletin (晾晒)."""
    person = await current_person(update, context)
    try:
        if person is None:
            raise service.NotOffered("not_found")
        now = await service.toggle_follow(context.services, person)
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return await show(update, context, edit=True)
    key = "settings.followed" if now.following else "settings.unfollowed"
    await answer(update, context, key, zone=now.zone)
    return await show(update, context, edit=True)


async def choose_grid(update: Update, context: MinhuContext) -> int | None:
    """A grid was pressed: it becomes the home grid."""
    assert update.callback_query is not None and update.effective_user is not None
    grid_id = buttons.SET_GRID.one(pressed(update))
    try:
        if grid_id is None:
            raise service.NotOffered("not_found")
        grid = await service.set_home_grid(context.services, update.effective_user.id, grid_id)
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return None
    await answer(update, context, "settings.grid_changed", grid=grid.name)
    return await show(update, context, edit=True)


async def done(update: Update, context: MinhuContext) -> int:
    """Close the menu."""
    await answer(update, context)
    await say(update, context, "settings.saved", edit=True)
    return ConversationHandler.END


def _presses(*presses: tuple[Family, Callback]) -> Handlers:
    """A step of buttons only: typing here is left to the answers of last resort."""
    return [CallbackQueryHandler(callback, pattern=f.pattern) for f, callback in presses]


def handlers() -> list[BaseHandler]:
    """The /settings conversation."""
    to_zones = zones_shown(PICKER, State.ZONE)
    to_communities = zone_pressed(PICKER, State.COMMUNITY)
    settings = conversation(
        "settings",
        entry_points=menu.command("settings", open_settings),
        states={
            State.MENU: _presses(
                (buttons.SET_LANGUAGE, set_language),
                (buttons.CHANGE_GRID, to_zones),
                (buttons.MUTE, toggle_mute),
                (buttons.FOLLOW, toggle_follow),
                (buttons.DONE, done),
            ),
            State.ZONE: _presses((buttons.SET_ZONE, to_communities)),
            State.COMMUNITY: _presses(
                (buttons.SET_COMMUNITY, community_pressed(PICKER, State.GRID)),
                (buttons.SET_BACK, to_zones),
            ),
            State.GRID: _presses(
                (buttons.SET_GRID, choose_grid),
                (buttons.SET_ZONE, to_communities),
            ),
        },
        cancel=cancelled("common.cancelled"),
        cancel_button=buttons.SET_CANCEL,
    )
    return [renumbered(settings, State, was=20)]
