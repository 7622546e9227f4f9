"""A person's rights (PIPL): everything stored about them (/mydata), as a JSON file and as a
page they can read, and erasure (/deleteme) in one transaction.

Erasure gives up the person's meeting seats and volunteer places (the next in line is
promoted and told), removes
or anonymises every row that names them (`storage.privacy`), all or nothing; then the
write-ahead log is checkpointed so that, with `secure_delete`, neither the database file nor
its log holds what was erased. The in-memory state of the running bot is the caller's part
(`bot.runtime.persistence.forget`).
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError

from bot.bulletins.packing import strip_tags
from bot.meetings import service as meetings
from bot.points import activities as volunteering
from bot.runtime.services import Services
from bot.visits import service as visits
from storage import privacy as store
from storage import visits as visit_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Export:
    """What /mydata sends: the data, the same as JSON, and a readable page."""

    data: dict[str, Any]
    json: bytes
    page: str


async def erase(services: Services, user_id: int) -> int:
    """Erase a person in one transaction; returns how many complaints stay, anonymised."""
    now = services.clock.now()
    households = await visit_store.linked_to(services.db, user_id)
    async with services.db.transaction() as conn:
        await meetings.give_up_all(conn, services, user_id, now)
        await volunteering.give_up_all(conn, services, user_id, now)
        for household_id in households:  # their household on the home-visit register
            await visits.erase_in(conn, household_id, now)
        kept = await store.erase_in(conn, user_id)
    await services.db.checkpoint()
    services.delivery.kick_soon()  # whoever moved up from a waiting list is told
    log.info("erased a person (%d complaints kept anonymised)", kept)
    return kept


def _notice_text(services: Services, language: str, notice: dict[str, Any]) -> str | None:
    """A notice as the person read it (plain text); None when it cannot be rebuilt."""
    context = notice["context"] if isinstance(notice["context"], dict) else {}
    try:
        html = services.renderer.render(
            str(context.get("language", language)), notice["template"], **context
        )
    except (KeyError, TypeError, ValueError, TemplateError):
        return None
    return strip_tags(html)


async def export(services: Services, user_id: int, language: str) -> Export:
    """Everything stored about a person: the notices sent to them with their text."""
    data = await store.export(services.db, user_id)
    for notice in data["notices"]:
        notice["text"] = _notice_text(services, language, notice)
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    page = services.renderer.render_within(  # a file, not a message: no length limit
        sys.maxsize, language, "privacy_page.page", data=data, generated_at=services.clock.now()
    )
    return Export(data, payload, page)
