"""Onboarding: /start (also with a QR deep link), language, consent, home grid.

Nothing personal is stored before consent: the choices made before pressing "agree" live
only in memory (the conversation is not persisted, and persistence writes user data only for
people who exist); `bot.people.service.register` is the first write.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypedDict, cast

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.core.refusals import Refusal
from bot.core.render import LANGUAGES
from bot.people import buttons, service
from bot.people.roles import role_names
from bot.runtime.menus import commands_for, refresh_menu
from bot.runtime.services import MinhuContext
from handlers.kit import menu
from handlers.kit.common import (
    answer,
    current_person,
    keyboard,
    language_of,
    pressed,
    say,
    say_with_keyboard,
    t,
)
from handlers.kit.conversation import (
    buttons_step,
    cancelled,
    conversation,
    picked,
    refuse_pressed,
    unsaved,
)
from handlers.kit.geo_picker import (
    Picker,
    communities_shown,
    community_pressed,
    zone_pressed,
    zones_shown,
)
from handlers.mediation import work as mediation_work
from storage import geo

# The staff's own work lists, pointed to in their welcome when their roles have them.
WORK_COMMANDS = ("inbox", "tasks", "patrol", "suggest", "assignments")
PICKER = Picker(buttons.ZONE, buttons.COMMUNITY, buttons.GRID, buttons.BACK, buttons.CANCEL)


class State(IntEnum):
    CONSENT = 450
    ZONE = 451
    COMMUNITY = 452
    GRID = 453


class Before(TypedDict, total=False):
    """What onboarding keeps in the user's data before consent (in memory only)."""

    start_hint: str  # the code of a QR poster or link (/start CODE)
    language: str  # the language chosen on the privacy notice


def _before(context: MinhuContext) -> Before:
    assert context.user_data is not None
    return cast(Before, context.user_data)


def _consent_keyboard(context: MinhuContext, lang: str) -> InlineKeyboardMarkup:
    other = "en" if lang == "zh-CN" else "zh-CN"
    return keyboard(
        [
            [(t(context, lang, "onboarding.btn_agree"), buttons.AGREE.pack())],
            [(t(context, lang, "onboarding.btn_decline"), buttons.DECLINE.pack())],
            [(t(context, other, "onboarding.btn_switch_language"), buttons.LANGUAGE.pack(other))],
        ]
    )


async def _staff(update: Update, context: MinhuContext, lang: str) -> dict[str, Any]:
    """The user's roles and their work commands (empty for residents), for the welcomes."""
    assert update.effective_user is not None
    roles = await role_names(context.services, update.effective_user.id)
    names = commands_for(roles)
    work = [(c, t(context, lang, f"menu.{c}")) for c in WORK_COMMANDS if roles and c in names]
    return {"roles": roles, "work": work}


async def _privacy(update: Update, context: MinhuContext, lang: str, *, edit: bool) -> int:
    """The privacy notice in `lang`, with agree, decline and the other language."""
    staff = await _staff(update, context, lang)
    markup = _consent_keyboard(context, lang)
    await say(
        update,
        context,
        "onboarding.privacy",
        language=lang,
        edit=edit,
        markup=markup,
        roles=staff["roles"],
    )
    return State.CONSENT


async def start(update: Update, context: MinhuContext) -> int:
    """Greet; registered people see their home, newcomers see the privacy notice."""
    person = await current_person(update, context)
    lang = await language_of(update, context)
    link_code = context.args[0] if context.args else ""
    if person is not None and link_code.startswith(mediation_work.INVITE_PREFIX):
        await mediation_work.invited(
            update, context, link_code.removeprefix(mediation_work.INVITE_PREFIX)
        )
        return ConversationHandler.END
    if person is not None:
        grid = await geo.grid(context.services.db, person.grid_id) if person.grid_id else None
        staff = await _staff(update, context, lang)
        full_name = grid.full_name if grid else ""
        home = menu.keyboard(lang)  # the buttons come back with the greeting
        await say_with_keyboard(
            update, context, "onboarding.welcome_back", home, grid=full_name, **staff
        )
        return ConversationHandler.END
    _before(context)["start_hint"] = context.args[0] if context.args else ""
    return await _privacy(update, context, lang, edit=False)


async def switch_language(update: Update, context: MinhuContext) -> int:
    """Show the privacy notice in the other language."""
    lang = await picked(update, context, buttons.LANGUAGE, LANGUAGES)
    if lang is None:
        return State.CONSENT
    _before(context)["language"] = lang
    return await _privacy(update, context, lang, edit=True)


async def decline(update: Update, context: MinhuContext) -> int:
    """The user does not consent: nothing is stored."""
    await answer(update, context)
    await say(update, context, "onboarding.declined", edit=True)
    if context.user_data is not None:
        context.user_data.clear()
    return ConversationHandler.END


async def agree(update: Update, context: MinhuContext) -> int | None:
    """Consent given: pick the home grid (a deep link may have chosen part of it)."""
    lang = await language_of(update, context)
    db = context.services.db
    code = _before(context).get("start_hint", "")
    found = await geo.find_by_code(db, code) if code else None
    if code.startswith(mediation_work.INVITE_PREFIX):
        code = ""  # a mediation's invitation, shown once they registered
    if found is not None and found[0] == "grid":
        grid = await geo.grid(db, found[1])
        assert grid is not None
        await answer(update, context)
        markup = keyboard(
            [
                [(t(context, lang, "onboarding.btn_this_grid"), buttons.GRID.pack(grid.id))],
                [(t(context, lang, "onboarding.btn_other_grid"), buttons.BACK.pack())],
            ]
        )
        full_name = grid.full_name
        await say(
            update, context, "onboarding.confirm_grid", edit=True, markup=markup, grid=full_name
        )
        return State.GRID
    if found is not None and found[0] in ("zone", "community"):
        zone_id = found[1]
        if found[0] == "community":
            community = await geo.community(db, found[1])
            assert community is not None
            zone_id = community.zone_id
        shown = await communities_shown(update, context, PICKER, zone_id)
        return State.COMMUNITY if shown else State.ZONE
    await answer(update, context)
    markup = await PICKER.zones(context, lang)
    await say(
        update,
        context,
        "onboarding.choose_zone",
        edit=True,
        markup=markup,
        unknown_code=code,  # a QR code or link we do not know is said to be unknown
    )
    return State.ZONE


async def choose_grid(update: Update, context: MinhuContext) -> int | None:
    """A grid was pressed: register the person (the first thing stored about them)."""
    assert update.callback_query is not None and update.effective_user is not None
    lang = await language_of(update, context)
    user = update.effective_user
    grid_id = buttons.GRID.one(pressed(update))
    try:
        services = context.services
        _, grid = await service.register(
            services.db, user.id, user.first_name, lang, grid_id, services.clock.now()
        )
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return None
    before = _before(context)
    link_code = before.pop("start_hint", None) or ""
    before.pop("language", None)
    await answer(update, context)
    staff = await _staff(update, context, lang)
    await say(
        update,
        context,
        "onboarding.registered",
        language=lang,
        edit=True,
        grid=grid.full_name,
        **staff,
    )
    await say_with_keyboard(update, context, "onboarding.keyboard", menu.keyboard(lang))
    await refresh_menu(context.application, user.id)
    if link_code.startswith(mediation_work.INVITE_PREFIX):  # the link that brought them here
        await mediation_work.invited(
            update, context, link_code.removeprefix(mediation_work.INVITE_PREFIX)
        )
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The onboarding conversation (in memory only: it runs before consent)."""
    to_communities = zone_pressed(PICKER, State.COMMUNITY)
    to_zones = zones_shown(PICKER, State.ZONE)
    place = "onboarding.press_place"
    onboarding = conversation(
        "onboarding",
        entry_points=[CommandHandler("start", start)],
        states={
            State.CONSENT: buttons_step(
                "onboarding.press_agree",
                (buttons.AGREE, agree),
                (buttons.DECLINE, decline),
                (buttons.LANGUAGE, switch_language),
            ),
            State.ZONE: buttons_step(place, (buttons.ZONE, to_communities)),
            State.COMMUNITY: buttons_step(
                place,
                (buttons.COMMUNITY, community_pressed(PICKER, State.GRID)),
                (buttons.BACK, to_zones),
            ),
            State.GRID: buttons_step(
                place,
                (buttons.GRID, choose_grid),
                (buttons.ZONE, to_communities),
                (buttons.BACK, to_zones),
            ),
        },
        cancel=cancelled("common.cancelled", "start_hint", "language"),
        cancel_button=buttons.CANCEL,
        fallbacks=[CommandHandler("start", start)],
    )
    return [unsaved(onboarding)]
