"""How times are written to and read from the database: UTC ISO-8601 text."""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")


def to_iso(moment: datetime) -> str:
    """Store a time as UTC ISO-8601 text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    """Read a stored time back (always UTC-aware)."""
    return datetime.fromisoformat(text).astimezone(UTC)


def record(cls: type[T], row: sqlite3.Row, **given: Any) -> T:
    """The dataclass `cls` made from a row that has a column named as each of its fields
    (but those `given`): times read back with `from_iso`, flags (0/1) as bool, None as None."""
    values = dict(given)
    for name, read in _readers(typing.cast(type, cls)):  # a class is hashable
        if name not in given:
            value = row[name]
            values[name] = value if value is None else read(value)
    return cls(**values)


@functools.cache
def _readers(cls: type) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    hints = typing.get_type_hints(cls)
    readers = []
    for field in dataclasses.fields(cls):
        kinds = set(typing.get_args(hints[field.name])) or {hints[field.name]}
        read: Callable[[Any], Any] = (
            from_iso if datetime in kinds else bool if bool in kinds else _same
        )
        readers.append((field.name, read))
    return tuple(readers)


def _same(value: Any) -> Any:
    return value
