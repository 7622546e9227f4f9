"""The "me too" step of /report: once the place is known (属地), offer the open complaints
of the grid the report goes to and of its category that say the same thing, so the resident
can join one instead of filing it again. The offered ids are kept in the draft; a press is
honoured only for one of them.
"""

from __future__ import annotations

from telegram import Update

from bot.complaints import service
from bot.complaints.buttons import NOT_SAME, REPORT_CANCEL, SAME
from bot.complaints.intake import Draft
from bot.complaints.similar import Candidate, find_similar
from bot.runtime.services import MinhuContext
from handlers.kit import conversation as kit
from handlers.kit.common import Row, language_of, t
from storage import complaints, lifecycle

SHOWN = 3


async def offer(update: Update, context: MinhuContext, draft: Draft) -> bool:
    """Show similar open complaints with a "me too" button each; False when there are none."""
    assert update.effective_user is not None
    services = context.services
    found = await lifecycle.similar_candidates(
        services.db, draft["grid_id"], draft.get("category_id") or 0, services.clock.now()
    )
    candidates = [Candidate(cid, number, text) for cid, number, text in found]
    shown = []
    for match in find_similar(str(draft["description"]), candidates, limit=len(candidates)):
        c = await complaints.get(services.db, match.candidate.complaint_id)
        if c is not None and c.reporter_id != update.effective_user.id:
            shown.append(c)
        if len(shown) == SHOWN:
            break
    draft.pop("same", None)
    if not shown:
        return False
    draft["same"] = [c.id for c in shown]
    lang = await language_of(update, context)
    several = len(shown) > 1
    rows: list[Row] = [
        [(t(context, lang, "report.btn_same", number=c.number, several=several), SAME.pack(c.id))]
        for c in shown
    ]
    rows.append([(t(context, lang, "report.btn_not_same"), NOT_SAME.pack())])
    matches = [
        {"number": c.number, "status": c.status, "description": c.description} for c in shown
    ]
    await kit.ask(update, context, "report.same_offer", rows, REPORT_CANCEL, matches=matches)
    return True


async def join(update: Update, context: MinhuContext, draft: Draft) -> tuple[str, bool] | None:
    """ "Me too" on an offered complaint: (its number, newly joined); None if it was not
    offered. Raises NotAllowed when it can no longer be joined."""
    assert update.callback_query is not None and update.effective_user is not None
    complaint_id = SAME.one(update.callback_query.data)
    if complaint_id not in draft.get("same", []):
        return None
    found = await complaints.get(context.services.db, complaint_id)
    if found is None:
        return None
    added = await service.support(
        context.services, complaint_id, update.effective_user.id, grids=(draft["grid_id"],)
    )
    return found.number, added
