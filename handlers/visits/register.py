"""/household (grid workers): register a household that needs visits (网格走亲) — (the grid, if
several) → name → address → phone (or skip) → emergency contact (or skip) → kind → cadence →
notes (or skip) → ✅ the resident agreed orally. `bot.visits.service.register` writes it, with
who recorded the consent and when, and its first reminders, in one transaction."""

from __future__ import annotations

from enum import IntEnum
from typing import TypedDict

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.people.roles import Role
from bot.proxy import rules as proxy_rules
from bot.runtime.services import MinhuContext
from bot.visits import buttons as b
from bot.visits import rules
from bot.visits import service as visits
from bot.visits.rules import Refused
from handlers.kit import conversation as kit
from handlers.kit.common import answer, in_rows, language_of, pressed, say, t
from storage import people
from storage.visits import NewHousehold

DRAFT = "household_draft"

# The steps, numbered 800-808.
State = IntEnum("State", "GRID NAME ADDRESS PHONE EMERGENCY KIND CADENCE NOTES CONSENT", start=800)


class Draft(TypedDict, total=False):
    id: str
    grid_id: int
    name: str
    address: str
    phone: str | None
    emergency: str | None
    kind: str
    cadence: int
    notes: str


form = kit.draft_step(DRAFT, role=Role.GRID_WORKER, expired="visits.expired")


def _skip_row(context: MinhuContext, lang: str) -> list[tuple[str, str]]:
    return [(t(context, lang, "visits.btn_skip"), b.HH_SKIP.pack())]


@kit.form_start(DRAFT, Role.GRID_WORKER)
async def start(update: Update, context: MinhuContext, draft: Draft) -> int:
    """/household: grid workers only; which grid, if they have several."""
    assert update.effective_user is not None
    grids = await visits.worker_grids(context.services, update.effective_user.id)
    if not grids:
        await say(update, context, "common.not_allowed")
        return ConversationHandler.END
    if len(grids) == 1:
        draft["grid_id"] = grids[0].id
        return await _ask_name(update, context, edit=False)
    rows = [[(g.full_name, b.HH_GRID.pack(g.id))] for g in grids]
    await kit.ask(update, context, "visits.ask_grid", rows, b.HH_CANCEL)
    return State.GRID


@form
async def grid(update: Update, context: MinhuContext, draft: Draft) -> int:
    """One of the worker's grids."""
    assert update.effective_user is not None
    mine = {g.id for g in await visits.worker_grids(context.services, update.effective_user.id)}
    grid_id = await kit.picked(update, context, b.HH_GRID, mine)
    if grid_id is None:
        return State.GRID
    draft["grid_id"] = grid_id
    return await _ask_name(update, context, edit=True)


async def _ask_name(update: Update, context: MinhuContext, *, edit: bool) -> int:
    await say(update, context, "visits.ask_name", edit=edit, max=rules.NAME[1])
    return State.NAME


@form
async def name(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The resident's name."""
    text = await kit.typed_within(update, context, rules.NAME, "visits.bad_length")
    if text is None:
        return State.NAME
    draft["name"] = text
    low, high = rules.ADDRESS
    await say(update, context, "visits.ask_address", min=low, max=high)
    return State.ADDRESS


@form
async def address(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The address."""
    text = await kit.typed_within(update, context, rules.ADDRESS, "visits.bad_length")
    if text is None:
        return State.ADDRESS
    draft["address"] = text
    lang = await language_of(update, context)
    await kit.ask(update, context, "visits.ask_phone", [_skip_row(context, lang)], b.HH_CANCEL)
    return State.PHONE


@form
async def phone(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The household's phone (a mobile or a landline), kept as digits; or none (⏭)."""
    number = None
    if update.message is not None:
        number = proxy_rules.phone_of(update.message.text or "")
        if number is None:
            await say(update, context, "visits.bad_phone")
            return State.PHONE
    else:
        await answer(update, context)
    draft["phone"] = number
    return await _ask_emergency(update, context, edit=update.message is None)


async def _typed_or_skipped(
    update: Update, context: MinhuContext, limits: tuple[int, int]
) -> str | None:
    """An optional step's answer: the text typed (within `limits`), None when ⏭ was pressed,
    "" when the text did not fit (said; the step is asked again)."""
    if update.message is None:
        await answer(update, context)
        return None
    text = await kit.typed_within(update, context, limits, "visits.bad_length")
    return "" if text is None else text


async def _ask_emergency(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    rows = [_skip_row(context, lang)]
    await kit.ask(update, context, "visits.ask_emergency", rows, b.HH_CANCEL, edit=edit)
    return State.EMERGENCY


@form
async def emergency(update: Update, context: MinhuContext, draft: Draft) -> int:
    """An emergency contact, name and phone in words; or none (⏭)."""
    text = await _typed_or_skipped(update, context, rules.CONTACT)
    if text == "":
        return State.EMERGENCY
    draft["emergency"] = text
    return await _ask_kind(update, context, edit=text is None)


async def _ask_kind(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    kinds = context.services.settings.visit_kinds
    rows = in_rows([(k.label(lang), b.HH_KIND.pack(i)) for i, k in enumerate(kinds)], 2)
    await kit.ask(update, context, "visits.ask_kind", rows, b.HH_CANCEL, edit=edit)
    return State.KIND


@form
async def kind(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The kind of household; then how often."""
    kinds = context.services.settings.visit_kinds
    index = await kit.picked(update, context, b.HH_KIND, range(len(kinds)))
    if index is None:
        return State.KIND
    chosen = kinds[index]
    draft["kind"] = chosen.name
    lang = await language_of(update, context)
    days = [chosen.cadence_days, *(d for d in rules.CADENCES if d != chosen.cadence_days)]
    rows = [
        [
            (
                t(context, lang, "visits.btn_cadence", days=d, default=d == chosen.cadence_days),
                b.HH_CADENCE.pack(d),
            )
        ]
        for d in days
    ]
    await kit.ask(
        update, context, "visits.ask_cadence", rows, b.HH_CANCEL, edit=True, kind=chosen.label(lang)
    )
    return State.CADENCE


@form
async def cadence(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Days between visits; then notes."""
    kinds = context.services.settings.visit_kinds
    chosen = rules.kind_named(kinds, draft.get("kind", ""))
    offered = {*rules.CADENCES, chosen.cadence_days if chosen else 7}
    days = await kit.picked(update, context, b.HH_CADENCE, offered)
    if days is None:
        return State.CADENCE
    draft["cadence"] = days
    lang = await language_of(update, context)
    await kit.ask(
        update,
        context,
        "visits.ask_notes",
        [_skip_row(context, lang)],
        b.HH_CANCEL,
        edit=True,
        max=rules.NOTE[1],
    )
    return State.NOTES


@form
async def notes(update: Update, context: MinhuContext, draft: Draft) -> int:
    """Notes only this grid's workers and the dispatch centre see; or none (⏭)."""
    text = await _typed_or_skipped(update, context, (1, rules.NOTE[1]))
    if text == "":
        return State.NOTES
    draft["notes"] = text or ""
    return await _ask_consent(update, context, edit=text is None)


async def _ask_consent(update: Update, context: MinhuContext, *, edit: bool) -> int:
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "visits.btn_consent"), b.HH_CONSENT.pack())]]
    await kit.ask(update, context, "visits.ask_consent", rows, b.HH_CANCEL, edit=edit)
    return State.CONSENT


@form
async def consent(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The resident agreed: the household is registered now (once, however often pressed)."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    if pressed(update) != b.HH_CONSENT.pack():
        await answer(update, context, "common.invalid_button")
        return State.CONSENT
    context.user_data.pop(DRAFT, None)
    try:
        new = NewHousehold(
            grid_id=draft["grid_id"],
            kind=draft["kind"],
            cadence_days=draft["cadence"],
            name=draft["name"],
            address=draft["address"],
            phone=draft.get("phone"),
            emergency_contact=draft.get("emergency"),
            notes=draft.get("notes", ""),
        )
    except KeyError:
        raise Refused("expired") from None
    services = context.services
    household_id = await visits.register(services, user.id, new, consent=True, key=draft["id"])
    await answer(update, context)
    h = await visits.household(services, household_id)
    lang = await language_of(update, context)
    await say(
        update,
        context,
        "visits.registered",
        edit=True,
        name=new.name,
        kind=rules.label_of(services.settings.visit_kinds, new.kind, lang),
        cadence=new.cadence_days,
        due_day=visits.due_day_of(services, h) if h else "",
        by=await people.granted_name(services.db, user.id) or user.first_name,
        at=(h.consent_at if h else services.clock.now()).isoformat(),
    )
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    """The /household conversation (persistent: it survives a restart)."""
    buttons, typed = "visits.expect_button", "visits.expect_text"
    return [
        kit.conversation(
            "household",
            entry_points=[CommandHandler("household", start)],
            states={
                State.GRID: kit.buttons_step(buttons, (b.HH_GRID, grid)),
                State.NAME: kit.typed_step(name, typed),
                State.ADDRESS: kit.typed_step(address, typed),
                State.PHONE: kit.typed_or_pressed(phone, typed, (b.HH_SKIP, phone)),
                State.EMERGENCY: kit.typed_or_pressed(emergency, typed, (b.HH_SKIP, emergency)),
                State.KIND: kit.buttons_step(buttons, (b.HH_KIND, kind)),
                State.CADENCE: kit.buttons_step(buttons, (b.HH_CADENCE, cadence)),
                State.NOTES: kit.typed_or_pressed(notes, typed, (b.HH_SKIP, notes)),
                State.CONSENT: kit.buttons_step(buttons, (b.HH_CONSENT, consent)),
            },
            cancel=kit.cancelled("visits.cancelled", DRAFT),
            cancel_button=b.HH_CANCEL,
        )
    ]
