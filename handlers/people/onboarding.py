"""Onboarding: /start (also with a QR deep link), language, consent, home grid.

Nothing personal is stored before consent: the choices made before pressing "agree" live
only in memory (persistence writes user data only for people who exist).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.render import LANGUAGES
from bot.people.roles import role_names
from bot.runtime.menus import commands_for, refresh_menu
from bot.runtime.services import MinhuContext
from handlers.kit.common import (
    answer,
    current_person,
    hint,
    keyboard,
    language_of,
    parse_int,
    say,
    t,
)
from handlers.kit.geo_picker import community_keyboard, grid_keyboard, zone_keyboard
from storage import geo, people

PREFIX = "ob"
# The staff's own work lists, pointed to in their welcome when their roles have them.
WORK_COMMANDS = ("inbox", "tasks", "patrol", "suggest", "assignments")


class State(IntEnum):
    CONSENT = 0
    ZONE = 1
    COMMUNITY = 2
    GRID = 3


def _consent_keyboard(context: MinhuContext, lang: str):
    other = "en" if lang == "zh-CN" else "zh-CN"
    return keyboard(
        [
            [(t(context, lang, "onboarding.btn_agree"), f"{PREFIX}:agree")],
            [(t(context, lang, "onboarding.btn_decline"), f"{PREFIX}:decline")],
            [(t(context, other, "onboarding.btn_switch_language"), f"{PREFIX}:lang:{other}")],
        ]
    )


async def _staff(update: Update, context: MinhuContext, lang: str) -> dict[str, Any]:
    """The user's roles and their work commands (empty for residents), for the welcomes."""
    assert update.effective_user is not None
    roles = await role_names(context.services, update.effective_user.id)
    names = commands_for(roles)
    work = [(c, t(context, lang, f"menu.{c}")) for c in WORK_COMMANDS if roles and c in names]
    return {"roles": roles, "work": work}


async def start(update: Update, context: MinhuContext) -> int:
    """Greet; registered people see their home, newcomers see the privacy notice."""
    assert context.user_data is not None
    person = await current_person(update, context)
    lang = await language_of(update, context)
    staff = await _staff(update, context, lang)
    if person is not None:
        grid = await geo.grid(context.services.db, person.grid_id) if person.grid_id else None
        await say(
            update,
            context,
            "onboarding.welcome_back",
            grid=grid.full_name if grid else "",
            **staff,
        )
        return ConversationHandler.END
    context.user_data["start_hint"] = context.args[0] if context.args else ""
    await say(
        update,
        context,
        "onboarding.privacy",
        language=lang,
        markup=_consent_keyboard(context, lang),
        roles=staff["roles"],
    )
    return State.CONSENT


async def switch_language(update: Update, context: MinhuContext) -> int:
    """Show the privacy notice in the other language."""
    assert update.callback_query is not None and context.user_data is not None
    lang = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if lang not in LANGUAGES:
        await answer(update, context, "common.invalid_button")
        return State.CONSENT
    context.user_data["language"] = lang
    await answer(update, context)
    staff = await _staff(update, context, lang)
    await say(
        update,
        context,
        "onboarding.privacy",
        language=lang,
        edit=True,
        markup=_consent_keyboard(context, lang),
        roles=staff["roles"],
    )
    return State.CONSENT


async def decline(update: Update, context: MinhuContext) -> int:
    """The user does not consent: nothing is stored."""
    await answer(update, context)
    await say(update, context, "onboarding.declined", edit=True)
    if context.user_data is not None:
        context.user_data.clear()
    return ConversationHandler.END


async def agree(update: Update, context: MinhuContext) -> int:
    """Consent given: pick the home grid (a deep link may have chosen part of it)."""
    assert context.user_data is not None
    await answer(update, context)
    lang = await language_of(update, context)
    db = context.services.db
    code = str(context.user_data.get("start_hint", ""))
    found = await geo.find_by_code(db, code) if code else None
    if found is not None and found[0] == "grid":
        grid = await geo.grid(db, found[1])
        assert grid is not None
        markup = keyboard(
            [
                [(t(context, lang, "onboarding.btn_this_grid"), f"{PREFIX}:g:{grid.id}")],
                [(t(context, lang, "onboarding.btn_other_grid"), f"{PREFIX}:back")],
            ]
        )
        await say(
            update,
            context,
            "onboarding.confirm_grid",
            edit=True,
            markup=markup,
            grid=grid.full_name,
        )
        return State.GRID
    if found is not None and found[0] in ("zone", "community"):
        zone_id = found[1]
        if found[0] == "community":
            community = await geo.community(db, found[1])
            assert community is not None
            zone_id = community.zone_id
        return await _show_communities(update, context, lang, zone_id)
    await say(
        update,
        context,
        "onboarding.choose_zone",
        edit=True,
        markup=await zone_keyboard(context, lang, PREFIX),
        unknown_code=code,  # a QR code or link we do not know is said to be unknown
    )
    return State.ZONE


async def _show_communities(update: Update, context: MinhuContext, lang: str, zone_id: int) -> int:
    markup = await community_keyboard(context, lang, PREFIX, zone_id)
    if markup is None:
        await answer(update, context, "common.invalid_button")
        return State.ZONE
    zone = await geo.zone(context.services.db, zone_id)
    assert zone is not None
    await say(
        update, context, "onboarding.choose_community", edit=True, markup=markup, zone=zone.name
    )
    return State.COMMUNITY


async def choose_zone(update: Update, context: MinhuContext) -> int:
    """A zone was pressed: show its communities."""
    assert update.callback_query is not None
    zone_id = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    lang = await language_of(update, context)
    if zone_id is None:
        await answer(update, context, "common.invalid_button")
        return State.ZONE
    await answer(update, context)
    return await _show_communities(update, context, lang, zone_id)


async def back_to_zones(update: Update, context: MinhuContext) -> int:
    """Back to the list of zones."""
    await answer(update, context)
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "onboarding.choose_zone",
        edit=True,
        markup=await zone_keyboard(context, lang, PREFIX),
    )
    return State.ZONE


async def choose_community(update: Update, context: MinhuContext) -> int:
    """A community was pressed: show its grids."""
    assert update.callback_query is not None
    community_id = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    lang = await language_of(update, context)
    markup = None
    if community_id is not None:
        markup = await grid_keyboard(context, lang, PREFIX, community_id)
    if community_id is None or markup is None:
        await answer(update, context, "common.invalid_button")
        return State.COMMUNITY
    found = await geo.community(context.services.db, community_id)
    assert found is not None
    await answer(update, context)
    await say(
        update, context, "onboarding.choose_grid", edit=True, markup=markup, community=found.name
    )
    return State.GRID


async def choose_grid(update: Update, context: MinhuContext) -> int:
    """A grid was pressed: register the person (the first thing stored about them)."""
    assert update.callback_query is not None and update.effective_user is not None
    assert context.user_data is not None
    grid_id = parse_int((update.callback_query.data or "").rsplit(":", 1)[-1])
    services = context.services
    grid = await geo.grid(services.db, grid_id) if grid_id is not None else None
    if grid is None:
        await answer(update, context, "common.invalid_button")
        return State.GRID
    lang = await language_of(update, context)
    user = update.effective_user
    await people.register(
        services.db, user.id, user.first_name, lang, grid.id, services.clock.now()
    )
    context.user_data.pop("start_hint", None)
    context.user_data.pop("language", None)
    await answer(update, context)
    await say(
        update,
        context,
        "onboarding.registered",
        language=lang,
        edit=True,
        grid=grid.full_name,
        **await _staff(update, context, lang),
    )
    await refresh_menu(context.application, user.id)
    return ConversationHandler.END


async def cancel(update: Update, context: MinhuContext) -> int:
    """Leave onboarding; nothing was stored."""
    await answer(update, context)
    if context.user_data is not None:
        context.user_data.clear()
    await say(update, context, "common.cancelled", edit=update.callback_query is not None)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The onboarding conversation."""
    typed = ~filters.COMMAND  # words, a sticker, … where a button is expected
    return [
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                State.CONSENT: [
                    CallbackQueryHandler(agree, pattern=f"^{PREFIX}:agree$"),
                    CallbackQueryHandler(decline, pattern=f"^{PREFIX}:decline$"),
                    CallbackQueryHandler(switch_language, pattern=f"^{PREFIX}:lang:"),
                    MessageHandler(typed, hint("onboarding.press_agree")),
                ],
                State.ZONE: [
                    CallbackQueryHandler(choose_zone, pattern=f"^{PREFIX}:z:"),
                    MessageHandler(typed, hint("onboarding.press_place")),
                ],
                State.COMMUNITY: [
                    CallbackQueryHandler(choose_community, pattern=f"^{PREFIX}:c:"),
                    CallbackQueryHandler(back_to_zones, pattern=f"^{PREFIX}:back$"),
                    MessageHandler(typed, hint("onboarding.press_place")),
                ],
                State.GRID: [
                    CallbackQueryHandler(choose_grid, pattern=f"^{PREFIX}:g:"),
                    CallbackQueryHandler(choose_zone, pattern=f"^{PREFIX}:z:"),
                    CallbackQueryHandler(back_to_zones, pattern=f"^{PREFIX}:back$"),
                    MessageHandler(typed, hint("onboarding.press_place")),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{PREFIX}:cancel$"),
                CommandHandler("start", start),
            ],
            name="onboarding",
            persistent=False,
            allow_reentry=True,
        )
    ]
