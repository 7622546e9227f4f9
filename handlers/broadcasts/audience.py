"""/broadcast, step 1: who gets it — everyone, a zone, a community, a grid, a role, or a
meeting's registrants. The zone → community → grid buttons come from the shared picker
(handlers.kit.geo_picker); the chosen audience is kept in the draft as [kind, ref, label] and
the conversation goes on to the words (handlers.broadcasts.compose).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update

from bot.broadcasts.buttons import BACK, CANCEL, COMMUNITY, GRID, KIND, MEETING, ROLE, ZONE
from bot.broadcasts.rules import GEO, AudienceKind
from bot.broadcasts.service import OpenMeeting, open_meetings
from bot.core.buttons import Family
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.broadcasts.flow import SLOT, Draft, State, ask_text, step
from handlers.kit.common import Row, answer, language_of, pressed, say, t
from handlers.kit.conversation import ask, for_role, picked
from handlers.kit.geo_picker import Picker
from storage import geo
from storage.db import Database
from storage.models import ROLES, Community, Zone

PICKER = Picker(zone=ZONE, community=COMMUNITY, grid=GRID, back=BACK, cancel=CANCEL)
KINDS = [
    [AudienceKind.EVERYONE],
    [AudienceKind.ZONE, AudienceKind.COMMUNITY],
    [AudienceKind.GRID, AudienceKind.ROLE],
]


@for_role(Role.ADMIN)
async def start(update: Update, context: MinhuContext) -> int:
    """/broadcast: admins start a draft (anyone else is told it is not allowed)."""
    assert context.user_data is not None
    context.user_data[SLOT] = Draft()
    lang = await language_of(update, context)
    kinds = list(KINDS)
    if await open_meetings(context.services.db, limit=1):  # offered only while one is open
        kinds.append([AudienceKind.MEETING])
    rows = [[(t(context, lang, f"broadcast.btn_{k}"), KIND.pack(k)) for k in row] for row in kinds]
    await ask(update, context, "broadcast.choose_audience", rows, CANCEL)
    return State.AUDIENCE


@step
async def choose_kind(update: Update, context: MinhuContext, draft: Draft) -> int:
    """An audience kind was pressed: everyone is final, the others need a choice."""
    kind = AudienceKind(KIND.one(pressed(update)))
    lang = await language_of(update, context)
    if kind == AudienceKind.EVERYONE:
        await answer(update, context)
        return await _chosen(update, context, draft, kind, None, "")
    if kind in GEO:
        draft["kind"] = kind
        await answer(update, context)
        return await _ask_place(update, context, draft)
    if kind == AudienceKind.ROLE:
        rows: list[Row] = [[(_label(context, lang, kind, r), ROLE.pack(r))] for r in ROLES]
        return await _offer(update, context, "broadcast.choose_role", rows, State.ROLE)
    meetings = await open_meetings(context.services.db)
    if not meetings:
        await answer(update, context, "common.invalid_button")
        return State.AUDIENCE
    rows = []
    for m in meetings:
        label = t(context, lang, "broadcast.btn_meeting_item", title=m.title, starts_at=m.starts_at)
        rows.append([(label, MEETING.pack(m.id))])
    return await _offer(update, context, "broadcast.choose_meeting", rows, State.MEETING)


async def _offer(
    update: Update, context: MinhuContext, key: str, rows: list[Row], state: State
) -> State:
    """Replace the pressed question by the next one: these choices, then cancel."""
    await answer(update, context)
    await ask(update, context, key, rows, CANCEL, edit=True)
    return state


def _label(context: MinhuContext, lang: str, kind: AudienceKind, name: str) -> str:
    return t(context, lang, "broadcast.audience", kind=kind, name=name)


async def _ask_place(
    update: Update, context: MinhuContext, draft: Draft, under: Zone | Community | None = None
) -> int:
    """The picker's next question: the zones, a zone's communities or a community's grids."""
    if isinstance(under, Community):
        key, state, names = "broadcast.choose_grid", State.GRID, {"community": under.name}
    elif isinstance(under, Zone):
        key, state, names = "broadcast.choose_community", State.COMMUNITY, {"zone": under.name}
    else:
        key, state, names = "broadcast.choose_zone_first", State.ZONE, {}  # for a community
        if draft.get("kind") == AudienceKind.ZONE:
            key = "broadcast.choose_zone"
    markup = await PICKER.markup(context, await language_of(update, context), under)
    await say(update, context, key, edit=True, markup=markup, **names)
    return state


Lookup = Callable[[Database, Any], Awaitable[Any]]


async def _pressed(update: Update, context: MinhuContext, family: Family, lookup: Lookup) -> Any:
    """The record a pressed button names (the spinner stopped), or None after saying the
    button is invalid (gone, or forged)."""
    ref = family.one(pressed(update))
    found = await lookup(context.services.db, ref) if ref is not None else None
    await answer(update, context, None if found is not None else "common.invalid_button")
    return found


@step
async def choose_zone(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A zone was pressed: final for a zone audience, else show its communities."""
    zone = await _pressed(update, context, ZONE, geo.zone)
    if zone is None:
        return State.ZONE
    if draft.get("kind") == AudienceKind.ZONE:
        return await _chosen(update, context, draft, AudienceKind.ZONE, zone.id, zone.name)
    return await _ask_place(update, context, draft, zone)


async def _community(db: Database, community_id: int) -> tuple[Community, Zone] | None:
    """A community and its zone."""
    found = await geo.community(db, community_id)
    zone = await geo.zone(db, found.zone_id) if found else None
    return (found, zone) if found is not None and zone is not None else None


@step
async def choose_community(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A community was pressed: final for a community audience, else show its grids."""
    pressed = await _pressed(update, context, COMMUNITY, _community)
    if pressed is None:
        return State.COMMUNITY
    found, zone = pressed
    if draft.get("kind") == AudienceKind.COMMUNITY:
        name = f"{zone.name} · {found.name}"
        return await _chosen(update, context, draft, AudienceKind.COMMUNITY, found.id, name)
    return await _ask_place(update, context, draft, found)


@step
async def choose_grid(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A grid was pressed: the audience is its residents."""
    grid = await _pressed(update, context, GRID, geo.grid)
    if grid is None:
        return State.GRID
    return await _chosen(update, context, draft, AudienceKind.GRID, grid.id, grid.full_name)


@step
async def back_to_zones(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Back to the list of zones."""
    await answer(update, context)
    return await _ask_place(update, context, draft)


@step
async def choose_role(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A role was pressed: everyone holding it."""
    role = await picked(update, context, ROLE, ROLES)
    if role is None:
        return State.ROLE
    return await _chosen(update, context, draft, AudienceKind.ROLE, role, role)


async def _open_meeting(db: Database, meeting_id: int) -> OpenMeeting | None:
    return next((m for m in await open_meetings(db) if m.id == meeting_id), None)


@step
async def choose_meeting(update: Update, context: MinhuContext, draft: Draft) -> int:
    """A meeting was pressed: its registrants (booked and waiting list)."""
    meeting = await _pressed(update, context, MEETING, _open_meeting)
    if meeting is None:
        return State.MEETING
    return await _chosen(update, context, draft, AudienceKind.MEETING, meeting.id, meeting.title)


async def _chosen(
    update: Update,
    context: MinhuContext,
    draft: Draft,
    kind: AudienceKind,
    ref: int | str | None,
    name: str,
) -> int:
    label = _label(context, await language_of(update, context), kind, name)
    draft["audience"] = [str(kind), ref, label]
    await say(update, context, "broadcast.audience_chosen", edit=True, audience=label)
    return await ask_text(update, context)


CHOICES: Sequence[tuple[State, tuple[tuple[Family, Any], ...]]] = (
    (State.AUDIENCE, ((KIND, choose_kind),)),
    (State.ZONE, ((ZONE, choose_zone),)),
    (State.COMMUNITY, ((COMMUNITY, choose_community), (BACK, back_to_zones))),
    (State.GRID, ((GRID, choose_grid), (ZONE, choose_zone))),  # a zone: back to its communities
    (State.ROLE, ((ROLE, choose_role),)),
    (State.MEETING, ((MEETING, choose_meeting),)),
)
