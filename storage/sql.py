"""SQLite's dialect, as the storage modules and migrations write it, said in PostgreSQL's.

A small translator, not a parser: placeholders (`?`, `?1`), `INSERT OR IGNORE`, `IFNULL`,
`instr`, `json_extract(col, '$.key')` and the `id` of an inserted row (`RETURNING id`, for
`cursor.lastrowid`). A statement too SQLite-specific for that is written in portable SQL in
its storage module instead. Migrations: column types (`INTEGER PRIMARY KEY` becomes an
identity column, `INTEGER` a BIGINT as SQLite's integers are 64-bit), `WITHOUT ROWID`; the
triggers and views in SQLite's own syntax are replaced by the statements of the same-named
file in `storage/migrations/postgres/`, section by section (`-- @replaces CREATE TRIGGER x`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from storage.db import MigrationError, _split_sql

# A string literal or a comment: left alone (a comment's apostrophe starts no string).
_STRING = re.compile(r"'(?:[^']|'')*'|--[^\n]*")
_PLACEHOLDER = re.compile(r"\?(\d*)|(?<!:):([A-Za-z_]\w*)")
_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)
_JSON = re.compile(r"json_extract\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)", re.IGNORECASE)
_JSON_EACH = re.compile(r"json_each\(\s*([\w.]+)\s*\)", re.IGNORECASE)
_JSON_REPLACE = re.compile(r"json_replace\(", re.IGNORECASE)
_FIRST_WORD = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(\w+)", re.IGNORECASE)
_INSERT = re.compile(
    r"^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)\s*(\(([^)]*)\))?", re.IGNORECASE
)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_OBJECT = re.compile(
    r"^\s*(CREATE|DROP)\s+(?:TEMP\s+)?(TRIGGER|VIEW)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(\w+)",
    re.IGNORECASE,
)
_REPLACES = re.compile(r"^--\s*@replaces\s+(CREATE|DROP)\s+(TRIGGER|VIEW)\s+(\w+)\s*$")


@dataclass(frozen=True)
class Statement:
    """One statement in PostgreSQL's dialect, and how to run it."""

    text: str
    returns_rows: bool  # run with fetch (a SELECT, or a RETURNING)
    writes: bool  # INSERT, UPDATE or DELETE: rowcount counts rows
    added_returning: bool = False  # `RETURNING id` added for lastrowid; no rows to show
    sets_ids: bool = False  # an INSERT giving its own ids: move the identity on after it
    table: str | None = None
    names: tuple[str, ...] = ()  # the names of :named parameters, in $n order

    def bind(self, params: Any) -> Sequence[Any]:
        """The parameters in order (SQLite also takes a mapping for :named ones)."""
        if isinstance(params, Mapping):
            return [params[name] for name in self.names]
        return params


def _code_parts(sql: str) -> Iterator[tuple[bool, str]]:
    """(is_code, text) parts of a statement: string literals are left alone."""
    at = 0
    for found in _STRING.finditer(sql):
        yield True, sql[at : found.start()]
        yield False, found.group(0)
        at = found.end()
    yield True, sql[at:]


def _in_code(sql: str, change: re.Pattern[str], to: str) -> str:
    return "".join(change.sub(to, part) if code else part for code, part in _code_parts(sql))


_FUNCTIONS = (
    (re.compile(r"\bIS\s+NOT\s+(?=\?)", re.IGNORECASE), "IS DISTINCT FROM "),
    (re.compile(r"\bIS\s+(?=\?)", re.IGNORECASE), "IS NOT DISTINCT FROM "),
    (re.compile(r"\bIFNULL\s*\(", re.IGNORECASE), "COALESCE("),
    (re.compile(r"\binstr\s*\(", re.IGNORECASE), "strpos("),
)


def _placeholders(sql: str) -> tuple[str, tuple[str, ...]]:
    counter = 0
    names: list[str] = []

    def number(found: re.Match[str]) -> str:
        nonlocal counter
        if found.group(2):
            if found.group(2) not in names:
                names.append(found.group(2))
            return f"${names.index(found.group(2)) + 1}"
        if found.group(1):
            return "$" + found.group(1)
        counter += 1
        return f"${counter}"

    text = "".join(
        _PLACEHOLDER.sub(number, part) if code else part for code, part in _code_parts(sql)
    )
    return text, tuple(names)


def _arguments(text: str, start: int) -> tuple[list[str], int]:
    """The comma-separated arguments of a call whose "(" ends at `start`, and where it ends."""
    depth, quoted, at, found = 0, False, start, []
    for i in range(start, len(text)):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                found.append(text[at:i].strip())
                return found, i + 1
            depth -= 1
        elif char == "," and depth == 0:
            found.append(text[at:i].strip())
            at = i + 1
    raise ValueError(f"unbalanced call in {text[:80]}")


def _json_replace(text: str) -> str:
    """json_replace(col, '$.a', x, …) as jsonb: the keys set (a key missing is added)."""
    while (found := _JSON_REPLACE.search(text)) is not None:
        args, end = _arguments(text, found.end())
        pairs = ", ".join(
            f"'{path.strip(chr(39))[2:]}', {value}"
            for path, value in zip(args[1::2], args[2::2], strict=True)
        )
        changed = f"({args[0]}::jsonb || jsonb_build_object({pairs}))::text"
        text = text[: found.start()] + changed + text[end:]
    return text


_SKIP_LOCKED = re.compile(r"/\*\s*skip locked\s*\*/", re.IGNORECASE)


def _skip_locked(sql: str) -> str:
    """`x IN (SELECT … /* skip locked */)` as `x = ANY(ARRAY(SELECT … FOR UPDATE SKIP
    LOCKED))`: the rows are picked once (PostgreSQL may run an IN subquery again while it
    updates, and one that skips locked rows would then pick more)."""
    marker = _SKIP_LOCKED.search(sql)
    if marker is None:
        return sql
    found = None
    for candidate in re.finditer(r"\bIN\s*\(\s*SELECT\b", sql, re.IGNORECASE):
        _, end = _arguments(sql, candidate.start() + sql[candidate.start() :].index("(") + 1)
        if candidate.start() < marker.start() < end:
            found = (candidate, end)
    text = _SKIP_LOCKED.sub("FOR UPDATE SKIP LOCKED", sql)
    if found is None:
        return text
    candidate, end = found
    shift = len("FOR UPDATE SKIP LOCKED") - (marker.end() - marker.start())
    open_at = candidate.start() + sql[candidate.start() :].index("(")
    inner = text[open_at + 1 : end - 1 + shift]
    return f"{text[: candidate.start()]}= ANY(ARRAY({inner})){text[end + shift :]}"


def translate(sql: str, id_tables: frozenset[str], *, many: bool = False) -> Statement:
    """The PostgreSQL form of one storage statement written for SQLite. A `/* skip locked */`
    comment (nothing on SQLite, which has one writer) is `FOR UPDATE SKIP LOCKED` here: rows
    several processes compete for go to one of them, the others take the next ones."""
    text = _skip_locked(sql)
    text = _JSON.sub(r"(\1::jsonb ->> '\2')", text.strip().rstrip(";"))
    text = _JSON_EACH.sub(r"jsonb_array_elements_text(\1::jsonb)", _json_replace(text))
    for pattern, to in _FUNCTIONS:
        text = _in_code(text, pattern, to)
    text = _in_code(text, _INDEXED_BY, "")  # SQLite's index hints
    text, names = _placeholders(text)
    first = _FIRST_WORD.match(text)
    verb = first.group(1).upper() if first else ""
    has_returning = bool(_RETURNING.search(text))
    if verb != "INSERT":
        writes = verb in {"UPDATE", "DELETE"}
        return Statement(
            text,
            returns_rows=verb in {"SELECT", "WITH", "VALUES"} or has_returning,
            writes=writes,
            names=names,
        )
    insert = _INSERT.match(text)
    if insert is None:
        raise ValueError(f"cannot read the INSERT: {sql[:80]}")
    mode, table = (insert.group(1) or "").upper(), insert.group(2)
    if mode == "REPLACE":
        raise ValueError(f"INSERT OR REPLACE has no PostgreSQL form; use ON CONFLICT: {sql[:80]}")
    if mode == "IGNORE":
        text = re.sub(r"\bOR\s+IGNORE\s+", "", text, count=1, flags=re.IGNORECASE)
        where = _RETURNING.search(text)
        at = where.start() if where else len(text)
        text = f"{text[:at].rstrip()} ON CONFLICT DO NOTHING {text[at:]}".rstrip()
    columns = insert.group(4)
    has_id = table in id_tables
    sets_ids = has_id and (
        columns is None or "id" in {c.strip().lower() for c in columns.split(",")}
    )
    added = has_id and not has_returning and not many
    if added:
        text += " RETURNING id"
    return Statement(
        text,
        returns_rows=added or has_returning,
        writes=True,
        added_returning=added,
        sets_ids=sets_ids,
        table=table,
        names=names,
    )


# Migrations ------------------------------------------------------------------------------

_DDL = (
    (
        re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\b"),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\)\s*WITHOUT\s+ROWID\b", re.IGNORECASE), ")"),
    (re.compile(r"\bIFNULL\s*\(", re.IGNORECASE), "COALESCE("),
)


def translate_ddl(statement: str) -> str:
    """A migration statement (table, index, data) in PostgreSQL's dialect."""
    text = statement
    for pattern, to in _DDL:
        text = _in_code(text, pattern, to)
    return text


def _overrides(name: str) -> dict[str, list[str]]:
    """The PostgreSQL statements replacing a migration's triggers and views, by object."""
    try:
        script = (
            resources.files("storage.migrations.postgres")
            .joinpath(name)
            .read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        return {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    buffer: list[str] = []
    quoted = False
    for line in script.splitlines():
        stripped = line.strip()
        marker = _REPLACES.match(stripped)
        if marker and not quoted:
            current = sections.setdefault(
                " ".join(g.upper() for g in marker.groups()[:2]) + " " + marker.group(3), []
            )
            continue
        if not buffer and (not stripped or stripped.startswith("--")):
            continue
        if current is None:  # before any @replaces line: statements run first (the prelude)
            current = sections.setdefault("", [])
        buffer.append(line)
        quoted ^= line.count("$$") % 2 == 1
        if stripped.endswith(";") and not quoted:
            current.append("\n".join(buffer))
            buffer = []
    if buffer:
        raise MigrationError(f"postgres/{name}: an unfinished statement at the end")
    return sections


def migration_statements(name: str, script: str) -> Iterator[str]:
    """The statements of one migration, for PostgreSQL."""
    sections = _overrides(name)
    used = set()
    for statement in _split_sql(script):
        found = _OBJECT.match(statement)
        if found is None:
            yield translate_ddl(statement)
            continue
        key = f"{found.group(1).upper()} {found.group(2).upper()} {found.group(3)}"
        if key in sections:
            used.add(key)
            yield from sections[key]
        elif found.group(2).upper() == "VIEW":
            yield translate_ddl(statement)
        else:
            raise MigrationError(f"{name}: {key} has no PostgreSQL form in postgres/{name}")
    unused = set(sections) - used - {""}
    if unused:
        raise MigrationError(f"postgres/{name} replaces what {name} lacks: {sorted(unused)}")


def prelude() -> list[str]:
    """What runs before the migrations on PostgreSQL (postgres/prelude.sql, idempotent)."""
    return _overrides("prelude.sql").get("", [])


SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def schema_of(url: str) -> str | None:
    """The schema a PostgreSQL address names (`?search_path=<schema>`: one town of several),
    or None for the server's default (`public`). Anything but a plain lower-case name is
    refused: it is written into SQL as an identifier."""
    found = [v for k, v in parse_qsl(urlsplit(url).query) if k == "search_path"]
    if not found:
        return None
    schema = found[-1].strip()
    if not SCHEMA_RE.match(schema):
        raise ValueError(f"search_path must be one schema name (a-z, 0-9, _), got {schema!r}")
    return None if schema == "public" else schema  # the default's: the same leader, channels


def redact(url: str) -> str:
    """The address without its password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
