"""/proxy (代办): staff file a report for a resident who phoned or came to the window.

Three steps of its own — the resident's name, their phone (or none), and "the resident agreed
orally" (who pressed it, and when, is recorded) — then the /report steps on the same draft
(`Draft.proxy`): category, description, photos, where, summary, confirm. "Me too" is not
offered (it would make the staff member a supporter, not the resident) and anonymity is not
asked (the resident's name is recorded with their consent; staff are the named filer). Every
step checks the staff role again on the server (`prompts.with_draft`); the confirm files the
complaint and its proxy row in one transaction (`bot.complaints.intake.submit`).
"""

from __future__ import annotations

from enum import IntEnum

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.complaints import intake
from bot.complaints.buttons import REPORT_CANCEL
from bot.complaints.intake import Draft
from bot.people.roles import Role
from bot.proxy import filing, rules
from bot.proxy.buttons import CONSENT, NO_PHONE
from bot.runtime.services import MinhuContext
from handlers.complaints.report.prompts import DRAFT, ask_category, with_draft
from handlers.kit import conversation as kit
from handlers.kit.common import answer, language_of, say, shown_above, t
from storage import people

# The steps of /proxy before /report's own (their range: 190-199).
ProxyState = IntEnum("ProxyState", "NAME PHONE CONSENT", start=190)


async def start(update: Update, context: MinhuContext) -> int:
    """/proxy: staff (a grid worker, a department's clerk, a dispatcher, an admin) start a
    draft for a resident; anyone else is told it is for staff."""
    assert context.user_data is not None and update.effective_user is not None
    person = await kit.registered(update, context, with_grid=True)
    if person is None or person.grid_id is None:
        return ConversationHandler.END
    if not await filing.may_file(context.services, person.id):
        await say(update, context, "proxy.not_staff")
        return ConversationHandler.END
    draft = intake.new_draft(await _home_grid(context, person.id, person.grid_id))
    draft["proxy"] = {"name": "", "phone": None, "consent_by": None, "consent_at": None}
    draft["same_checked"] = True  # no "me too" for someone else
    draft["anonymous"] = False
    context.user_data[DRAFT] = draft
    low, high = rules.NAME_LIMITS
    await kit.ask(update, context, "proxy.ask_name", [], REPORT_CANCEL, min=low, max=high)
    return ProxyState.NAME


async def _home_grid(context: MinhuContext, user_id: int, registered: int) -> int:
    """The grid a proxy report starts from ("🏠" of the where step): a grid worker's own grid,
    else the staff member's home grid."""
    for grant in await people.roles(context.services.db, user_id):
        if grant.role == Role.GRID_WORKER and grant.grid_id is not None:
            return grant.grid_id
    return registered


def _proxy(draft: Draft) -> rules.ProxyDraft:
    found = draft.get("proxy")
    if found is None:  # a /report draft reached a /proxy step: a forged or mixed-up press
        raise rules.ProxyRefused("not_proxy")
    return found


@with_draft
async def name(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The resident's name (2-30 characters, no digits)."""
    assert update.message is not None
    proxy = _proxy(draft)
    proxy["name"] = rules.name_of(update.message.text or "")
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "proxy.btn_no_phone"), NO_PHONE.pack())]]
    await kit.ask(update, context, "proxy.ask_phone", rows, REPORT_CANCEL, name=proxy["name"])
    return ProxyState.PHONE


@with_draft
async def phone(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The resident's phone, typed (a mainland mobile or landline, normalised)."""
    assert update.message is not None
    proxy = _proxy(draft)
    proxy["phone"] = rules.phone_typed(update.message.text or "")
    return await _ask_consent(update, context, proxy)


@with_draft
async def no_phone(update: Update, context: MinhuContext, draft: Draft) -> int:
    """The resident gave no phone."""
    proxy = _proxy(draft)
    proxy["phone"] = None
    await answer(update, context)
    await shown_above(update, context, "proxy.no_phone_chosen")
    return await _ask_consent(update, context, proxy)


async def _ask_consent(update: Update, context: MinhuContext, proxy: rules.ProxyDraft) -> int:
    lang = await language_of(update, context)
    rows = [[(t(context, lang, "proxy.btn_consent"), CONSENT.pack())]]
    await kit.ask(
        update,
        context,
        "proxy.ask_consent",
        rows,
        REPORT_CANCEL,
        name=proxy["name"],
        phone=rules.shown_phone(proxy["phone"]),
    )
    return ProxyState.CONSENT


@with_draft
async def consent(update: Update, context: MinhuContext, draft: Draft) -> int:
    """ "The resident agreed orally": recorded with who pressed it and when; then /report's
    steps."""
    assert update.effective_user is not None
    proxy = _proxy(draft)
    if not proxy["name"]:
        raise rules.ProxyRefused("not_proxy")
    proxy["consent_by"] = update.effective_user.id
    proxy["consent_at"] = context.services.clock.now().isoformat()
    await answer(update, context)
    await shown_above(update, context, "proxy.consent_recorded", name=proxy["name"])
    return await ask_category(update, context, edit=False)


def states(expect: str) -> dict[object, kit.Handlers]:
    """/proxy's own steps, added to the /report conversation."""
    return {
        ProxyState.NAME: kit.typed_step(name, "proxy.expect_name"),
        ProxyState.PHONE: [
            CallbackQueryHandler(no_phone, pattern=NO_PHONE.pattern),
            *kit.typed_step(phone, "proxy.expect_phone"),
        ],
        ProxyState.CONSENT: kit.buttons_step(expect, (CONSENT, consent)),
    }
