"""/servicepoint for admins: find a point (by code or a word of its name), see it as residents
do with whether it is shown, hide or show it (🙈 / 👁), and edit it in one line:

    /servicepoint CODE hours 周一至周五 8:30-17:00；周六 9:00-12:00
    /servicepoint CODE phone 0572-1234567   (- clears it)
    /servicepoint CODE staff USER_ID [off]   (a point's staff get its bookings)
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.refusals import Refusal
from bot.people.roles import has_role
from bot.runtime.services import MinhuContext
from bot.services import bookings, buttons, search
from bot.services.rules import ServicesGone
from handlers.kit.common import Row, answer, keyboard, language_of, pressed, say, t
from handlers.kit.conversation import refuse, refuse_pressed
from storage import services as store
from storage.models import Role


async def _card(update: Update, context: MinhuContext, point_id: int, *, edit: bool) -> None:
    found = await search.card(context.services, point_id, hidden_too=True)
    lang = await language_of(update, context)
    p = found.point
    label = "services.btn_show" if not p.visible else "services.btn_hide"
    rows: list[Row] = [[(t(context, lang, label), buttons.SHOW.pack(p.id, not p.visible))]]
    staff = await store.staff_of(context.services.db, p.id)
    await say(
        update,
        context,
        "services.admin_card",
        edit=edit,
        markup=keyboard(rows),
        code=p.code,
        name=p.name,
        visible=p.visible,
        phone=p.phone,
        hours=found.point.hours,
        staff=staff,
        open=found.state.open,
    )


async def servicepoint(update: Update, context: MinhuContext) -> None:
    """/servicepoint [CODE or words] [hours …|phone …|staff ID [off]]."""
    assert update.effective_user is not None
    user_id = update.effective_user.id
    services = context.services
    args = context.args or []
    if not await has_role(services, user_id, Role.ADMIN):
        await say(update, context, "common.not_allowed")
        return
    if not args:
        await say(update, context, "services.admin_usage")
        return
    try:
        if len(args) == 1:
            point = await store.by_code(services.db, args[0])
            if point is None:
                matches = await store.named(services.db, args[0][:30])
                if len(matches) != 1:
                    await say(
                        update,
                        context,
                        "services.admin_matches",
                        points=matches,
                        words=args[0][:30],
                    )
                    return
                point = matches[0]
            await _card(update, context, point.id, edit=False)
            return
        code, what, rest = args[0], args[1].lower(), " ".join(args[2:])
        if what == "hours" and rest:
            point = await bookings.set_hours(services, user_id, code, rest)
        elif what == "phone" and rest:
            point = await bookings.set_phone(services, user_id, code, rest)
        elif what == "staff" and len(args) in (3, 4) and args[2].isdigit() and len(args[2]) <= 15:
            on = len(args) == 3 or args[3].lower() not in ("off", "取消")
            changed = await bookings.set_staff(services, user_id, code, int(args[2]), on)
            await say(
                update,
                context,
                "services.staff_set",
                on=on,
                changed=changed,
                user=args[2],
                code=code,
            )
            return
        else:
            await say(update, context, "services.admin_usage")
            return
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    await say(update, context, "services.admin_saved", name=point.name, code=point.code)
    await _card(update, context, point.id, edit=False)


async def show_or_hide(update: Update, context: MinhuContext) -> None:
    """🙈 hide / 👁 show: admins only (checked here, not by the button's presence)."""
    assert update.effective_user is not None
    point_id, visible = buttons.SHOW.parse(pressed(update)) or (0, False)
    try:
        if not point_id:
            raise ServicesGone("gone")
        changed = await bookings.set_visible(
            context.services, update.effective_user.id, point_id, visible
        )
    except Refusal as refusal:
        await refuse_pressed(update, context, refusal)
        return
    await answer(update, context, "services.visibility", visible=visible, changed=changed)
    if changed:
        await _card(update, context, point_id, edit=True)


def handlers() -> list[BaseHandler]:
    """/servicepoint and its hide/show button."""
    return [
        CommandHandler("servicepoint", servicepoint),
        CallbackQueryHandler(show_or_hide, pattern=buttons.SHOW.pattern),
    ]
