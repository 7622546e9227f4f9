"""Rows become the storage's dataclasses by their field names and types."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.codec import record


@dataclass(frozen=True)
class Sample:
    id: int
    name: str
    urgent: bool
    at: datetime
    done_at: datetime | None


def _row(sql: str) -> sqlite3.Row:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    row: sqlite3.Row = conn.execute(sql).fetchone()
    conn.close()
    return row


def test_times_flags_and_missing_values_are_read_back() -> None:
    row = _row(
        "SELECT 7 AS id, '上强' AS name, 1 AS urgent, '2026-03-02T02:00:00+00:00' AS at,"
        " NULL AS done_at"
    )
    assert record(Sample, row) == Sample(
        7, "上强", True, datetime(2026, 3, 2, 2, 0, tzinfo=UTC), None
    )


def test_a_time_in_another_offset_is_read_as_utc() -> None:
    row = _row(
        "SELECT 1 AS id, 'x' AS name, 0 AS urgent, '2026-03-02T10:00:00+08:00' AS at,"
        " '2026-03-02T11:00:00+08:00' AS done_at"
    )
    got = record(Sample, row)
    assert got.urgent is False
    assert got.at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC) and got.at.tzinfo == UTC
    assert got.done_at == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def test_fields_given_are_not_read_from_the_row() -> None:
    row = _row("SELECT 2 AS id, 'y' AS name, 0 AS urgent, '2026-03-02T02:00:00+00:00' AS at")
    got = record(Sample, row, done_at=None, name="given")
    assert (got.name, got.done_at) == ("given", None)
