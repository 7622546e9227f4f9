"""/broadcast, step 1: who gets it — everyone, a zone, a community, a grid, a role, or a
meeting's registrants. The zone → community → grid pickers are shared with the other
conversations (handlers.kit.geo_picker); the chosen audience is kept in the draft as
[kind, ref, label] and the conversation goes on to the words (handlers.broadcasts.compose).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.broadcasts.service import open_meetings
from bot.runtime.services import MinhuContext
from handlers.broadcasts.flow import PREFIX, State, ask_text, is_admin, with_draft
from handlers.kit.common import (
    answer,
    cancel_row,
    keyboard,
    language_of,
    last_field,
    parse_int,
    say,
    t,
)
from handlers.kit.geo_picker import community_keyboard, grid_keyboard, zone_keyboard
from storage import geo
from storage.broadcasts import ROLE_CODES


async def start(update: Update, context: MinhuContext) -> int:
    """/broadcast: admins start a draft; everyone else is refused."""
    assert context.user_data is not None
    if not await is_admin(update, context):
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    context.user_data["broadcast"] = {}
    lang = await language_of(update, context)
    kinds = [["everyone"], ["zone", "community"], ["grid", "role"]]
    if await open_meetings(context.services.db, limit=1):
        kinds.append(["meeting"])
    rows = [
        [(t(context, lang, f"broadcast.btn_{kind}"), f"{PREFIX}:a:{kind}") for kind in row]
        for row in kinds
    ]
    rows.append(cancel_row(context, lang, PREFIX))
    await say(update, context, "broadcast.choose_audience", markup=keyboard(rows))
    return State.AUDIENCE


@with_draft
async def choose_kind(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """An audience kind was pressed: everyone is final, the others need a choice."""
    kind = last_field(update)
    lang = await language_of(update, context)
    if kind == "everyone":
        await answer(update, context)
        return await _audience_chosen(update, context, draft, "everyone", None, "")
    if kind in ("zone", "community", "grid"):
        draft["kind"] = kind
        await answer(update, context)
        return await _ask_zone(update, context, draft)
    if kind == "role":
        rows = [[(_role_label(context, lang, r), f"{PREFIX}:r:{r}")] for r in ROLE_CODES]
        rows.append(cancel_row(context, lang, PREFIX))
        await answer(update, context)
        await say(update, context, "broadcast.choose_role", edit=True, markup=keyboard(rows))
        return State.ROLE
    meetings = await open_meetings(context.services.db) if kind == "meeting" else []
    if not meetings:
        await answer(update, context, "common.invalid_button")
        return State.AUDIENCE
    rows = []
    for m in meetings:
        label = t(context, lang, "broadcast.btn_meeting_item", title=m.title, starts_at=m.starts_at)
        rows.append([(label, f"{PREFIX}:m:{m.id}")])
    rows.append(cancel_row(context, lang, PREFIX))
    await answer(update, context)
    await say(update, context, "broadcast.choose_meeting", edit=True, markup=keyboard(rows))
    return State.MEETING


def _role_label(context: MinhuContext, lang: str, role: str) -> str:
    return t(context, lang, "broadcast.audience", kind="role", name=role)


async def _ask_zone(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    lang = await language_of(update, context)
    key = "broadcast.choose_zone" if draft.get("kind") == "zone" else "broadcast.choose_zone_first"
    markup = await zone_keyboard(context, lang, PREFIX)
    await say(update, context, key, edit=True, markup=markup)
    return State.ZONE


@with_draft
async def choose_zone(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A zone was pressed: final for a zone audience, else show its communities."""
    zone_id = parse_int(last_field(update))
    zone = await geo.zone(context.services.db, zone_id) if zone_id else None
    if zone is None:
        await answer(update, context, "common.invalid_button")
        return State.ZONE
    await answer(update, context)
    if draft.get("kind") == "zone":
        return await _audience_chosen(update, context, draft, "zone", zone.id, zone.name)
    lang = await language_of(update, context)
    markup = await community_keyboard(context, lang, PREFIX, zone.id)
    await say(
        update, context, "broadcast.choose_community", edit=True, markup=markup, zone=zone.name
    )
    return State.COMMUNITY


@with_draft
async def choose_community(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A community was pressed: final for a community audience, else show its grids."""
    db = context.services.db
    community_id = parse_int(last_field(update))
    found = await geo.community(db, community_id) if community_id else None
    zone = await geo.zone(db, found.zone_id) if found else None
    if found is None or zone is None:
        await answer(update, context, "common.invalid_button")
        return State.COMMUNITY
    await answer(update, context)
    if draft.get("kind") == "community":
        name = f"{zone.name} · {found.name}"
        return await _audience_chosen(update, context, draft, "community", found.id, name)
    lang = await language_of(update, context)
    markup = await grid_keyboard(context, lang, PREFIX, found.id)
    await say(
        update, context, "broadcast.choose_grid", edit=True, markup=markup, community=found.name
    )
    return State.GRID


@with_draft
async def choose_grid(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A grid was pressed: the audience is its residents."""
    grid_id = parse_int(last_field(update))
    grid = await geo.grid(context.services.db, grid_id) if grid_id else None
    if grid is None:
        await answer(update, context, "common.invalid_button")
        return State.GRID
    await answer(update, context)
    return await _audience_chosen(update, context, draft, "grid", grid.id, grid.full_name)


@with_draft
async def back_to_zones(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """Back to the list of zones."""
    await answer(update, context)
    return await _ask_zone(update, context, draft)


@with_draft
async def choose_role(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A role was pressed: everyone holding it."""
    role = last_field(update)
    if role not in ROLE_CODES:
        await answer(update, context, "common.invalid_button")
        return State.ROLE
    await answer(update, context)
    return await _audience_chosen(update, context, draft, "role", role, role)


@with_draft
async def choose_meeting(update: Update, context: MinhuContext, draft: dict[str, Any]) -> int:
    """A meeting was pressed: its registrants (booked and waiting list)."""
    meeting_id = parse_int(last_field(update))
    found = [m for m in await open_meetings(context.services.db) if m.id == meeting_id]
    if not found:
        await answer(update, context, "common.invalid_button")
        return State.MEETING
    await answer(update, context)
    return await _audience_chosen(update, context, draft, "meeting", found[0].id, found[0].title)


async def _audience_chosen(
    update: Update,
    context: MinhuContext,
    draft: dict[str, Any],
    kind: str,
    ref: int | str | None,
    name: str,
) -> int:
    lang = await language_of(update, context)
    label = t(context, lang, "broadcast.audience", kind=kind, name=name)
    draft["audience"] = [kind, ref, label]
    await say(update, context, "broadcast.audience_chosen", edit=True, audience=label)
    return await ask_text(update, context)
