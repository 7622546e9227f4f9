"""Callback data: every button family declared once, with its prefix, fields and pattern.

A button's data is `<prefix>:<verb>[:<field>…]`, at most 64 bytes (Telegram's limit). Each
capability declares its families once, in its `buttons` module (`bot/<capability>/buttons.py`,
plain strings: no Telegram types), and everything else uses them: builders call `pack`,
handlers register `pattern` and read a press with `parse`, which gives None for data that does
not fit (a button from an older version, or forged). A prefix belongs to one `Prefix` object,
a verb to one family of it: declaring either twice raises at import. `family_of` finds the
family of any data; the kit refuses to build a keyboard with data no family declares, and a test
checks that every family's pattern is registered by a handler.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 64  # Telegram's limit on callback data


@dataclass(frozen=True)
class Field:
    """One `:`-separated field: what it may look like and how it is read."""

    regex: str
    read: Callable[[str], Any]
    sample: str  # a value it takes (the architecture test packs one button of each family)
    optional: bool = False  # only the last field; buttons made before it existed lack it


INT = Field(r"\d{1,12}", int, "7")  # a record's id
KEY = Field(r"[0-9a-f]{1,32}", str, "ab12")  # a form's key (bot.runtime.submissions)
WORD = Field(r"[A-Za-z0-9_.-]{1,40}", str, "x")  # a code: a category, a kind, a role
FLAG = Field("[01]", lambda text: text == "1", "1")  # yes (1) or no (0)


def choice(*words: str) -> Field:
    """One of a few fixed words."""
    return Field("(?:" + "|".join(re.escape(w) for w in words) + ")", str, words[0])


def optional(field: Field) -> Field:
    """The same field, which old buttons lack (it must be the last one)."""
    return Field(field.regex, field.read, field.sample, optional=True)


_PREFIXES: dict[str, Prefix] = {}
_FAMILIES: list[Family] = []


@dataclass(frozen=True, eq=False)
class Family:
    """The buttons `<prefix>:<verb>[:<field>…]`."""

    prefix: str
    verb: str
    fields: tuple[Field, ...]

    @functools.cached_property
    def pattern(self) -> str:
        """The regular expression a handler registers: this family's data, and only it."""
        head = re.escape(f"{self.prefix}:{self.verb}" if self.verb else self.prefix)
        body = "".join(f"(?::({f.regex}))?" if f.optional else f":({f.regex})" for f in self.fields)
        return f"^{head}{body}$"

    @functools.cached_property
    def _regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def pack(self, *values: object) -> str:
        """The data of one button; ValueError for a value its field does not allow."""
        required = sum(1 for f in self.fields if not f.optional)
        if not required <= len(values) <= len(self.fields):
            raise ValueError(f"{self.prefix}:{self.verb} takes {len(self.fields)} fields")
        parts = [self.prefix, self.verb] if self.verb else [self.prefix]
        for field, value in zip(self.fields, values, strict=False):
            text = str(int(value)) if isinstance(value, bool) else str(value)
            if not re.fullmatch(field.regex, text):
                raise ValueError(f"{text!r} does not fit {self.prefix}:{self.verb}")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def parse(self, data: str | None) -> tuple[Any, ...] | None:
        """The fields of pressed data (an absent optional field is None); None if it does not
        fit this family or a value is out of range."""
        found = self._regex.match(data or "")
        if found is None:
            return None
        try:
            return tuple(
                None if text is None else field.read(text)
                for field, text in zip(self.fields, found.groups(), strict=True)
            )
        except ValueError:
            return None

    def one(self, data: str | None) -> Any:
        """The single field of a one-field family's data (None if it does not fit)."""
        parsed = self.parse(data)
        return None if parsed is None else parsed[0]


class Prefix:
    """The families of one prefix, declared in one module."""

    def __init__(self, prefix: str) -> None:
        if not re.fullmatch(r"[a-z]{2,4}", prefix):
            raise ValueError(f"a prefix is 2-4 lowercase letters: {prefix!r}")
        if prefix in _PREFIXES:
            raise ValueError(f"button prefix {prefix!r} is declared twice")
        _PREFIXES[prefix] = self
        self.prefix = prefix
        self.verbs: dict[str, Family] = {}

    def __call__(self, verb: str, *fields: Field) -> Family:
        """Declare the family `<prefix>:<verb>` with these fields (a verb of "" declares the
        bare form `<prefix>:<field>…` of buttons made before their prefix had verbs)."""
        if verb and not re.fullmatch(r"[a-z][a-z0-9]*", verb):
            raise ValueError(f"a verb is lowercase letters and digits: {verb!r}")
        if not verb and not fields:
            raise ValueError("a bare family needs fields")
        if verb in self.verbs:
            raise ValueError(f"button {self.prefix}:{verb} is declared twice")
        if any(f.optional for f in fields[:-1]):
            raise ValueError("only the last field may be optional")
        if any(re.compile(f.regex).groups for f in fields):
            raise ValueError("a field's regex may not capture (use (?:…))")
        family = Family(self.prefix, verb, fields)
        self.verbs[verb] = family
        _FAMILIES.append(family)
        return family


def any_of(*families: Family) -> str:
    """One pattern for several families (a step that takes any of them)."""
    return "|".join(f"(?:{f.pattern})" for f in families)


def any_data_of(*prefixes: Prefix) -> str:
    """A pattern for every press of these prefixes (registered after their families, to answer
    what none of them took)."""
    return "^(?:" + "|".join(p.prefix for p in prefixes) + "):"


def prefixes() -> dict[str, Prefix]:
    """Every prefix declared so far."""
    return dict(_PREFIXES)


def families() -> Iterator[Family]:
    """Every family declared so far (import the capabilities' `buttons` modules first)."""
    return iter(list(_FAMILIES))


def family_of(data: str) -> Family | None:
    """The family some data belongs to, or None."""
    prefix = data.split(":", 1)[0]
    owner = _PREFIXES.get(prefix)
    if owner is None:
        return None
    return next((f for f in owner.verbs.values() if f.parse(data) is not None), None)


def declared(data: str) -> str:
    """The data itself, if a family declares it; ValueError otherwise (every keyboard and
    every notice's buttons pass here, so no undeclared button is ever sent)."""
    if family_of(data) is None:
        raise ValueError(f"callback data no button family declares: {data!r}")
    return data
