"""Organisers in the chat (admins, community staff): /newactivity publishes an activity from
one line; /activity ID shows its volunteers, the check-in and check-out codes to give, and
✅ confirms attendance afterwards (credited once), 🚫 calls it off before the start (asked
first; everyone signed up is told); /activity ID in|out CODE checks a volunteer in or out by
their own code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.buttons import Family
from bot.core.refusals import Refusal
from bot.points import activities as service
from bot.points.buttons import CANCEL_ACTIVITY, CONFIRM, DROP_ACTIVITY
from bot.points.notices import context_of
from bot.points.rules import ActivityStatus, SignupStatus, parse_form
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import answer, keyboard, language_of, parse_int, say, t
from handlers.kit.refusals import refuse_pressed
from storage import activities as store
from storage.activities import Activity

# Volunteers a message of the organiser's card: a row is ~40 units of the template's own words
# and a name, which the renderer shortens if it must, so sixty always fit in 4,096 with the head.
PER_MESSAGE = 60
T = TypeVar("T")


@kit.refusals_answered
async def publish(update: Update, context: MinhuContext) -> None:
    """/newactivity 标题 | 内容 | 地点 | 时间 | 分钟 | 名额 | 每小时积分 | 代码 [| 活动标签]."""
    assert update.effective_user is not None and update.message is not None
    services = context.services
    if not await service.may_organise(services, update.effective_user.id):
        await say(update, context, "points.not_organiser")
        return
    words = (update.message.text or "").split(maxsplit=1)
    text = words[1].strip() if len(words) > 1 else ""
    if not text:
        await say(update, context, "points.newactivity_usage")
        return
    form = parse_form(text, services.settings.tz, services.clock.now())
    a = await service.publish(services, update.effective_user.id, form)
    await _show(update, context, a)


async def _show(update: Update, context: MinhuContext, a: Activity, *, edit: bool = False) -> None:
    """The organiser's card: codes, volunteers and the confirmation button."""
    listed = await store.signups(context.services.db, a.id)
    rows = []
    if a.status == ActivityStatus.OPEN:
        lang = await language_of(update, context)
        rows = [[(t(context, lang, "points.btn_confirm"), CONFIRM.pack(a.id))]]
        if context.services.clock.now() < a.starts_at:
            rows.append([(t(context, lang, "points.btn_call_off"), CANCEL_ACTIVITY.pack(a.id))])
    volunteers = [
        {
            "name": s.name,
            "status": s.status,
            "code": s.code,
            "in": bool(s.checked_in_at),
            "out": bool(s.checked_out_at),
            "minutes": s.minutes,
        }
        for s in listed
    ]
    pages = [volunteers[n : n + PER_MESSAGE] for n in range(0, len(volunteers), PER_MESSAGE)]
    await say(
        update,
        context,
        "points.organiser_card",
        markup=keyboard(rows) if rows else None,
        edit=edit,
        **await context_of(context.services, a),
        checkin_code=a.checkin_code,
        checkout_code=a.checkout_code,
        status=a.status,
        volunteers=pages[0] if pages else [],
        total=len(volunteers),
        more=len(pages) > 1,
        edit_only=edit,
    )
    if edit:  # the card edited in place; the whole list comes with /activity
        return
    for n, page in enumerate(pages[1:], 1):
        await say(
            update,
            context,
            "points.organiser_more",
            activity_id=a.id,
            title=a.title,
            volunteers=page,
            start=n * PER_MESSAGE,
        )


@kit.refusals_answered
async def show(update: Update, context: MinhuContext) -> None:
    """/activity ID [in|out CODE]."""
    assert update.effective_user is not None
    args = context.args or []
    activity_id = parse_int(args[0]) if args else None
    if activity_id is None or (len(args) > 1 and (len(args) != 3 or args[1] not in ("in", "out"))):
        await say(update, context, "points.activity_usage")
        return
    user_id = update.effective_user.id
    if len(args) == 3:
        a, s = await service.check_for(context.services, user_id, activity_id, args[2], args[1])
        key = "points.checked_for_in" if args[1] == "in" else "points.checked_for_out"
        await say(update, context, key, name=s.name, title=a.title)
        return
    await _show(update, context, await service.organised(context.services, activity_id, user_id))


async def _pressed(
    update: Update,
    context: MinhuContext,
    family: Family,
    act: Callable[[int, int], Awaitable[T]],
) -> T | None:
    """An organiser's button on an activity: `act(user, activity)` does it (the service checks
    who may, and when); a forged press or a refusal is answered and gives None."""
    assert update.callback_query is not None and update.effective_user is not None
    activity_id = family.one(update.callback_query.data)
    try:
        if activity_id is None:
            raise service.NotFound("not_found")
        done = await act(update.effective_user.id, activity_id)
    except Refusal as refused:
        await refuse_pressed(update, context, refused)
        return None
    await answer(update, context)
    return done


async def confirm(update: Update, context: MinhuContext) -> None:
    """✅ attendance confirmed: the volunteers who checked in and out are credited, once."""
    services = context.services
    done = await _pressed(
        update, context, CONFIRM, lambda user, activity: service.confirm(services, activity, user)
    )
    if done is None:
        return
    a = await store.get(services.db, done.activity.id)  # as confirmed now
    assert a is not None
    await _show(update, context, a, edit=True)
    await say(
        update,
        context,
        "points.confirmed",
        title=a.title,
        attended=done.attended,
        no_show=done.no_show,
        points=done.points,
    )


async def ask_call_off(update: Update, context: MinhuContext) -> None:
    """🚫: are you sure? (how many are signed up and waiting, and the button that does it)."""
    services = context.services
    a = await _pressed(
        update,
        context,
        CANCEL_ACTIVITY,
        lambda user, activity: service.may_call_off(services, activity, user),
    )
    if a is None:
        return
    listed = await store.signups(services.db, a.id)
    lang = await language_of(update, context)
    yes = [[(t(context, lang, "points.btn_call_off_yes"), DROP_ACTIVITY.pack(a.id))]]
    await say(
        update,
        context,
        "points.call_off_ask",
        markup=keyboard(yes),
        title=a.title,
        booked=sum(1 for s in listed if s.status == SignupStatus.BOOKED),
        waiting=sum(1 for s in listed if s.status == SignupStatus.WAITLISTED),
    )


async def call_off(update: Update, context: MinhuContext) -> None:
    """确定取消活动: called off, everyone signed up told (a second press changes nothing)."""
    services = context.services
    done = await _pressed(
        update,
        context,
        DROP_ACTIVITY,
        lambda user, activity: service.call_off(services, activity, user),
    )
    if done is None:
        return
    await say(
        update,
        context,
        "points.called_off_done",
        edit=True,
        title=done.activity.title,
        told=done.told,
    )


def handlers() -> list[BaseHandler]:
    """/newactivity, /activity, the confirmation and the calling-off buttons."""
    return [
        CommandHandler("newactivity", publish),
        CommandHandler("activity", show),
        CallbackQueryHandler(confirm, pattern=CONFIRM.pattern),
        CallbackQueryHandler(ask_call_off, pattern=CANCEL_ACTIVITY.pattern),
        CallbackQueryHandler(call_off, pattern=DROP_ACTIVITY.pattern),
    ]
