"""Every message fits Telegram whatever people typed: the longest texts they may type, made of
emoji (two UTF-16 units each), of `<>&` that must be escaped, or of Chinese, are shortened
with "…" inside the message — never the message's own words — and a resident who types a
1,994-emoji description files the complaint like anyone else."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.render import CAPTION_LIMIT, LANGUAGES, MESSAGE_LIMIT, Renderer, fit, shorten
from bot.core.telegram_text import parse_html, utf16_len
from bot.meetings.rules import DECISION, MAX_DECISIONS, PLACE, PROPOSAL, SUMMARY, TITLE, TOPIC
from bot.reception.service import TOPIC as RECEPTION_TOPIC
from handlers.complaints.staff import LIMITS as STAFF_NOTE_LIMITS
from handlers.kit.common import MAX_ADDRESS, MAX_TEXT

ALPHABETS = {
    "emoji": ["🚒", "💧", "😡", "👨\u200d👩\u200d👧", "🇨🇳", "❤️"],  # astral, ZWJ, flags
    "escaping": ["<", ">", "&", '"', "'", "&amp;", "<b>", "</i>"],  # what HTML must escape
    "cjk": list("小区东门消防栓没有水已经三天了请尽快处理𠀋"),  # one astral ideograph too
}
NAME = 64  # Telegram's longest first name
NOTE = max(high for _, high in STAFF_NOTE_LIMITS.values())
WHEN = "2026-12-01T06:00:00+00:00"
TZ = ZoneInfo("Asia/Shanghai")

Typed = Callable[[int], str]


def typing(kind: str, seed: int) -> Typed:
    """Text of exactly n characters drawn from one alphabet (a person's worst case)."""
    rng = random.Random(f"{kind}-{seed}")

    def typed(n: int) -> str:
        out: list[str] = []
        while len(out) < n:
            piece = rng.choice(ALPHABETS[kind])
            out.extend(piece if len(out) + len(piece) <= n else piece[: n - len(out)])
        return "".join(out)

    return typed


def _complaint(u: Typed) -> dict[str, Any]:
    return {
        "number": "MH-2026-000001",
        "category": u(40),
        "category_en": u(40),
        "grid": u(80),
        "description": u(MAX_TEXT),
        "address": u(MAX_ADDRESS),
        "reporter": u(NAME),
        "photo_count": 5,
        "has_location": True,
        "routed": "location",
    }


def _events(u: Typed, n: int) -> list[dict[str, Any]]:
    return [{"at": WHEN, "kind": "noted", "actor": "staff", "note": u(NOTE)} for _ in range(n)]


def _came_back(u: Typed) -> dict[str, Any]:
    """The history that matters on a card: 重办 reasons, a relapse, many "me too"s."""
    reasons = [{"kind": "redo", "at": WHEN, "note": u(200)} for _ in range(3)]
    return {"redo_count": 3, "relapse_of": "MH-2026-000002", "supporters": 99, "reasons": reasons}


def _meeting(u: Typed) -> dict[str, Any]:
    return {
        "meeting_id": 7,
        "title": u(TITLE[1]),
        "topic": u(TOPIC[1]),
        "place": u(PLACE[1]),
        "audience": u(60),
        "starts_at": WHEN,
        "ends_at": WHEN,
        "registration_until": WHEN,
        "capacity": 100,
    }


# (block, limit, context): every message that quotes what people typed.
CASES: list[tuple[str, int, Callable[[Typed], dict[str, Any]]]] = [
    (
        "report.summary",
        MESSAGE_LIMIT,
        lambda u: _complaint(u) | {"anonymous": False, "proxy": None},
    ),
    (  # 代办: filed for a resident, whose name staff typed (at most 30 characters)
        "report.summary",
        MESSAGE_LIMIT,
        lambda u: (
            _complaint(u)
            | {"anonymous": False, "proxy": {"name": u(30), "phone": "138 1234 5678", "at": WHEN}}
        ),
    ),
    ("proxy.ask_consent", MESSAGE_LIMIT, lambda u: {"name": u(30), "phone": "0572-1234567"}),
    (
        "notices.new_complaint",
        MESSAGE_LIMIT,
        lambda u: (
            _complaint(u)
            | {
                "kind": "complaint",
                "hazard": False,
                "reopened": None,
                "submitted_at": WHEN,
                "ack_due_at": WHEN,
                "resolve_due_at": WHEN,
                "reason": u(500),
                "supporters": 99,
                "relapse_of": "MH-2026-000002",
                "earlier": [{"kind": "redo", "at": WHEN, "note": u(200)} for _ in range(3)],
            }
        ),
    ),
    ("notices.resolved", MESSAGE_LIMIT, lambda u: {"number": "MH-1", "note": u(NOTE)}),
    ("notices.resolved_supporter", MESSAGE_LIMIT, lambda u: {"number": "MH-1", "note": u(NOTE)}),
    ("notices.supporter_reason", MESSAGE_LIMIT, lambda u: {"number": "MH-1", "reason": u(500)}),
    (
        "staff.inbox",  # a page of /inbox: every line marked
        MESSAGE_LIMIT,
        lambda u: {
            "total": 10_000,
            "view": "back",
            "page": 3,
            "pages": 1_000,
            "items": [
                {
                    "number": f"MH-2026-{n:06}",
                    "status": "reopened",
                    "description": u(MAX_TEXT),
                    "accepted": False,
                    "due": WHEN,
                    "overdue": True,
                    "redo_count": 12,
                    "relapse": True,
                    "supporters": 99,
                }
                for n in range(10)
            ],
        },
    ),
    (
        "notices.status_update",
        MESSAGE_LIMIT,
        lambda u: {
            "number": "MH-1",
            "event": "noted",
            "note": u(NOTE),
            "rating": None,
            "resolve_due_at": WHEN,
            "close_reason": None,
        },
    ),
    ("notices.followup", MESSAGE_LIMIT, lambda u: {"number": "MH-1", "description": u(MAX_TEXT)}),
    (
        "staff.card",
        MESSAGE_LIMIT,
        lambda u: (
            _complaint(u)
            | {
                "hazard": True,
                "status": "submitted",
                "overdue": True,
                "department": u(60),
                "anonymous": False,
                "created_at": WHEN,
                "ack_due_at": WHEN,
                "resolve_due_at": WHEN,
                "accepted_at": None,
            }
            | _came_back(u)
        ),
    ),
    (
        "staff.history",  # /complaint: the whole history of a much-discussed complaint
        MESSAGE_LIMIT,
        lambda u: (
            _complaint(u)
            | {
                "hazard": False,
                "status": "closed",
                "overdue": False,
                "department": u(60),
                "anonymous": False,
                "created_at": WHEN,
                "ack_due_at": WHEN,
                "accepted_at": WHEN,
                "resolve_due_at": WHEN,
                "resolved_at": WHEN,
                "closed_at": WHEN,
                "close_reason": "no_reply",
                "rating": 5,
                "resolution_note": u(NOTE),
                "omitted": 3,
                "events": _events(u, 12),
            }
            | _came_back(u)
        ),
    ),
    (
        "my.list",
        MESSAGE_LIMIT,
        lambda u: {
            "total": 40,
            "shown": 20,
            "items": [
                {
                    "number": f"MH-2026-{n:06}",
                    "category": u(40),
                    "status": "submitted",
                    "created_at": WHEN,
                    "description": u(MAX_TEXT),
                }
                for n in range(20)
            ],
            "supported_total": 30,
            "supported": [
                {
                    "number": f"MH-2026-{n:06}",
                    "category": u(40),
                    "status": "resolved",
                    "created_at": WHEN,
                    "description": u(MAX_TEXT),
                }
                for n in range(5)
            ],
        },
    ),
    (
        "my.history",  # /my → a complaint: what the resident wrote and every answer
        MESSAGE_LIMIT,
        lambda u: (
            _complaint(u)
            | {
                "status": "resolved",
                "events": _events(u, 12),
                "may_confirm": True,
                "reopen_until": WHEN,
            }
        ),
    ),
    (
        "meetings.card",
        MESSAGE_LIMIT,
        lambda u: (
            _meeting(u)
            | {
                "status": "open",
                "open": True,
                "free": 0,
                "waiting": 3,
                "mine": "booked",
                "code": "ABCD2345",
                "position": 0,
            }
        ),
    ),
    (
        "meetings.booked",
        MESSAGE_LIMIT,
        lambda u: _meeting(u) | {"code": "ABCD2345", "reminders": [1440, 60]},
    ),
    ("meetings.ics_caption", CAPTION_LIMIT, _meeting),
    (
        "meetings.result",
        MESSAGE_LIMIT,
        lambda u: (
            _meeting(u)
            | {
                "attendance": 80,
                "summary": u(SUMMARY[1]),
                "decisions": [u(DECISION[1]) for _ in range(MAX_DECISIONS)],
            }
        ),
    ),
    (
        "meetings.admin_view",  # the organiser's view: bookings and the topics people proposed
        MESSAGE_LIMIT,
        lambda u: (
            _meeting(u)
            | {
                "status": "held",
                "started": True,
                "reserved": 2,
                "representatives": 1,
                "booked_count": 100,
                "present": 80,
                "no_shows": 20,
                "booked": [{"name": u(NAME), "present": True} for _ in range(30)],
                "waiting_count": 10,
                "waiting": [{"name": u(NAME)} for _ in range(10)],
                "topic_count": 40,
                "topics": [{"text": u(PROPOSAL[1]), "name": u(NAME)} for _ in range(20)],
                "attendance": 80,
                "summary": u(SUMMARY[1]),
                "decisions": [u(DECISION[1]) for _ in range(MAX_DECISIONS)],
            }
        ),
    ),
    (
        "broadcast.announcement",  # what residents get, and the admin's preview of it
        MESSAGE_LIMIT,
        lambda u: {"urgent": True, "text": u(4096)},
    ),
    (
        "reception.booked_notice",
        MESSAGE_LIMIT,
        lambda u: {
            "name": u(NAME),
            "starts_at": WHEN,
            "station": u(60),
            "topic": u(RECEPTION_TOPIC[1]),
        },
    ),
]


def _renders(renderer: Renderer, lang: str, block: str, limit: int, ctx: dict[str, Any]) -> str:
    if limit == CAPTION_LIMIT:
        return renderer.caption(lang, block, **ctx)
    return renderer.render(lang, block, **ctx)


def assert_fits(text: str, limit: int) -> str:
    """Valid Telegram HTML whose parsed text is within `limit` UTF-16 units."""
    text.encode("utf-8")  # no lone surrogate
    plain, _ = parse_html(text)  # raises on anything Telegram would refuse to parse
    assert plain.strip(), "an empty message"
    assert utf16_len(plain) <= limit, f"{utf16_len(plain)} UTF-16 units > {limit}"
    assert "\ufdd0" not in text and "\ufdd1" not in text
    return plain


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(ALPHABETS))
@pytest.mark.parametrize(("block", "limit", "build"), CASES, ids=[c[0] for c in CASES])
def test_every_message_quoting_people_fits_telegram_whatever_they_typed(
    block: str, limit: int, build: Callable[[Typed], dict[str, Any]], kind: str, lang: str
) -> None:
    renderer = Renderer(TZ)
    for seed in range(2):
        ctx = build(typing(kind, seed))
        plain = assert_fits(_renders(renderer, lang, block, limit, ctx), limit)
        # The message's own words are all there: only quoted text was shortened.
        quiet = {k: _quiet(v) for k, v in ctx.items()}
        own = parse_html(_renders(renderer, lang, block, limit, quiet))[0]
        for line in own.splitlines():
            label = line.split("x")[0].strip()
            assert label in plain, f"{label!r} was cut"


def _quiet(value: Any) -> Any:
    """The same context with every typed text a single letter."""
    if isinstance(value, str) and not value.startswith("2026-") and value not in _ENUMS:
        return "x"
    if isinstance(value, list):
        return [_quiet(v) for v in value]
    if isinstance(value, dict):
        return {k: _quiet(v) for k, v in value.items()}
    return value


_ENUMS = {"complaint", "noted", "staff", "submitted", "closed", "no_reply", "resolved", "open"}
_ENUMS |= {"booked", "held", "ABCD2345", "back"}


def test_a_cut_never_splits_a_character_or_an_entity() -> None:
    assert shorten("ab😀cd", 4) == "ab…"  # the emoji would need units 3-4 and "…" one more
    assert shorten("😀😀😀", 5) == "😀😀…"
    assert shorten("👨\u200d👩\u200d👧", 4) == "👨…"  # no dangling zero-width joiner
    marked = "<b>head</b> \ufdd0" + "&lt;&amp;" * 3000 + "\ufdd1 <i>tail</i>"
    text = fit(marked, 100)
    plain = assert_fits(text, 100)
    assert plain.startswith("head <&<&") and plain.endswith("… tail")
    assert "<b>head</b>" in text and "<i>tail</i>" in text


def test_the_shortest_quotes_are_kept_whole() -> None:
    marked = "\ufdd0" + "长" * 5000 + "\ufdd1|\ufdd0王阿姨\ufdd1|\ufdd0" + "短" * 50 + "\ufdd1"
    plain = assert_fits(fit(marked, 1000), 1000)
    assert plain.endswith("|王阿姨|" + "短" * 50) and plain.count("…") == 1


@pytest.mark.parametrize("kind", sorted(ALPHABETS))
def test_a_toast_is_plain_text_within_200_characters(kind: str) -> None:
    renderer = Renderer(TZ)
    grid = typing(kind, 0)(300)
    toast = renderer.toast("zh-CN", "settings.grid_changed", grid=grid)
    assert 0 < len(toast) <= 200 and utf16_len(toast) <= 200
    assert toast.endswith("…") and ("网格已改为 " + grid).startswith(toast[:-1])  # not HTML
