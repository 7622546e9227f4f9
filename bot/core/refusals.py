"""Refusals: the rules say no, and nothing changed.

Every refusal a service or rule raises is a `Refusal`: a `reason` and the `values` its message
needs, and the template that words it (`template`, a `{% if reason == … %}` block of the
capability). The kinds say why, for code that treats them apart: the person may not do it
(`NotAllowed`), the thing is gone or never was (`NotFound` — an old or forged button), it has
moved on (`Stale` — already done, closed, cancelled), or what was typed does not fit
(`Invalid`). Capabilities subclass a kind to name their template; handlers answer every one the
same way, through `handlers.kit.refuse` (in the user's language, as a new message or in place
of the pressed one).
"""

from __future__ import annotations

from typing import Any, ClassVar


class Refusal(Exception):
    """The rules refuse; `reason` picks the wording in `template`, `values` fill it."""

    template: ClassVar[str] = "common.refused"

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values: dict[str, Any] = values


class NotAllowed(Refusal):
    """Not for this person (their role, or not theirs to act on)."""


class NotFound(Refusal):
    """The record is gone or never existed (an old or forged button)."""


class Stale(Refusal):
    """The record has moved on: already done, closed, cancelled or full."""


class Invalid(Refusal):
    """What was typed or chosen does not fit the rules."""
