"""Button data and conversation states, enforced on the application as built.

Every family of callback data is declared once (`bot.core.buttons`; a prefix or verb declared
twice fails at import), every declared family is answered by some handler, every handler's
pattern is a declared family's (or several joined by `any_of`), no data fits two families, and
no two conversations share a state number (PTB persistence stores them).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.app import build_application
from bot.core import buttons
from bot.core.config import Settings


def nested(handlers: Iterable[BaseHandler]) -> Iterator[tuple[str | None, BaseHandler]]:
    """(conversation name or None, handler) for every handler, inside conversations too."""
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            inner: list[BaseHandler] = [*handler.entry_points, *handler.fallbacks]
            for state in handler.states.values():
                inner.extend(state)
            yield (handler.name, handler)
            yield from ((handler.name, h) for _, h in nested(inner))
        else:
            yield (None, handler)


@pytest.fixture(scope="module")
def app_handlers(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str | None, Any]]:
    folder: Path = tmp_path_factory.mktemp("arch")
    settings = Settings(
        token="123:architecture",
        api_url="http://offline.invalid/bot",
        database=str(folder / "town.db"),
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        app = build_application(settings)
    return list(nested(h for group in app.handlers.values() for h in group))


def patterns(app_handlers: list[tuple[str | None, Any]]) -> set[str]:
    found = set()
    for _, handler in app_handlers:
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            pattern = handler.pattern
            assert isinstance(pattern, re.Pattern), f"a callable pattern: {pattern!r}"
            found.add(pattern.pattern)
    return found


def declared_parts(pattern: str) -> list[buttons.Family] | None:
    """The families a handler's pattern is made of, or None if it is hand-written."""
    by_pattern = {f.pattern: f for f in buttons.families()}
    declared = buttons.prefixes()
    catch_all = re.fullmatch(r"\^\(\?:([a-z|]+)\):", pattern)
    if catch_all and all(p in declared for p in catch_all[1].split("|")):
        return [f for p in catch_all[1].split("|") for f in declared[p].verbs.values()]
    if pattern in by_pattern:
        return [by_pattern[pattern]]
    parts, rest = [], pattern
    while rest:
        match = next((f for p, f in by_pattern.items() if rest.startswith(f"(?:{p})")), None)
        if match is None:
            return None
        parts.append(match)
        rest = rest[len(f"(?:{match.pattern})") :].removeprefix("|")
    return parts


def example(family: buttons.Family) -> str:
    """Data of the family, from its fields' samples."""
    return family.pack(*(field.sample for field in family.fields))


def test_every_declared_family_is_answered(app_handlers: list[tuple[str | None, Any]]) -> None:
    used = {f for p in patterns(app_handlers) for f in declared_parts(p) or []}
    unanswered = [f"{f.prefix}:{f.verb}" for f in buttons.families() if f not in used]
    assert unanswered == []


def test_every_pattern_is_a_declared_family(app_handlers: list[tuple[str | None, Any]]) -> None:
    hand_written = sorted(p for p in patterns(app_handlers) if declared_parts(p) is None)
    assert hand_written == []


def test_no_data_fits_two_families(app_handlers: list[tuple[str | None, Any]]) -> None:
    families = list(buttons.families())
    assert families, "no button family declared: were the capabilities imported?"
    for family in families:
        data = example(family)
        fitting = [f"{f.prefix}:{f.verb}" for f in families if f.parse(data) is not None]
        assert fitting == [f"{family.prefix}:{family.verb}"], data
        assert buttons.family_of(data) is family


def test_no_two_conversations_share_a_state(app_handlers: list[tuple[str | None, Any]]) -> None:
    owners: dict[object, str] = {}
    for name, handler in app_handlers:
        if isinstance(handler, ConversationHandler) and name is not None:
            for state in handler.states:
                if state in (ConversationHandler.END, ConversationHandler.TIMEOUT):
                    continue
                number = int(state)  # type: ignore[call-overload]
                assert owners.setdefault(number, name) == name, (number, name, owners[number])
