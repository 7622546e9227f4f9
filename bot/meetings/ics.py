"""An iCalendar (RFC 5545) file for one booking: a VEVENT with the meeting's local time.

Times carry TZID and a VTIMEZONE when the configured zone has a fixed offset (Asia/Shanghai:
+0800, no daylight saving); a zone with daylight saving gets UTC times instead, which every
calendar reads correctly. Lines end with CRLF and are folded at 75 octets (never inside a
UTF-8 character); text values are escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PRODID = "-//Minhu//Deliberation meetings//ZH"
LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    location: str
    description: str
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    sequence: int = 0


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continuation lines starting
    with one space (RFC 5545 §3.1)."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # the leading space counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _offset(tz: ZoneInfo) -> timedelta | None:
    """The zone's UTC offset if it is the same all year, else None."""
    year = datetime.now(UTC).year
    offsets = {datetime(year, month, 1, 12, tzinfo=tz).utcoffset() for month in (1, 4, 7, 10)}
    return offsets.pop() if len(offsets) == 1 else None


def _hhmm(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(event: Event, tz: ZoneInfo) -> bytes:
    """The .ics file's bytes (UTF-8, CRLF line endings)."""
    offset = _offset(tz)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if offset is not None:
        name = datetime(2000, 1, 1, tzinfo=tz).tzname() or tz.key
        lines += [
            "BEGIN:VTIMEZONE",
            f"TZID:{tz.key}",
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_hhmm(offset)}",
            f"TZOFFSETTO:{_hhmm(offset)}",
            f"TZNAME:{escape(name)}",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]

        def when(prop: str, moment: datetime) -> str:
            local = moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")
            return f"{prop};TZID={tz.key}:{local}"

    else:

        def when(prop: str, moment: datetime) -> str:
            return f"{prop}:{_utc(moment)}"

    lines += [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(event.stamp)}",
        f"SEQUENCE:{event.sequence}",
        when("DTSTART", event.starts_at),
        when("DTEND", event.ends_at),
        f"SUMMARY:{escape(event.summary)}",
        f"LOCATION:{escape(event.location)}",
        f"DESCRIPTION:{escape(event.description)}",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")
