"""/stats (admins): complaints by status and overdue, town-wide and per zone; the work waiting
to be assigned; where nobody can be reached."""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.complaints import reach
from bot.complaints.rules import Status
from bot.people.roles import Role
from bot.runtime.services import MinhuContext
from handlers.complaints.inbox import staff_roles
from handlers.kit.common import language_of, say, t
from storage import lifecycle
from storage import reach as reach_store

COLUMNS = ("waiting", "working", "resolved", "closed", "rejected", "overdue")
GROUP = {
    Status.SUBMITTED: "waiting",
    Status.TRANSFERRED: "waiting",
    Status.REOPENED: "waiting",
    Status.ACCEPTED: "working",
    Status.ESCALATED: "working",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
    Status.REJECTED: "rejected",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int, *, right: bool = True) -> str:
    pad = " " * max(0, width - _width(text))
    return pad + text if right else text + pad


def _table(context: MinhuContext, lang: str, rows: list[dict[str, Any]]) -> str:
    """Zones down, grouped statuses across, a total line; padded for a monospace font."""
    per_zone: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        counts = per_zone[r["zone"]]
        counts[GROUP[Status(r["status"])]] += int(r["n"])
        counts["overdue"] += int(r["overdue"] or 0)
    total: Counter[str] = Counter()
    for counts in per_zone.values():
        total.update(counts)
    lines = [*per_zone.items(), (t(context, lang, "staff.col_total"), total)]
    corner = t(context, lang, "staff.col_zone")
    heads = [t(context, lang, f"staff.col_{c}") for c in COLUMNS]
    first = max(_width(name) for name in [corner, *(name for name, _ in lines)])
    widths = [max(_width(h), 3) for h in heads]
    out = [
        " ".join(
            [_cell(corner, first, right=False)]
            + [_cell(h, w) for h, w in zip(heads, widths, strict=True)]
        )
    ]
    for name, counts in lines:
        cells = [_cell(str(counts[c]), w) for c, w in zip(COLUMNS, widths, strict=True)]
        out.append(" ".join([_cell(name, first, right=False), *cells]))
    return "\n".join(out)


async def stats(update: Update, context: MinhuContext) -> None:
    """/stats (admins): complaints by status and overdue, town-wide and per zone."""
    roles = await staff_roles(update, context)
    if not roles:
        return
    if Role.ADMIN not in roles:
        await say(update, context, "common.not_allowed")
        return
    services = context.services
    rows = await lifecycle.stats_by_zone(services.db, services.clock.now())
    waiting, waiting_items = await reach_store.waiting_unassigned(services.db)
    lang = await language_of(update, context)
    by_status: Counter[str] = Counter()
    for r in rows:
        by_status[r["status"]] += int(r["n"])
    await say(
        update,
        context,
        "staff.stats",
        total=sum(by_status.values()),
        by_status=[(s.value, by_status[s.value]) for s in Status if by_status[s.value]],
        overdue=sum(int(r["overdue"] or 0) for r in rows),
        table=_table(context, lang, rows) if rows else "",
        waiting=waiting,
        waiting_items=waiting_items,
        unreachable=await reach.unreachable(services),
        shown=reach.SHOWN,
    )


def handlers() -> list[BaseHandler]:
    """/stats."""
    return [CommandHandler("stats", stats)]
