"""The rules of filing for someone (代办), plain Python: who may file, the resident's name and
phone as staff type them, and the draft's proxy part.

A phone is a mainland number: a mobile (1[3-9] and 9 digits; +86, 86 or 0086 before it is
dropped) or a landline with its area code (0 and 9–11 digits). Full-width digits are read as
digits; spaces, dashes, dots and brackets are ignored; it is kept as digits only, so the
number a resident's Telegram contact carries ("+86 138 1234 5678", "8613812345678") finds the
same record.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypedDict

from bot.core import refusals
from storage.models import Role

# Who files for residents: the grid's workers, the departments' window clerks, the dispatch
# centre and the town office. Representatives file their own items (/suggest), not this.
STAFF_ROLES = frozenset({Role.GRID_WORKER, Role.DEPARTMENT, Role.DISPATCHER, Role.ADMIN})
NAME_LIMITS = (2, 30)  # characters of the resident's name (a Chinese name has 2 or more)

_SEPARATORS = re.compile(r"[\s\-.()（）]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")
_COUNTRY = ("+86", "0086", "86")


class ProxyRefused(refusals.Invalid):
    """The name or phone does not fit (worded by `proxy.refused`)."""

    template = "proxy.refused"


class ProxyDraft(TypedDict):
    """The proxy part of a /report draft: for whom, and the consent recorded."""

    name: str
    phone: str | None
    consent_by: int | None  # the staff member who pressed "the resident agreed"
    consent_at: str | None  # when (ISO, UTC)


def may_file(roles: list[str]) -> bool:
    """Whether someone holding these roles may file for a resident."""
    return any(role in STAFF_ROLES for role in roles)


def name_of(text: str) -> str:
    """The resident's name as typed (whitespace collapsed); ProxyRefused when its length does
    not fit or it holds a digit (a phone typed in the wrong step)."""
    name = " ".join(text.split())
    low, high = NAME_LIMITS
    if not low <= len(name) <= high:
        raise ProxyRefused("name_length", length=len(name), min=low, max=high)
    if any(ch.isdigit() for ch in name):
        raise ProxyRefused("name_digits")
    return name


def phone_of(text: str) -> str | None:
    """The phone as digits (a mobile's 11, a landline's with its area code); None when it is
    no mainland number."""
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).strip())  # full-width too
    for prefix in _COUNTRY:
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and _MOBILE.fullmatch(rest):
            return rest
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def phone_typed(text: str) -> str:
    """`phone_of` for what staff typed; ProxyRefused when it is no mainland number."""
    phone = phone_of(text)
    if phone is None:
        raise ProxyRefused("phone")
    return phone


def shown_phone(phone: str | None) -> str:
    """A phone as staff read it: 138 1234 5678, 0572-1234567 (empty for none)."""
    if not phone:
        return ""
    if _MOBILE.fullmatch(phone):
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    area = 3 if phone[1] in "12" else 4  # 010, 02x; else 0xxx
    return f"{phone[:area]}-{phone[area:]}"


def new(name: str) -> ProxyDraft:
    """The proxy part of a draft once the name is known (phone and consent come next)."""
    return {"name": name, "phone": None, "consent_by": None, "consent_at": None}
