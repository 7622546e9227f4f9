"""How times are written to and read from the database: UTC ISO-8601 text."""

from __future__ import annotations

from datetime import UTC, datetime


def to_iso(moment: datetime) -> str:
    """Store a time as UTC ISO-8601 text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    """Read a stored time back (always UTC-aware)."""
    return datetime.fromisoformat(text).astimezone(UTC)
